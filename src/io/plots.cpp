#include "ionhop/io/plots.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

namespace fs = std::filesystem;

namespace {

constexpr double kBoltzmannEv = 8.617333262e-5;  // eV/K

// ---- reading results.json -------------------------------------------------------------------

// A number that results.json may give as null (not estimated) or leave out → NaN.
double nullable_number(const JsonInput& object, const char* key) {
  auto v = object.find(key);
  if (!v || v->raw().is_null()) return kPlotMissing;
  return v->number();
}

std::string supercell_text(const JsonInput& object) {
  auto v = object.find("supercell");
  if (!v || v->raw().is_null()) return "";
  const auto cells = v->array(3);
  if (cells.size() != 3) v->fail("must be an array of 3 integers");
  std::string out;
  for (const auto& c : cells)
    out += (out.empty() ? "" : "x") + std::to_string(c.integer_at_least(1));
  return out;
}

std::int64_t defects_of(const JsonInput& object) {
  auto v = object.find("defects");
  return v && !v->raw().is_null() ? v->integer_at_least(0) : 0;
}

// "field_v_per_cm": [Ex, Ey, Ez] or absent/null.
std::optional<std::array<double, 3>> field_vector(const JsonInput& object) {
  auto v = object.find("field_v_per_cm");
  if (!v || v->raw().is_null()) return std::nullopt;
  const auto e = v->array(3);
  if (e.size() != 3) v->fail("must be an array of 3 numbers");
  return std::array<double, 3>{e[0].number(), e[1].number(), e[2].number()};
}

bool optional_boolean(const JsonInput& object, const char* key) {
  auto v = object.find(key);
  return v && !v->raw().is_null() ? v->boolean() : false;
}

// ---- text helpers ---------------------------------------------------------------------------

std::string num(double x) {
  if (!std::isfinite(x)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string short_num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// A gnuplot single-quoted string ('' is a quote inside it).
std::string sq(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Comments in the generated files must stay one line each.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

std::string escape_enhanced(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::strchr("{}@&~\\^_", c) != nullptr) out += '\\';
    out += c;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// Okabe–Ito (without yellow) followed by Tableau colours: distinguishable, colour-blind safe
// for the first six.
const std::array<const char*, 10> kPalette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                              "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F",
                                              "#BCBD22", "#17BECF"};
const std::array<int, 6> kFilledPoint = {7, 5, 9, 11, 13, 15};
const std::array<int, 6> kOpenPoint = {6, 4, 8, 10, 12, 14};

// "#RRGGBB" → "#AARRGGBB" with gnuplot's alpha (00 opaque … FF transparent).
std::string translucent(const std::string& rgb) { return "#A0" + rgb.substr(1); }

// ---- data tables ----------------------------------------------------------------------------

struct Block {
  std::string comment;
  std::vector<std::vector<double>> rows;
};

struct DataTable {
  std::vector<std::string> header;   // comment lines (without "# ")
  std::vector<std::string> columns;  // "name (unit): meaning"
  std::vector<Block> blocks;

  int add(std::string comment, std::vector<std::vector<double>> rows) {
    blocks.push_back({one_line(std::move(comment)), std::move(rows)});
    return static_cast<int>(blocks.size()) - 1;
  }

  std::string text() const {
    std::ostringstream o;
    for (const auto& h : header) o << "# " << one_line(h) << "\n";
    o << "# Columns (whitespace separated; NaN = not available):\n";
    for (std::size_t i = 0; i < columns.size(); ++i)
      o << "#   " << i + 1 << "  " << columns[i] << "\n";
    o << "# One block per series, blocks separated by two blank lines (gnuplot: index N):\n";
    for (std::size_t b = 0; b < blocks.size(); ++b)
      o << "#   index " << b << ": " << blocks[b].comment << "\n";
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      o << (b ? "\n\n" : "\n") << "# index " << b << ": " << blocks[b].comment << "\n";
      for (const auto& row : blocks[b].rows) {
        for (std::size_t c = 0; c < row.size(); ++c) o << (c ? "  " : "") << num(row[c]);
        o << "\n";
      }
    }
    return o.str();
  }
};

// ---- species selection and series labels ----------------------------------------------------

std::vector<std::string> species_in(const PlotResults& r) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& p : r.points) add(p.species);
  for (const auto& a : r.arrhenius) add(a.species);
  for (const auto& m : r.md_species) add(m.species);
  return out;
}

struct Selection {
  std::vector<std::string> requested;
  bool operator()(const std::string& s) const {
    return requested.empty() || std::find(requested.begin(), requested.end(), s) != requested.end();
  }
  std::string describe() const {
    return requested.empty() ? "" : " for the selected species (" + join(requested, ", ") + ")";
  }
};

std::string config_text(const std::string& supercell, std::int64_t defects) {
  std::vector<std::string> parts;
  if (!supercell.empty()) parts.push_back(supercell);
  if (defects > 0)
    parts.push_back(std::to_string(defects) + (defects == 1 ? " defect" : " defects"));
  return join(parts, ", ");
}

std::string vector_text(const std::array<double, 3>& v) {
  return "[" + short_num(v[0]) + " " + short_num(v[1]) + " " + short_num(v[2]) + "]";
}

// The applied field of a point: "" without one, else its vector (V/cm) or, with
// `direction_only`, its unit vector.
std::string field_text(const std::optional<std::array<double, 3>>& field, bool direction_only) {
  if (!field) return "";
  const auto& f = *field;
  const double norm = std::sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
  if (!(norm > 0)) return "";
  if (!direction_only) return vector_text(f);
  auto unit = [&](double x) {
    const double u = x / norm;
    return std::abs(u) < 5e-4 ? 0.0 : std::round(u * 1000) / 1000;
  };
  return vector_text({unit(f[0]), unit(f[1]), unit(f[2])});
}

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// What makes a series: one line or set of points in a plot. Parts not used by a plot kind stay
// empty (NaN, "").
struct SeriesKey {
  std::string species;
  double temperature_k = kPlotMissing;
  std::string supercell;
  std::int64_t defects = 0;
  double fermi_level_ev = kPlotMissing;
  std::string field;  // field vector, or direction in the field plot ("" without a field)
  bool operator==(const SeriesKey& o) const {
    return species == o.species && same_number(temperature_k, o.temperature_k) &&
           supercell == o.supercell && defects == o.defects &&
           same_number(fermi_level_ev, o.fermi_level_ev) && field == o.field;
  }
};

struct KeyParts {
  bool temperature = false;
  bool fermi_level = false;
  bool field = false;
  bool field_direction_only = false;
};

SeriesKey key_of(const PlotPoint& p, const KeyParts& parts) {
  SeriesKey k;
  k.species = p.species;
  if (parts.temperature) k.temperature_k = p.temperature_k;
  k.supercell = p.supercell;
  k.defects = p.defects;
  if (parts.fermi_level && p.fermi_level_ev) k.fermi_level_ev = *p.fermi_level_ev;
  if (parts.field) k.field = field_text(p.field_v_per_cm, parts.field_direction_only);
  return k;
}

struct Series {
  SeriesKey key;
  std::vector<const PlotPoint*> points;
};

// Groups points into series in order of first appearance.
std::vector<Series> group_series(const std::vector<const PlotPoint*>& used, const KeyParts& parts) {
  std::vector<Series> out;
  for (const auto* p : used) {
    const SeriesKey k = key_of(*p, parts);
    auto it = std::find_if(out.begin(), out.end(), [&](const Series& s) { return s.key == k; });
    if (it == out.end()) {
      out.push_back({k, {}});
      it = out.end() - 1;
    }
    it->points.push_back(p);
  }
  return out;
}

// Which parts of the keys differ between series (only those are named in the legend).
struct Varies {
  bool config = false, fermi_level = false, field = false;
};
Varies varies(const std::vector<Series>& series) {
  Varies v;
  for (const auto& s : series) {
    const auto& a = series.front().key;
    v.config = v.config || s.key.supercell != a.supercell || s.key.defects != a.defects;
    v.fermi_level = v.fermi_level || !same_number(s.key.fermi_level_ev, a.fermi_level_ev);
    v.field = v.field || s.key.field != a.field;
  }
  return v;
}

// The legend label (gnuplot enhanced text) or, with `plain`, the label for the data file
// (which names every part of the key).
std::string series_label(const SeriesKey& k, const Varies& v, bool direction_only, bool plain) {
  auto text = [&](const std::string& t) { return plain ? t : escape_enhanced(t); };
  std::string label = plain ? k.species : gnuplot_enhanced_label(k.species);
  if (!std::isnan(k.temperature_k)) label += " " + short_num(k.temperature_k) + " K";
  std::vector<std::string> extra;
  if ((plain || v.fermi_level) && !std::isnan(k.fermi_level_ev))
    extra.push_back(plain ? "E_F = " + short_num(k.fermi_level_ev) + " eV"
                          : "E_F = " + short_num(k.fermi_level_ev) + " eV");
  if ((plain || v.field) && !k.field.empty())
    extra.push_back(direction_only ? (plain ? "field direction " : "E ∥ ") + text(k.field)
                                   : (plain ? "field " : "E = ") + text(k.field) + " V/cm");
  const std::string config = config_text(k.supercell, k.defects);
  if ((plain || v.config) && !config.empty()) extra.push_back(text(config));
  if (!extra.empty()) label += " (" + join(extra, ", ") + ")";
  return label;
}

// ---- script pieces --------------------------------------------------------------------------

std::string script_header(const PlotBundle& b, const PlotResults& r, const std::string& what) {
  std::ostringstream o;
  o << "# ionhop plot " << b.kind << ": " << what << "\n"
    << "# Generated from " << one_line(r.file) << ".\n"
    << "# Reads " << b.data_name << " (same directory; its header lists the columns and the data\n"
    << "# blocks) and writes " << b.kind << ".png and " << b.kind
    << ".svg. To restyle, edit this file and run\n"
    << "#   cd DIR && gnuplot " << b.script_name << "\n\n"
    << "data = " << sq(b.data_name) << "\n"
    << "set encoding utf8\n"
    << "set datafile commentschars '#'\n"
    << "set bars small\n"
    << "set grid lc rgb '#dddddd' lw 1\n";
  return o.str();
}

// Opens the loop that draws the same figure once per image format.
// fit_width: also set `fit_lw`, the width of the translucent fit lines (narrow with the libgd png
// terminal, which has no transparency).
std::string terminal_loop_open(const std::string& kind, int width, int height,
                               bool fit_width = false) {
  const std::string size = "size " + std::to_string(width) + "," + std::to_string(height);
  const std::string wide = fit_width ? "; fit_lw = 5" : "";
  const std::string narrow = fit_width ? "; fit_lw = 2" : "";
  std::ostringstream o;
  o << "\n# One pass per image: PNG (pngcairo if this gnuplot has it, else png) and SVG.\n"
    << "do for [ext in 'png svg'] {\n"
    << "  if (ext eq 'png') {\n"
    << "    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
    << "      set terminal pngcairo enhanced " << size << " font 'Sans,11' linewidth 1.3" << wide
    << "\n"
    << "    } else {\n"
    << "      set terminal png enhanced " << size << narrow << "\n"
    << "    }\n"
    << "  } else {\n"
    << "    set terminal svg enhanced " << size
    << " font 'Sans,11' linewidth 1.3 background 'white'" << wide << "\n"
    << "  }\n"
    << "  set output " << sq(kind + ".") << ".ext\n";
  return o.str();
}

std::string terminal_loop_close() { return "  set output\n}\n"; }

std::string plot_command(const std::vector<std::string>& elements,
                         const std::string& indent = "  ") {
  return indent + "plot " + join(elements, ", \\\n" + indent + "     ") + "\n";
}

std::string style_line(int index, const char* colour, int point_type) {
  return "set style line " + std::to_string(index) + " lc rgb " + sq(colour) + " lw 1.5 pt " +
         std::to_string(point_type) + " ps 1.1\n";
}

// Tabulates D = exp(ln_d0 - ea / (kB T)) at n temperatures evenly spaced in 1/T.
std::vector<std::vector<double>> arrhenius_rows(double ln_d0, double ea, double t_low,
                                                double t_high, int n = 21) {
  std::vector<std::vector<double>> rows;
  const double x0 = 1 / t_high, x1 = 1 / t_low;
  for (int i = 0; i < n; ++i) {
    const double x = x0 + (x1 - x0) * i / (n - 1);
    const double t = 1 / x;
    rows.push_back({1000 * x, t, std::exp(ln_d0 - ea / (kBoltzmannEv * t)), kPlotMissing});
  }
  return rows;
}

// Temperatures to label on the top axis of an Arrhenius plot: round values, not too dense.
std::string temperature_tics(double t_min, double t_max, double x_span) {
  static const double candidates[] = {20,   50,   100,  150,  200,  250,  300,  350,
                                      400,  450,  500,  550,  600,  700,  800,  900,
                                      1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000};
  std::vector<std::string> tics;
  double last_x = INFINITY;
  for (double t : candidates) {
    if (t < t_min * 0.999 || t > t_max * 1.001) continue;
    const double x = 1000 / t;
    if (last_x - x < 0.06 * x_span) continue;
    tics.push_back(sq(short_num(t)) + " " + num(x));
    last_x = x;
  }
  if (tics.size() < 2) {  // narrow range: label its ends
    tics = {sq(short_num(t_min)) + " " + num(1000 / t_min),
            sq(short_num(t_max)) + " " + num(1000 / t_max)};
  }
  return "(" + join(tics, ", ") + ")";
}

struct Padded {
  double lo, hi;
};
Padded pad_linear(double lo, double hi, double fraction, double minimum_half_width) {
  double span = hi - lo;
  if (span <= 0) return {lo - minimum_half_width, hi + minimum_half_width};
  return {lo - fraction * span, hi + fraction * span};
}
Padded pad_log(double lo, double hi) {
  if (hi <= lo) return {lo / 2, hi * 2};
  const double f = std::pow(hi / lo, 0.05);
  return {lo / f, hi * f};
}

bool positive_finite(double x) { return std::isfinite(x) && x > 0; }

// ---- arrhenius -------------------------------------------------------------------------------

// Species in order of first appearance: the colour of a species is its index here.
void add_species(std::vector<std::string>& order, const std::string& species) {
  if (std::find(order.begin(), order.end(), species) == order.end()) order.push_back(species);
}
std::size_t species_index(const std::vector<std::string>& order, const std::string& species) {
  return static_cast<std::size_t>(std::find(order.begin(), order.end(), species) - order.begin());
}

void build_arrhenius(const PlotResults& r, const Selection& selected, PlotBundle& b) {
  std::vector<const PlotPoint*> used;
  for (const auto& p : r.points)
    if (selected(p.species) && !p.immobile && positive_finite(p.diffusion_cm2_s))
      used.push_back(&p);
  if (used.empty())
    throw InputError(r.file, "/points",
                     "no plottable points for the arrhenius plot" + selected.describe() +
                         " (needs mobile points with diffusion_cm2_s > 0)");
  // Series: (species, supercell, defects, Fermi level, field) in order of first appearance.
  const auto all_series =
      group_series(used, {.temperature = false, .fermi_level = true, .field = true});
  const Varies vary = varies(all_series);
  std::vector<std::string> species_order;
  for (const auto& se : all_series) add_species(species_order, se.key.species);
  for (const auto& m : r.md_species)
    if (selected(m.species) && !m.immobile) add_species(species_order, m.species);
  auto colour_of = [&](const std::string& s) { return species_index(species_order, s); };

  DataTable table;
  table.header = {"ionhop plot arrhenius: diffusion coefficients vs inverse temperature",
                  "from " + r.file,
                  "KMC fit and MD lines: D = D0 exp(-Ea / (kB T)), kB = 8.617333262e-5 eV/K"};
  table.columns = {"inverse_temperature_1000_per_k (1000 K/T)", "temperature_k (K)",
                   "diffusion_cm2_s (cm^2/s)",
                   "diffusion_err_cm2_s (cm^2/s; standard error, KMC points only)"};

  double t_min = INFINITY, t_max = 0;
  for (const auto* p : used) {
    t_min = std::min(t_min, p->temperature_k);
    t_max = std::max(t_max, p->temperature_k);
  }
  const double sweep_t_min = t_min;

  std::ostringstream styles;
  std::vector<std::string> elements;
  std::map<std::string, int> style_count;  // series drawn per species (point type per config)
  bool any_fit = false;
  for (const auto& se : all_series) {
    const std::string& species = se.key.species;
    auto pts = se.points;
    std::sort(pts.begin(), pts.end(),
              [](auto* a, auto* c) { return a->temperature_k > c->temperature_k; });
    std::vector<std::vector<double>> rows;
    for (const auto* p : pts)
      rows.push_back({1000 / p->temperature_k, p->temperature_k, p->diffusion_cm2_s,
                      std::isfinite(p->diffusion_err_cm2_s) ? p->diffusion_err_cm2_s : 0.0});
    const std::string plain = series_label(se.key, vary, false, true);
    const int block = table.add("KMC points, " + plain, std::move(rows));
    const int style = static_cast<int>(b.series.size()) + 1;
    const std::size_t c = colour_of(species);
    const int nth = style_count[species]++;
    styles << style_line(style, kPalette[c % kPalette.size()],
                         kFilledPoint[(c + nth) % kFilledPoint.size()]);
    const std::string label = series_label(se.key, vary, false, false);
    elements.push_back("data index " + std::to_string(block) + " using 1:3:4 with yerrorbars ls " +
                       std::to_string(style) + " title " + sq(label));
    b.series.push_back(label);

    // The KMC Arrhenius fit of this series, over its temperature range.
    const PlotArrhenius* fit = nullptr;
    for (const auto& a : r.arrhenius) {
      if (a.species != species) continue;
      const auto& k = se.key;
      const bool same_config =
          (a.supercell.empty() || k.supercell.empty() || a.supercell == k.supercell) &&
          (a.defects == 0 || k.defects == 0 || a.defects == k.defects);
      const bool same_conditions =
          same_number(a.fermi_level_ev ? *a.fermi_level_ev : kPlotMissing, k.fermi_level_ev) &&
          field_text(a.field_v_per_cm, false) == k.field;
      if (same_config && same_conditions && std::isfinite(a.ln_prefactor) &&
          std::isfinite(a.activation_energy_ev)) {
        fit = &a;
        break;
      }
    }
    const double lo = pts.back()->temperature_k, hi = pts.front()->temperature_k;
    if (fit && hi > lo) {
      const int fb = table.add(
          "KMC Arrhenius fit (Ea = " + short_num(fit->activation_energy_ev) +
              " eV, D0 = " + short_num(std::exp(fit->ln_prefactor)) + " cm^2/s), " + plain,
          arrhenius_rows(fit->ln_prefactor, fit->activation_energy_ev, lo, hi));
      // Wide and translucent, so that an MD line on top of it stays visible.
      elements.push_back("data index " + std::to_string(fb) + " using 1:3 with lines lc rgb " +
                         sq(translucent(kPalette[c % kPalette.size()])) + " lw fit_lw notitle");
      any_fit = true;
    }
  }

  // MD reference: Arrhenius laws over the MD temperatures (dashed), extrapolated down to the
  // lowest sweep temperature (dotted), and D at the MD temperatures (open symbols).
  bool any_md_line = false, any_md_extrapolation = false, any_md_points = false;
  double md_t_min = INFINITY, md_t_max = 0;
  for (double t : r.md_temperatures_k) {
    md_t_min = std::min(md_t_min, t);
    md_t_max = std::max(md_t_max, t);
  }
  const bool have_md_temperatures = !r.md_temperatures_k.empty();
  if (r.has_md_reference) {
    int md_style = 100;  // style ids after the KMC series'
    for (const auto& m : r.md_species) {
      if (!selected(m.species) || m.immobile || !positive_finite(m.prefactor_cm2_s) ||
          !std::isfinite(m.activation_energy_ev))
        continue;
      const double ln_d0 = std::log(m.prefactor_cm2_s), ea = m.activation_energy_ev;
      const std::size_t c = colour_of(m.species);
      const int style = md_style++;
      styles << style_line(style, kPalette[c % kPalette.size()], kOpenPoint[c % kOpenPoint.size()]);
      const std::string law = "MD Arrhenius law (Ea = " + short_num(ea) +
                              " eV, D0 = " + short_num(m.prefactor_cm2_s) + " cm^2/s), " +
                              m.species;
      if (have_md_temperatures) {
        if (md_t_max > md_t_min) {
          const int lb = table.add(law + ", over the MD temperatures",
                                   arrhenius_rows(ln_d0, ea, md_t_min, md_t_max));
          elements.push_back("data index " + std::to_string(lb) + " using 1:3 with lines ls " +
                             std::to_string(style) + " dt 2 notitle");
          any_md_line = true;
        }
        if (sweep_t_min < md_t_min) {
          const int eb = table.add(
              law + ", extrapolated from the MD temperatures to the lowest sweep temperature",
              arrhenius_rows(ln_d0, ea, sweep_t_min, md_t_min));
          elements.push_back("data index " + std::to_string(eb) + " using 1:3 with lines ls " +
                             std::to_string(style) + " dt 3 notitle");
          any_md_extrapolation = true;
        }
        std::vector<std::vector<double>> rows;
        for (double t : r.md_temperatures_k)
          rows.push_back({1000 / t, t, std::exp(ln_d0 - ea / (kBoltzmannEv * t)), kPlotMissing});
        std::sort(rows.begin(), rows.end());
        const int pb = table.add(
            "MD reference D at the MD temperatures (from D0, Ea), " + m.species, std::move(rows));
        elements.push_back("data index " + std::to_string(pb) + " using 1:3 with points ls " +
                           std::to_string(style) + " ps 1.8 notitle");
        any_md_points = true;
        t_min = std::min(t_min, md_t_min);
        t_max = std::max(t_max, md_t_max);
      } else if (t_max > sweep_t_min) {
        const int eb = table.add(law + ", over the sweep temperatures (no MD temperatures given)",
                                 arrhenius_rows(ln_d0, ea, sweep_t_min, t_max));
        elements.push_back("data index " + std::to_string(eb) + " using 1:3 with lines ls " +
                           std::to_string(style) + " dt 3 notitle");
        any_md_extrapolation = true;
      }
    }
  }
  // Legend entries for the line styles (black), after the species.
  if (any_fit)
    elements.push_back("keyentry with lines lc rgb " + sq(translucent("#000000")) +
                       " lw fit_lw title 'KMC Arrhenius fit'");
  if (any_md_line)
    elements.push_back("keyentry with lines lc 'black' dt 2 title 'MD Arrhenius law'");
  if (any_md_extrapolation)
    elements.push_back("keyentry with lines lc 'black' dt 3 title 'MD extrapolated'");
  if (any_md_points)
    elements.push_back("keyentry with points lc 'black' pt 6 ps 1.8 title 'MD (at " +
                       short_num(md_t_min) + "–" + short_num(md_t_max) + " K)'");

  const double x_lo = 1000 / t_max, x_hi = 1000 / t_min;
  const Padded x = pad_linear(x_lo, x_hi, 0.04, 0.1);
  const bool md = any_md_line || any_md_points || any_md_extrapolation;

  std::ostringstream s;
  s << script_header(b, r,
                     md ? "KMC diffusion coefficients with MD reference, Arrhenius plot"
                        : "KMC diffusion coefficients, Arrhenius plot")
    << "\n# Line styles: one colour per species (filled symbols: KMC, open: MD).\n"
    << styles.str() << "\n"
    << "set title "
    << sq(md ? "Diffusion coefficients: KMC (points ± σ, Arrhenius fits) and MD reference"
             : "Diffusion coefficients: KMC points ± σ and Arrhenius fits")
    << "\n"
    << "set xlabel '1000/T (K^{-1})'\n"
    << "set ylabel 'D (cm^2 s^{-1})'\n"
    << "set logscale y\n"
    << "set format y '10^{%L}'\n"
    << "set xrange [" << num(x.lo) << ":" << num(x.hi) << "]\n"
    << "set xtics nomirror\n"
    << "set x2range [" << num(x.lo) << ":" << num(x.hi) << "]\n"
    << "set x2tics " << temperature_tics(t_min, t_max, x.hi - x.lo) << "\n"
    << "set x2label 'T (K)'\n"
    << "set key outside right top vertical Left reverse samplen 3 spacing 1.2\n"
    << terminal_loop_open(b.kind, 1000, 650, true) << plot_command(elements)
    << terminal_loop_close();
  b.script = s.str();
  b.data = table.text();
}

// ---- fermi -----------------------------------------------------------------------------------

void build_fermi(const PlotResults& r, const Selection& selected, PlotBundle& b) {
  std::vector<const PlotPoint*> used;
  for (const auto& p : r.points)
    if (selected(p.species) && p.fermi_level_ev &&
        (positive_finite(p.diffusion_cm2_s) || positive_finite(p.diffusion_fast_switching_cm2_s)))
      used.push_back(&p);
  if (used.empty())
    throw InputError(r.file, "/points",
                     "no plottable points for the fermi plot" + selected.describe() +
                         " (needs points with a numeric fermi_level_ev and diffusion_cm2_s > 0)");
  const auto all_series =
      group_series(used, {.temperature = true, .fermi_level = false, .field = true});
  const Varies vary = varies(all_series);
  std::vector<std::string> species_order;
  for (const auto* p : used) add_species(species_order, p->species);

  DataTable table;
  table.header = {"ionhop plot fermi: diffusion coefficient vs Fermi level", "from " + r.file};
  table.columns = {"fermi_level_ev (eV)", "diffusion_cm2_s (cm^2/s)",
                   "diffusion_err_cm2_s (cm^2/s; standard error)",
                   "diffusion_fast_switching_cm2_s (cm^2/s; fast charge-state switching limit)",
                   "temperature_k (K)"};
  std::ostringstream styles;
  std::vector<std::string> elements;
  bool any_fast = false;
  double e_min = INFINITY, e_max = -INFINITY;
  for (const auto& se : all_series) {
    const std::string& species = se.key.species;
    auto pts = se.points;
    std::sort(pts.begin(), pts.end(),
              [](auto* a, auto* c) { return *a->fermi_level_ev < *c->fermi_level_ev; });
    std::vector<std::vector<double>> rows;
    bool has_d = false, has_fast = false;
    for (const auto* p : pts) {
      const double d = positive_finite(p->diffusion_cm2_s) ? p->diffusion_cm2_s : kPlotMissing;
      const double fast = positive_finite(p->diffusion_fast_switching_cm2_s)
                              ? p->diffusion_fast_switching_cm2_s
                              : kPlotMissing;
      has_d = has_d || std::isfinite(d);
      has_fast = has_fast || std::isfinite(fast);
      rows.push_back({*p->fermi_level_ev, d,
                      std::isfinite(d) && std::isfinite(p->diffusion_err_cm2_s)
                          ? p->diffusion_err_cm2_s
                          : (std::isfinite(d) ? 0.0 : kPlotMissing),
                      fast, p->temperature_k});
      e_min = std::min(e_min, *p->fermi_level_ev);
      e_max = std::max(e_max, *p->fermi_level_ev);
    }
    const int block = table.add(series_label(se.key, vary, false, true), std::move(rows));
    const int style = static_cast<int>(b.series.size()) + 1;
    const std::size_t sp = species_index(species_order, species);
    styles << style_line(style, kPalette[b.series.size() % kPalette.size()],
                         kFilledPoint[sp % kFilledPoint.size()]);
    const std::string label = series_label(se.key, vary, false, false);
    const std::string idx = "data index " + std::to_string(block);
    if (has_d)
      elements.push_back(idx + " using 1:2:3 with yerrorlines ls " + std::to_string(style) +
                         " title " + sq(label));
    if (has_fast) {
      elements.push_back(idx + " using 1:4 with lines ls " + std::to_string(style) + " dt 2 " +
                         (has_d ? std::string("notitle") : "title " + sq(label)));
      any_fast = true;
    }
    b.series.push_back(label);
  }
  if (any_fast) {
    elements.push_back("keyentry with lines lc 'black' dt 1 title 'KMC ± σ'");
    elements.push_back("keyentry with lines lc 'black' dt 2 title 'fast switching'");
  }
  const Padded x = pad_linear(e_min, e_max, 0.04, 0.1);
  std::ostringstream s;
  s << script_header(b, r, "diffusion coefficient vs Fermi level")
    << "\n# Line styles: one colour per (species, temperature); symbol per species.\n"
    << styles.str() << "\n"
    << "set title "
    << sq(any_fast ? "Diffusion coefficient vs Fermi level (dashed: fast charge-state switching)"
                   : "Diffusion coefficient vs Fermi level")
    << "\n"
    << "set xlabel 'Fermi level E_F (eV)'\n"
    << "set ylabel 'D (cm^2 s^{-1})'\n"
    << "set logscale y\n"
    << "set format y '10^{%L}'\n"
    << "set xrange [" << num(x.lo) << ":" << num(x.hi) << "]\n"
    << "set key outside right top vertical Left reverse samplen 3 spacing 1.2\n"
    << terminal_loop_open(b.kind, 1000, 650) << plot_command(elements) << terminal_loop_close();
  b.script = s.str();
  b.data = table.text();
}

// ---- field -----------------------------------------------------------------------------------

void build_field(const PlotResults& r, const Selection& selected, PlotBundle& b) {
  std::vector<const PlotPoint*> used;
  for (const auto& p : r.points)
    if (selected(p.species) && p.drift && positive_finite(p.drift->field_magnitude_v_per_cm) &&
        (std::isfinite(p.drift->mobility_cm2_v_s) || std::isfinite(p.drift->nernst_einstein_ratio)))
      used.push_back(&p);
  if (used.empty())
    throw InputError(
        r.file, "/points",
        "no plottable points for the field plot" + selected.describe() +
            " (needs points with drift.field_magnitude_v_per_cm > 0 and drift.mobility_cm2_v_s)");
  // Log mobility axis when all mobilities are positive and span a decade or more.
  double mu_min = INFINITY, mu_max = -INFINITY, e_min = INFINITY, e_max = 0;
  bool any_ratio = false;
  for (const auto* p : used) {
    if (std::isfinite(p->drift->mobility_cm2_v_s)) {
      mu_min = std::min(mu_min, p->drift->mobility_cm2_v_s);
      mu_max = std::max(mu_max, p->drift->mobility_cm2_v_s);
    }
    any_ratio = any_ratio || std::isfinite(p->drift->nernst_einstein_ratio);
    e_min = std::min(e_min, p->drift->field_magnitude_v_per_cm);
    e_max = std::max(e_max, p->drift->field_magnitude_v_per_cm);
  }
  const bool any_mobility = std::isfinite(mu_min);
  const bool log_mobility = any_mobility && mu_min > 0 && mu_max / mu_min >= 10;

  // Series: (species, T, supercell, defects, Fermi level, field direction).
  const auto all_series = group_series(
      used,
      {.temperature = true, .fermi_level = true, .field = true, .field_direction_only = true});
  const Varies vary = varies(all_series);
  std::vector<std::string> species_order;
  for (const auto* p : used) add_species(species_order, p->species);
  DataTable table;
  table.header = {"ionhop plot field: drift mobility and Nernst-Einstein ratio vs field magnitude",
                  "from " + r.file};
  table.columns = {"field_magnitude_v_per_cm (V/cm)",
                   "mobility_cm2_v_s (cm^2/(V s))",
                   "mobility_err_cm2_v_s (cm^2/(V s); standard error)",
                   "nernst_einstein_ratio (1 in linear response)",
                   "nernst_einstein_ratio_err (standard error)",
                   "temperature_k (K)"};
  std::ostringstream styles;
  std::vector<std::string> top, bottom;
  for (const auto& se : all_series) {
    const std::string& species = se.key.species;
    auto pts = se.points;
    std::sort(pts.begin(), pts.end(), [](auto* a, auto* c) {
      return a->drift->field_magnitude_v_per_cm < c->drift->field_magnitude_v_per_cm;
    });
    std::vector<std::vector<double>> rows;
    bool has_mu = false, has_ratio = false;
    for (const auto* p : pts) {
      const auto& d = *p->drift;
      const bool mu_ok =
          std::isfinite(d.mobility_cm2_v_s) && (!log_mobility || d.mobility_cm2_v_s > 0);
      const bool ratio_ok = std::isfinite(d.nernst_einstein_ratio);
      has_mu = has_mu || mu_ok;
      has_ratio = has_ratio || ratio_ok;
      rows.push_back(
          {d.field_magnitude_v_per_cm, mu_ok ? d.mobility_cm2_v_s : kPlotMissing,
           mu_ok ? (std::isfinite(d.mobility_err_cm2_v_s) ? d.mobility_err_cm2_v_s : 0.0)
                 : kPlotMissing,
           ratio_ok ? d.nernst_einstein_ratio : kPlotMissing,
           ratio_ok
               ? (std::isfinite(d.nernst_einstein_ratio_err) ? d.nernst_einstein_ratio_err : 0.0)
               : kPlotMissing,
           p->temperature_k});
    }
    const int block = table.add(series_label(se.key, vary, true, true), std::move(rows));
    const int style = static_cast<int>(b.series.size()) + 1;
    const std::size_t sp = species_index(species_order, species);
    styles << style_line(style, kPalette[b.series.size() % kPalette.size()],
                         kFilledPoint[sp % kFilledPoint.size()]);
    const std::string label = series_label(se.key, vary, true, false);
    const std::string idx = "data index " + std::to_string(block);
    if (has_mu)
      top.push_back(idx + " using 1:2:3 with yerrorlines ls " + std::to_string(style) + " title " +
                    sq(label));
    else  // keep the series in the legend
      top.push_back("keyentry with yerrorlines ls " + std::to_string(style) + " title " +
                    sq(label));
    if (has_ratio)
      bottom.push_back(idx + " using 1:4:5 with yerrorlines ls " + std::to_string(style) +
                       " notitle");
    b.series.push_back(label);
  }
  bottom.push_back("1 with lines lc 'black' dt 2 lw 1 title 'ratio = 1'");

  const Padded x = pad_log(e_min, e_max);
  const bool decades = e_max / e_min >= 100;
  // Less than two decades: tics at the field values themselves (few tics on a log axis otherwise).
  std::set<double> fields;
  for (const auto* p : used) fields.insert(p->drift->field_magnitude_v_per_cm);
  std::string x_tics = "set mxtics 10\n";
  if (!decades && fields.size() <= 8) {
    std::vector<std::string> tics;
    for (double f : fields) tics.push_back(num(f));
    x_tics = "set xtics (" + join(tics, ", ") + ")\n";
  }
  const bool two_panels = any_ratio;
  const std::string x_format = decades ? "'10^{%L}'" : "'%g'";
  const std::string mu_label = "mobility μ (cm^2 V^{-1} s^{-1})";

  std::ostringstream s;
  s << script_header(b, r, "drift mobility and Nernst–Einstein ratio vs field magnitude")
    << "\n# Line styles: one colour per (species, temperature); symbol per species.\n"
    << styles.str() << "\n"
    << "set logscale x\n"
    << "set xrange [" << num(x.lo) << ":" << num(x.hi) << "]\n"
    << x_tics
    << "set key at screen 0.745, screen 0.90 left top vertical Left reverse samplen 3 spacing 1.2\n"
    << "set lmargin at screen 0.11\n"
    << "set rmargin at screen 0.72\n"
    << terminal_loop_open(b.kind, 1000, two_panels ? 800 : 600) << "  set multiplot title "
    << sq(two_panels ? "Drift mobility and Nernst–Einstein ratio vs field"
                     : "Drift mobility vs field")
    << "\n"
    << "  # Top panel: mobility.\n"
    << "  set tmargin at screen " << (two_panels ? "0.90" : "0.88") << "\n"
    << "  set bmargin at screen " << (two_panels ? "0.53" : "0.12") << "\n"
    << (two_panels ? "  set format x ''\n  unset xlabel\n"
                   : "  set format x " + x_format + "\n  set xlabel '|E| (V/cm)'\n")
    << "  set ylabel " << sq(mu_label) << "\n"
    << (log_mobility ? "  set logscale y\n  set format y '10^{%L}'\n"
                     : "  unset logscale y\n  set format y '%h'\n")
    << "  set key\n"
    << plot_command(top);
  if (two_panels) {
    s << "  # Bottom panel: Nernst–Einstein ratio (1 in linear response).\n"
      << "  set tmargin at screen 0.50\n"
      << "  set bmargin at screen 0.09\n"
      << "  set format x " << x_format << "\n"
      << "  set xlabel '|E| (V/cm)'\n"
      << "  set ylabel 'Nernst–Einstein ratio'\n"
      << "  unset logscale y\n"
      << "  set format y '%h'\n"
      << "  unset key\n"
      << plot_command(bottom);
  }
  s << "  unset multiplot\n" << terminal_loop_close();
  b.script = s.str();
  b.data = table.text();
}

// ---- running gnuplot -------------------------------------------------------------------------

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::string templ = (fs::temp_directory_path() / "ionhop-plot-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr)
      throw InputError("", "",
                       std::string("cannot create a temporary directory: ") + std::strerror(errno));
    path_ = templ;
  }
  ~TemporaryDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (!out) throw InputError(path.string(), "", "cannot write file");
}

// The line of gnuplot's output that says what went wrong, trimmed to one line.
std::string gnuplot_error_line(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    line = line.substr(first);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    lines.push_back(line);
  }
  for (const auto& l : lines)
    if (l.find("\" line ") != std::string::npos) return l;
  return lines.empty() ? "no output" : lines.back();
}

}  // namespace

// ---- public ---------------------------------------------------------------------------------

PlotResults parse_plot_results(const nlohmann::json& results, const std::string& file) {
  const JsonInput root(results, file, "");
  if (!results.is_object()) root.fail("must be an object (a results.json written by ionhop sweep)");
  PlotResults r;
  r.file = file;
  for (const auto& p : root.at("points").array()) {
    PlotPoint point;
    point.species = p.at("species").string();
    point.temperature_k = p.at("temperature_k").positive();
    point.supercell = supercell_text(p);
    point.defects = defects_of(p);
    point.immobile = optional_boolean(p, "immobile");
    point.diffusion_cm2_s = nullable_number(p, "diffusion_cm2_s");
    point.diffusion_err_cm2_s = nullable_number(p, "diffusion_err_cm2_s");
    if (auto f = p.find("fermi_level_ev"); f && !f->raw().is_null())
      point.fermi_level_ev = f->number();
    point.field_v_per_cm = field_vector(p);
    point.diffusion_fast_switching_cm2_s = nullable_number(p, "diffusion_fast_switching_cm2_s");
    if (auto d = p.find("drift"); d && !d->raw().is_null()) {
      if (!d->raw().is_object()) d->fail("must be an object");
      PlotDrift drift;
      drift.field_magnitude_v_per_cm = nullable_number(*d, "field_magnitude_v_per_cm");
      drift.mobility_cm2_v_s = nullable_number(*d, "mobility_cm2_v_s");
      drift.mobility_err_cm2_v_s = nullable_number(*d, "mobility_err_cm2_v_s");
      drift.nernst_einstein_ratio = nullable_number(*d, "nernst_einstein_ratio");
      drift.nernst_einstein_ratio_err = nullable_number(*d, "nernst_einstein_ratio_err");
      point.drift = drift;
    }
    r.points.push_back(std::move(point));
  }
  if (auto arr = root.find("arrhenius")) {
    for (const auto& a : arr->array()) {
      PlotArrhenius fit;
      fit.species = a.at("species").string();
      fit.supercell = supercell_text(a);
      fit.defects = defects_of(a);
      fit.ln_prefactor = nullable_number(a, "ln_prefactor");
      if (!std::isfinite(fit.ln_prefactor)) {
        const double d0 = nullable_number(a, "prefactor_cm2_s");
        if (positive_finite(d0)) fit.ln_prefactor = std::log(d0);
      }
      fit.activation_energy_ev = nullable_number(a, "activation_energy_ev");
      if (auto f = a.find("fermi_level_ev"); f && !f->raw().is_null())
        fit.fermi_level_ev = f->number();
      fit.field_v_per_cm = field_vector(a);
      r.arrhenius.push_back(std::move(fit));
    }
  }
  if (auto md = root.find("md_reference"); md && !md->raw().is_null()) {
    r.has_md_reference = true;
    if (auto temps = md->find("md_temperatures_k"))
      for (const auto& t : temps->array()) r.md_temperatures_k.push_back(t.positive());
    for (const auto& s : md->at("species").array()) {
      PlotMdSpecies m;
      m.species = s.at("species").string();
      m.immobile = optional_boolean(s, "immobile");
      if (!m.immobile) {
        m.activation_energy_ev = s.at("activation_energy_ev").number();
        m.prefactor_cm2_s = s.at("prefactor_cm2_s").positive();
      }
      r.md_species.push_back(std::move(m));
    }
    // The reference file lists every species it has; plot only those this sweep simulated
    // (a one-species sweep would otherwise show four unlabelled MD curves).
    std::erase_if(r.md_species, [&](const PlotMdSpecies& m) {
      const auto simulated = [&](const auto& list) {
        return std::any_of(list.begin(), list.end(),
                           [&](const auto& x) { return x.species == m.species; });
      };
      return !simulated(r.points) && !simulated(r.arrhenius);
    });
  }
  return r;
}

PlotResults load_plot_results(const std::string& path) {
  nlohmann::json storage;
  JsonInput::parse_file(path, storage);
  return parse_plot_results(storage, path);
}

const std::vector<std::string>& plot_kinds() {
  static const std::vector<std::string> kinds = {"arrhenius", "fermi", "field"};
  return kinds;
}

std::string gnuplot_enhanced_label(const std::string& name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.size()) {
    const char c = name[i];
    if (c == '_' || c == '^') {
      std::size_t j = i + 1;
      while (j < name.size() && name[j] != '_' && name[j] != '^' && name[j] != ' ') ++j;
      const std::string group = name.substr(i + 1, j - i - 1);
      if (group.empty()) {
        out += escape_enhanced(std::string(1, c));
      } else {
        out += std::string(1, c) + "{" + escape_enhanced(group) + "}";
      }
      i = j;
    } else {
      out += escape_enhanced(std::string(1, c));
      ++i;
    }
  }
  return out;
}

PlotBundle make_plot(const PlotResults& results, const std::string& kind,
                     const std::vector<std::string>& species) {
  const auto& kinds = plot_kinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw InputError("command line", "KIND",
                     "unknown plot kind '" + kind + "' (known: " + join(kinds, ", ") + ")");
  const auto present = species_in(results);
  for (const auto& s : species)
    if (std::find(present.begin(), present.end(), s) == present.end())
      throw InputError("command line", "--species",
                       "'" + s + "' is not in " + results.file + " (species there: " +
                           (present.empty() ? std::string("none") : join(present, ", ")) + ")");
  PlotBundle b;
  b.kind = kind;
  b.script_name = kind + ".gp";
  b.data_name = kind + "_data.dat";
  b.image_names = {kind + ".png", kind + ".svg"};
  const Selection selected{species};
  if (kind == "arrhenius") build_arrhenius(results, selected, b);
  if (kind == "fermi") build_fermi(results, selected, b);
  if (kind == "field") build_field(results, selected, b);
  return b;
}

std::string find_gnuplot() {
  const char* env = std::getenv("PATH");
  const std::string path = env ? env : "";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(start, end - start);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "gnuplot";
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return fs::absolute(candidate, ec).string();
    start = end + 1;
  }
  throw InputError("", "", "gnuplot not found on PATH: install gnuplot-nox");
}

std::map<std::string, std::string> render_plot(const PlotBundle& bundle,
                                               const std::string& gnuplot) {
  TemporaryDirectory tmp;
  write_file(tmp.path() / bundle.script_name, bundle.script);
  write_file(tmp.path() / bundle.data_name, bundle.data);
  const fs::path log_path = tmp.path() / ".gnuplot.log";

  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error(std::string("cannot start gnuplot: fork: ") + std::strerror(errno));
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    if (::chdir(tmp.path().c_str()) != 0) ::_exit(126);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0) ::_exit(126);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execl(gnuplot.c_str(), "gnuplot", bundle.script_name.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error(std::string("waiting for gnuplot: ") + std::strerror(errno));
  }
  std::string log;
  if (fs::exists(log_path)) log = read_text_file(log_path.string());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status)
                                ? "exit code " + std::to_string(WEXITSTATUS(status))
                                : "killed by signal " + std::to_string(WTERMSIG(status));
    const std::string why = WIFEXITED(status) && WEXITSTATUS(status) == 127
                                ? "cannot execute " + gnuplot
                                : gnuplot_error_line(log);
    throw InputError("", "", "gnuplot failed on " + bundle.script_name + " (" + how + "): " + why);
  }
  std::map<std::string, std::string> files = {{bundle.script_name, bundle.script},
                                              {bundle.data_name, bundle.data}};
  for (const auto& image : bundle.image_names) {
    const fs::path p = tmp.path() / image;
    std::error_code ec;
    if (!fs::exists(p, ec) || fs::file_size(p, ec) == 0)
      throw InputError("", "",
                       "gnuplot did not write " + image + " (" + gnuplot_error_line(log) + ")");
    files[image] = read_text_file(p.string());
  }
  return files;
}

}  // namespace ionhop::io
