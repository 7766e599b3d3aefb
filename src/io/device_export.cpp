#include "ionhop/io/device_export.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kCm2ToM2 = 1.0e-4;        // 1 cm² = 1e-4 m²
constexpr double kPerM3ToPerCm3 = 1.0e-6;  // 1 m⁻³ = 1e-6 cm⁻³
constexpr double kM2ToCm2 = 1.0e4;
const char* kSchema = "ionhop.device_export/1";
const char* kNeutralNote =
    "neutral (z = 0): no drift in an electric field, so mu = 0; D still describes its diffusion";

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
json opt(const std::optional<double>& x) { return x ? num(*x) : json(nullptr); }

// printf-style number: %.Ng, "" for NaN (CSV) or the given fallback.
std::string fmt(double x, int digits, const char* if_nan = "") {
  if (!std::isfinite(x)) return if_nan;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

std::string cell_text(const std::array<int, 3>& c) {
  return std::to_string(c[0]) + "x" + std::to_string(c[1]) + "x" + std::to_string(c[2]);
}

std::string charge_text(int z) { return (z > 0 ? "+" : "") + std::to_string(z); }

// A number that may be null (→ NaN).
double nullable(const JsonInput& v) { return v.raw().is_null() ? kNaN : v.number(); }
double nullable_at(const JsonInput& obj, const char* key) { return nullable(obj.at(key)); }

std::array<int, 3> read_supercell(const JsonInput& v) {
  const auto a = v.array(3);
  if (a.size() != 3) v.fail("must be an array of 3 integers");
  std::array<int, 3> out{};
  for (std::size_t i = 0; i < 3; ++i) out[i] = static_cast<int>(a[i].integer_at_least(1));
  return out;
}

std::optional<double> read_fermi(const JsonInput& obj) {
  auto f = obj.find("fermi_level_ev");
  if (!f || f->raw().is_null()) return std::nullopt;
  return f->number();
}

// Optional "field_v_per_cm": [Ex, Ey, Ez]; true when any component is non-zero.
bool read_in_field(const JsonInput& obj) {
  auto f = obj.find("field_v_per_cm");
  if (!f || f->raw().is_null()) return false;
  const auto c = f->array(3);
  if (c.size() != 3) f->fail("must be an array of 3 numbers");
  bool any = false;
  for (const auto& x : c) any |= x.number() != 0.0;
  return any;
}

bool same_group(const std::string& species, const std::optional<double>& fermi,
                const std::array<int, 3>& cell, std::size_t defects, const std::string& s2,
                const std::optional<double>& f2, const std::array<int, 3>& c2, std::size_t d2) {
  return species == s2 && fermi == f2 && cell == c2 && defects == d2;
}

std::string group_text(const ExportSpecies& s) {
  std::string t = s.name + " (supercell " + cell_text(s.supercell) + ", " +
                  std::to_string(s.defects) + " defect" + (s.defects == 1 ? "" : "s");
  if (s.fermi_level_ev) t += ", E_F = " + fmt(*s.fermi_level_ev, 6) + " eV";
  return t + ")";
}

}  // namespace

// ---------------------------------------------------------------------------------------
// results.json

ResultsForExport load_results_for_export(const std::string& path) {
  json storage;
  const JsonInput root = JsonInput::parse_file(path, storage);
  ResultsForExport out;
  out.file = path;
  out.sha256 = core::sha256_hex(read_text_file(path));
  if (!root.raw().is_object())
    root.fail("must be an object (a results.json written by ionhop sweep)");
  const std::string schema = root.at("schema").string();
  if (schema != "ionhop.results/1")
    root.at("schema").fail(
        "expected \"ionhop.results/1\" (a results.json written by ionhop sweep), got \"" + schema +
        "\"");
  for (const auto& p : root.at("points").array(1)) {
    ResultsPoint r;
    r.species = p.at("species").string();
    r.mechanism = p.find("mechanism") ? p.at("mechanism").string() : "";
    r.charge = static_cast<int>(p.at("charge").integer());
    r.fermi_level_ev = read_fermi(p);
    r.in_field = read_in_field(p);
    r.temperature_k = p.at("temperature_k").positive();
    r.supercell = read_supercell(p.at("supercell"));
    r.defects = static_cast<std::size_t>(p.at("defects").integer_at_least(1));
    r.immobile = p.at("immobile").boolean();
    if (r.immobile) {
      r.diffusion_cm2_s = 0;
      r.diffusion_err_cm2_s = 0;
    } else {
      r.diffusion_cm2_s = p.at("diffusion_cm2_s").positive();
      const auto e = p.at("diffusion_err_cm2_s");
      r.diffusion_err_cm2_s = e.raw().is_null() ? kNaN : e.non_negative();
    }
    out.points.push_back(r);
  }
  for (const auto& a : root.at("arrhenius").array()) {
    ResultsArrhenius r;
    r.species = a.at("species").string();
    r.fermi_level_ev = read_fermi(a);
    r.in_field = read_in_field(a);
    r.supercell = read_supercell(a.at("supercell"));
    r.defects = static_cast<std::size_t>(a.at("defects").integer_at_least(1));
    r.points = static_cast<std::size_t>(a.at("points").integer_at_least(2));
    r.activation_energy_ev = a.at("activation_energy_ev").number();
    r.activation_energy_err_ev = nullable_at(a, "activation_energy_err_ev");
    r.prefactor_cm2_s = a.at("prefactor_cm2_s").positive();
    r.prefactor_err_cm2_s = nullable_at(a, "prefactor_err_cm2_s");
    r.ln_prefactor_cm2_s = a.at("ln_prefactor").number();
    const auto cov = a.at("covariance_ln_prefactor_activation_energy");
    const auto rows = cov.array(2);
    if (rows.size() != 2) cov.fail("must be a 2x2 array");
    const auto r0 = rows[0].array(2), r1 = rows[1].array(2);
    if (r0.size() != 2 || r1.size() != 2) cov.fail("must be a 2x2 array");
    r.var_ln_prefactor = nullable(r0[0]);
    r.cov_ln_prefactor_activation_energy = nullable(r0[1]);
    r.var_activation_energy = nullable(r1[1]);
    const bool known =
        std::any_of(out.points.begin(), out.points.end(), [&](const ResultsPoint& p) {
          return same_group(p.species, p.fermi_level_ev, p.supercell, p.defects, r.species,
                            r.fermi_level_ev, r.supercell, r.defects);
        });
    if (!known)
      a.at("species").fail("no points in /points for " + r.species +
                           " with this supercell and defect count");
    out.arrhenius.push_back(r);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The canonical table

double mobility_from_diffusion(double diffusion_m2_s, int charge, double temperature_k) {
  // μ = |z| e D / (k_B T); k_B T/e in volts equals k_B T in eV.
  return std::abs(charge) * diffusion_m2_s / units::thermal_energy_ev(temperature_k);
}

double arrhenius_diffusion(double prefactor_m2_s, double activation_energy_ev,
                           double temperature_k) {
  return prefactor_m2_s * std::exp(-activation_energy_ev / units::thermal_energy_ev(temperature_k));
}

double ExportArrhenius::diffusion_at(double temperature_k) const {
  return std::exp(ln_prefactor - activation_energy_ev / units::thermal_energy_ev(temperature_k));
}

double ExportArrhenius::diffusion_err_at(double temperature_k) const {
  const double x = 1.0 / units::thermal_energy_ev(temperature_k);
  const double var =
      var_ln_prefactor + x * x * var_activation_energy - 2 * x * cov_ln_prefactor_activation_energy;
  return diffusion_at(temperature_k) * std::sqrt(std::max(var, 0.0));
}

ExportSample make_sample(double temperature_k, const std::string& source, double diffusion_m2_s,
                         double diffusion_err_m2_s, int charge) {
  ExportSample s;
  s.temperature_k = temperature_k;
  s.source = source;
  s.diffusion_m2_s = diffusion_m2_s;
  s.diffusion_err_m2_s = diffusion_err_m2_s;
  s.mobility_m2_v_s = mobility_from_diffusion(diffusion_m2_s, charge, temperature_k);
  // σ_μ = μ σ_D / D, i.e. the same factor |z|/(k_B T) (T is exact).
  s.mobility_err_m2_v_s = mobility_from_diffusion(diffusion_err_m2_s, charge, temperature_k);
  return s;
}

DeviceExport build_device_export(const ResultsForExport& results, const ExportOptions& options) {
  DeviceExport out;
  out.source_file = results.file;
  out.source_sha256 = results.sha256;

  std::vector<std::string> known;
  for (const auto& p : results.points)
    if (std::find(known.begin(), known.end(), p.species) == known.end()) known.push_back(p.species);
  for (const auto& [species, n0] : options.densities_m3) {
    if (std::find(known.begin(), known.end(), species) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError(
          "command line", "--density",
          "unknown species '" + species + "' (" + results.file + " has: " + list + ")");
    }
    if (!std::isfinite(n0) || n0 <= 0)
      throw InputError("command line", "--density",
                       species + ": density must be a finite number > 0 in m^-3 (got " +
                           fmt(n0, 10, "nan") + ")");
  }
  for (double t : options.extra_temperatures_k)
    if (!std::isfinite(t) || t <= 0)
      throw InputError("command line", "--temperature",
                       "must be a finite number > 0 in K (got " + fmt(t, 10, "nan") + ")");

  std::set<std::string> immobile_noted, field_noted;
  for (const auto& p : results.points) {
    if (p.in_field) {
      if (field_noted.insert(p.species).second)
        out.notes.push_back(p.species +
                            ": points under an applied field are not exported (D and mu here are "
                            "zero-field values; the drift mobility is in results.json)");
      continue;
    }
    if (p.immobile) {
      if (immobile_noted.insert(p.species).second)
        out.notes.push_back(p.species + ": immobile in the rate table (D = 0); not exported");
      continue;
    }
    auto it = std::find_if(out.species.begin(), out.species.end(), [&](const ExportSpecies& s) {
      return same_group(s.name, s.fermi_level_ev, s.supercell, s.defects, p.species,
                        p.fermi_level_ev, p.supercell, p.defects);
    });
    if (it == out.species.end()) {
      ExportSpecies s;
      s.name = p.species;
      s.charge = p.charge;
      s.mechanism = p.mechanism;
      s.fermi_level_ev = p.fermi_level_ev;
      s.supercell = p.supercell;
      s.defects = p.defects;
      if (auto d = options.densities_m3.find(p.species); d != options.densities_m3.end())
        s.density_m3 = d->second;
      for (const auto& a : results.arrhenius) {
        if (a.in_field) continue;
        if (!same_group(a.species, a.fermi_level_ev, a.supercell, a.defects, s.name,
                        s.fermi_level_ev, s.supercell, s.defects))
          continue;
        ExportArrhenius f;
        f.points = a.points;
        f.prefactor_m2_s = a.prefactor_cm2_s * kCm2ToM2;
        f.prefactor_err_m2_s = a.prefactor_err_cm2_s * kCm2ToM2;
        f.ln_prefactor = a.ln_prefactor_cm2_s + std::log(kCm2ToM2);
        f.activation_energy_ev = a.activation_energy_ev;
        f.activation_energy_err_ev = a.activation_energy_err_ev;
        f.var_ln_prefactor = a.var_ln_prefactor;
        f.cov_ln_prefactor_activation_energy = a.cov_ln_prefactor_activation_energy;
        f.var_activation_energy = a.var_activation_energy;
        s.arrhenius = f;
      }
      if (!s.arrhenius)
        out.notes.push_back(group_text(s) +
                            ": no Arrhenius fit in the results; D0 and E_a are null");
      if (s.charge == 0) out.notes.push_back(s.name + ": " + kNeutralNote);
      out.species.push_back(s);
      it = out.species.end() - 1;
    } else if (it->charge != p.charge) {
      throw InputError(results.file, "/points",
                       p.species + " appears with charges " + charge_text(it->charge) + " and " +
                           charge_text(p.charge));
    }
    for (const auto& s : it->samples)
      if (s.temperature_k == p.temperature_k)
        throw InputError(
            results.file, "/points",
            "two points for " + group_text(*it) + " at T = " + fmt(p.temperature_k, 10) + " K");
    it->samples.push_back(make_sample(p.temperature_k, "point", p.diffusion_cm2_s * kCm2ToM2,
                                      p.diffusion_err_cm2_s * kCm2ToM2, p.charge));
  }
  for (auto& s : out.species) {
    if (s.arrhenius) {
      for (double t : options.extra_temperatures_k) {
        const bool have = std::any_of(s.samples.begin(), s.samples.end(),
                                      [&](const ExportSample& x) { return x.temperature_k == t; });
        if (!have)
          s.samples.push_back(make_sample(t, "fit", s.arrhenius->diffusion_at(t),
                                          s.arrhenius->diffusion_err_at(t), s.charge));
      }
    } else if (!options.extra_temperatures_k.empty()) {
      out.notes.push_back(group_text(s) + ": no Arrhenius fit, so no samples at --temperature");
    }
    std::stable_sort(s.samples.begin(), s.samples.end(),
                     [](const ExportSample& a, const ExportSample& b) {
                       return a.temperature_k < b.temperature_k;
                     });
  }
  for (const auto& [species, n0] : options.densities_m3) {
    (void)n0;
    if (immobile_noted.count(species) &&
        std::none_of(out.species.begin(), out.species.end(),
                     [&](const ExportSpecies& s) { return s.name == species; }))
      out.notes.push_back(species + ": --density given but the species is immobile; ignored");
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Canonical JSON

std::string device_export_json(const DeviceExport& table) {
  json out;
  out["schema"] = kSchema;
  out["source"] = {{"results", table.source_file}, {"sha256", table.source_sha256}};
  out["units"] = {{"temperature", "K"}, {"diffusion", "m^2/s"}, {"mobility", "m^2/(V s)"},
                  {"density", "m^-3"},  {"energy", "eV"},       {"charge", "e"}};
  out["conventions"] = {
      {"diffusion",
       "D of the defect itself (vacancy or interstitial), from the KMC points (source \"point\") "
       "or the Arrhenius law at that T (source \"fit\"); error = one standard error"},
      {"mobility",
       "mu = |z| e D / (k_B T) (Nernst-Einstein); sigma_mu = |z| e sigma_D / (k_B T); 0 for z = 0"},
      {"arrhenius", "D = D0 exp(-E_a / (k_B T)); covariance of (ln D0, E_a) with D0 in m^2/s"},
      {"density", "N0: mean defect density, an input (--density); null when not given"}};
  out["boltzmann_ev_per_k"] = units::boltzmann_ev_per_k;
  out["species"] = json::array();
  for (const auto& s : table.species) {
    json j = {{"name", s.name},
              {"charge", s.charge},
              {"mechanism", s.mechanism},
              {"fermi_level_ev", opt(s.fermi_level_ev)},
              {"supercell", json::array({s.supercell[0], s.supercell[1], s.supercell[2]})},
              {"defects", s.defects},
              {"density_m3", opt(s.density_m3)}};
    if (s.arrhenius) {
      const auto& a = *s.arrhenius;
      j["arrhenius"] = {{"points", a.points},
                        {"prefactor_m2_s", num(a.prefactor_m2_s)},
                        {"prefactor_err_m2_s", num(a.prefactor_err_m2_s)},
                        {"ln_prefactor", num(a.ln_prefactor)},
                        {"activation_energy_ev", num(a.activation_energy_ev)},
                        {"activation_energy_err_ev", num(a.activation_energy_err_ev)},
                        {"covariance_ln_prefactor_activation_energy",
                         json::array({json::array({num(a.var_ln_prefactor),
                                                   num(a.cov_ln_prefactor_activation_energy)}),
                                      json::array({num(a.cov_ln_prefactor_activation_energy),
                                                   num(a.var_activation_energy)})})}};
    } else {
      j["arrhenius"] = nullptr;
    }
    if (s.charge == 0) j["mobility_note"] = kNeutralNote;
    j["samples"] = json::array();
    for (const auto& x : s.samples)
      j["samples"].push_back({{"temperature_k", x.temperature_k},
                              {"source", x.source},
                              {"diffusion_m2_s", num(x.diffusion_m2_s)},
                              {"diffusion_err_m2_s", num(x.diffusion_err_m2_s)},
                              {"mobility_m2_v_s", num(x.mobility_m2_v_s)},
                              {"mobility_err_m2_v_s", num(x.mobility_err_m2_v_s)}});
    out["species"].push_back(j);
  }
  out["notes"] = table.notes;
  return out.dump(2) + "\n";
}

DeviceExport read_device_export_json(const std::string& text, const std::string& file) {
  json storage;
  try {
    storage = json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(file, "", std::string("malformed JSON: ") + e.what());
  }
  const JsonInput root(storage, file, "");
  root.require_object(
      {"schema", "source", "units", "conventions", "boltzmann_ev_per_k", "species", "notes"});
  if (root.at("schema").string() != kSchema)
    root.at("schema").fail(std::string("expected \"") + kSchema + "\"");
  DeviceExport out;
  const auto src = root.at("source");
  src.require_object({"results", "sha256"});
  out.source_file = src.at("results").string();
  out.source_sha256 = src.at("sha256").string();
  for (const auto& s : root.at("species").array()) {
    s.require_object({"name", "charge", "mechanism", "fermi_level_ev", "supercell", "defects",
                      "density_m3", "arrhenius", "mobility_note", "samples"});
    ExportSpecies e;
    e.name = s.at("name").string();
    e.charge = static_cast<int>(s.at("charge").integer());
    e.mechanism =
        s.at("mechanism").raw().is_string() ? s.at("mechanism").raw().get<std::string>() : "";
    if (!s.at("fermi_level_ev").raw().is_null()) e.fermi_level_ev = s.at("fermi_level_ev").number();
    e.supercell = read_supercell(s.at("supercell"));
    e.defects = static_cast<std::size_t>(s.at("defects").integer_at_least(1));
    if (!s.at("density_m3").raw().is_null()) e.density_m3 = s.at("density_m3").positive();
    const auto a = s.at("arrhenius");
    if (!a.raw().is_null()) {
      a.require_object({"points", "prefactor_m2_s", "prefactor_err_m2_s", "ln_prefactor",
                        "activation_energy_ev", "activation_energy_err_ev",
                        "covariance_ln_prefactor_activation_energy"});
      ExportArrhenius f;
      f.points = static_cast<std::size_t>(a.at("points").integer_at_least(0));
      f.prefactor_m2_s = nullable_at(a, "prefactor_m2_s");
      f.prefactor_err_m2_s = nullable_at(a, "prefactor_err_m2_s");
      f.ln_prefactor = nullable_at(a, "ln_prefactor");
      f.activation_energy_ev = nullable_at(a, "activation_energy_ev");
      f.activation_energy_err_ev = nullable_at(a, "activation_energy_err_ev");
      const auto cov = a.at("covariance_ln_prefactor_activation_energy");
      const auto rows = cov.array(2);
      if (rows.size() != 2) cov.fail("must be a 2x2 array");
      const auto r0 = rows[0].array(2), r1 = rows[1].array(2);
      if (r0.size() != 2 || r1.size() != 2) cov.fail("must be a 2x2 array");
      f.var_ln_prefactor = nullable(r0[0]);
      f.cov_ln_prefactor_activation_energy = nullable(r0[1]);
      f.var_activation_energy = nullable(r1[1]);
      e.arrhenius = f;
    }
    for (const auto& x : s.at("samples").array()) {
      x.require_object({"temperature_k", "source", "diffusion_m2_s", "diffusion_err_m2_s",
                        "mobility_m2_v_s", "mobility_err_m2_v_s"});
      ExportSample y;
      y.temperature_k = x.at("temperature_k").positive();
      y.source = x.at("source").string();
      y.diffusion_m2_s = nullable_at(x, "diffusion_m2_s");
      y.diffusion_err_m2_s = nullable_at(x, "diffusion_err_m2_s");
      y.mobility_m2_v_s = nullable_at(x, "mobility_m2_v_s");
      y.mobility_err_m2_v_s = nullable_at(x, "mobility_err_m2_v_s");
      e.samples.push_back(y);
    }
    out.species.push_back(e);
  }
  for (const auto& n : root.at("notes").array()) out.notes.push_back(n.string());
  return out;
}

// ---------------------------------------------------------------------------------------
// Canonical CSV: one row per (species group, sample)

namespace {
const std::vector<std::string> kCsvColumns = {"name",
                                              "charge",
                                              "mechanism",
                                              "fermi_level_ev",
                                              "supercell",
                                              "defects",
                                              "density_m3",
                                              "prefactor_m2_s",
                                              "prefactor_err_m2_s",
                                              "ln_prefactor",
                                              "activation_energy_ev",
                                              "activation_energy_err_ev",
                                              "var_ln_prefactor",
                                              "cov_ln_prefactor_activation_energy",
                                              "var_activation_energy",
                                              "fit_points",
                                              "temperature_k",
                                              "source",
                                              "diffusion_m2_s",
                                              "diffusion_err_m2_s",
                                              "mobility_m2_v_s",
                                              "mobility_err_m2_v_s"};
constexpr int kCsvDigits = 12;

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// RFC 4180 fields of one record (no embedded newlines: the writer never makes them).
std::vector<std::string> csv_fields(const std::string& line, const std::string& file,
                                    const std::string& where) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && cell.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      out.push_back(cell);
      cell.clear();
      was_quoted = false;
    } else if (c != '\r') {
      cell += c;
    }
  }
  if (quoted) throw InputError(file, where, "unterminated quoted field");
  out.push_back(cell);
  return out;
}

double parse_double(const std::string& s, const std::string& file, const std::string& where) {
  if (s.empty()) return kNaN;
  char* end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(x))
    throw InputError(file, where, "must be a finite number (got '" + s + "')");
  return x;
}

long parse_long(const std::string& s, const std::string& file, const std::string& where) {
  char* end = nullptr;
  const long x = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size())
    throw InputError(file, where, "must be an integer (got '" + s + "')");
  return x;
}
}  // namespace

std::string device_export_csv(const DeviceExport& table) {
  std::ostringstream o;
  for (std::size_t i = 0; i < kCsvColumns.size(); ++i) o << (i ? "," : "") << kCsvColumns[i];
  o << "\n";
  const int d = kCsvDigits;
  for (const auto& s : table.species) {
    std::ostringstream g;
    g << csv_text(s.name) << ',' << s.charge << ',' << csv_text(s.mechanism) << ','
      << (s.fermi_level_ev ? fmt(*s.fermi_level_ev, d) : "") << ',' << cell_text(s.supercell) << ','
      << s.defects << ',' << (s.density_m3 ? fmt(*s.density_m3, d) : "") << ',';
    if (s.arrhenius) {
      const auto& a = *s.arrhenius;
      g << fmt(a.prefactor_m2_s, d) << ',' << fmt(a.prefactor_err_m2_s, d) << ','
        << fmt(a.ln_prefactor, d) << ',' << fmt(a.activation_energy_ev, d) << ','
        << fmt(a.activation_energy_err_ev, d) << ',' << fmt(a.var_ln_prefactor, d) << ','
        << fmt(a.cov_ln_prefactor_activation_energy, d) << ',' << fmt(a.var_activation_energy, d)
        << ',' << a.points << ',';
    } else {
      g << ",,,,,,,,,";
    }
    for (const auto& x : s.samples)
      o << g.str() << fmt(x.temperature_k, d) << ',' << csv_text(x.source) << ','
        << fmt(x.diffusion_m2_s, d) << ',' << fmt(x.diffusion_err_m2_s, d) << ','
        << fmt(x.mobility_m2_v_s, d) << ',' << fmt(x.mobility_err_m2_v_s, d) << "\n";
  }
  return o.str();
}

DeviceExport read_device_export_csv(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line))
    throw InputError(file, "line 1", "empty file (expected a CSV header)");
  const auto header = csv_fields(line, file, "line 1");
  if (header != kCsvColumns)
    throw InputError(file, "line 1", "not an ionhop device_export.csv header");
  DeviceExport out;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const std::string where = "line " + std::to_string(line_no);
    const auto f = csv_fields(line, file, where);
    if (f.size() != kCsvColumns.size())
      throw InputError(file, where,
                       "has " + std::to_string(f.size()) + " fields, header has " +
                           std::to_string(kCsvColumns.size()));
    auto at = [&](int c) { return where + ", column " + kCsvColumns[c]; };
    ExportSpecies s;
    s.name = f[0];
    if (s.name.empty()) throw InputError(file, at(0), "must not be empty");
    s.charge = static_cast<int>(parse_long(f[1], file, at(1)));
    s.mechanism = f[2];
    if (!f[3].empty()) s.fermi_level_ev = parse_double(f[3], file, at(3));
    {
      int a = 0, b = 0, c = 0;
      char x1 = 0, x2 = 0;
      std::istringstream cs(f[4]);
      if (!(cs >> a >> x1 >> b >> x2 >> c) || x1 != 'x' || x2 != 'x' || a < 1 || b < 1 || c < 1 ||
          !cs.eof())
        throw InputError(file, at(4), "must be n1xn2xn3 (got '" + f[4] + "')");
      s.supercell = {a, b, c};
    }
    const long defects = parse_long(f[5], file, at(5));
    if (defects < 1) throw InputError(file, at(5), "must be >= 1");
    s.defects = static_cast<std::size_t>(defects);
    if (!f[6].empty()) s.density_m3 = parse_double(f[6], file, at(6));
    if (!f[15].empty()) {
      ExportArrhenius a;
      a.prefactor_m2_s = parse_double(f[7], file, at(7));
      a.prefactor_err_m2_s = parse_double(f[8], file, at(8));
      a.ln_prefactor = parse_double(f[9], file, at(9));
      a.activation_energy_ev = parse_double(f[10], file, at(10));
      a.activation_energy_err_ev = parse_double(f[11], file, at(11));
      a.var_ln_prefactor = parse_double(f[12], file, at(12));
      a.cov_ln_prefactor_activation_energy = parse_double(f[13], file, at(13));
      a.var_activation_energy = parse_double(f[14], file, at(14));
      const long pts = parse_long(f[15], file, at(15));
      if (pts < 0) throw InputError(file, at(15), "must be >= 0");
      a.points = static_cast<std::size_t>(pts);
      s.arrhenius = a;
    }
    ExportSample x;
    x.temperature_k = parse_double(f[16], file, at(16));
    if (!(x.temperature_k > 0)) throw InputError(file, at(16), "must be a number > 0");
    x.source = f[17];
    x.diffusion_m2_s = parse_double(f[18], file, at(18));
    x.diffusion_err_m2_s = parse_double(f[19], file, at(19));
    x.mobility_m2_v_s = parse_double(f[20], file, at(20));
    x.mobility_err_m2_v_s = parse_double(f[21], file, at(21));
    if (out.species.empty() ||
        !same_group(out.species.back().name, out.species.back().fermi_level_ev,
                    out.species.back().supercell, out.species.back().defects, s.name,
                    s.fermi_level_ev, s.supercell, s.defects))
      out.species.push_back(s);
    out.species.back().samples.push_back(x);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Simulator parameter sets

namespace {
const ExportSpecies& select_species(const DeviceExport& table, const std::string& name,
                                    const char* option, int required_charge) {
  std::vector<const ExportSpecies*> groups;
  for (const auto& s : table.species)
    if (s.name == name) groups.push_back(&s);
  const std::string role = required_charge > 0 ? "cation" : "anion";
  if (groups.empty()) {
    std::vector<std::string> names;
    for (const auto& s : table.species)
      if (std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    for (const auto& n : table.notes)
      if (n.rfind(name + ": immobile", 0) == 0)
        throw InputError("command line", option,
                         name + " is immobile in the results (D = 0): not a mobile " + role);
    throw InputError(
        "command line", option,
        "unknown or immobile species '" + name + "' (mobile species in the results: " + list + ")");
  }
  const ExportSpecies& first = *groups.front();
  if (first.charge != required_charge)
    throw InputError("command line", option,
                     name + " has charge " + charge_text(first.charge) + "; the " + role +
                         " must have charge " + charge_text(required_charge) +
                         " (the simulators' ions are singly charged" +
                         (first.charge == 0 ? "; a neutral defect does not drift" : "") + ")");
  std::set<std::optional<double>> fermi;
  for (const auto* g : groups) fermi.insert(g->fermi_level_ev);
  if (fermi.size() > 1)
    throw InputError("command line", option,
                     name + " has results at " + std::to_string(fermi.size()) +
                         " Fermi levels; simulator files need one (use --format canonical)");
  // Several supercells or defect counts: the most dilute one (fewest defects per cell), then
  // the largest supercell.
  const ExportSpecies* best = groups.front();
  auto cells = [](const ExportSpecies* s) {
    return static_cast<double>(s->supercell[0]) * s->supercell[1] * s->supercell[2];
  };
  for (const auto* g : groups) {
    const double c = g->defects / cells(g), cb = best->defects / cells(best);
    if (c < cb || (c == cb && cells(g) > cells(best))) best = g;
  }
  if (!best->density_m3)
    throw InputError("command line", "--density",
                     "missing for the " + role + " " + name + " (give --density '" + name +
                         "=N0' with N0 in m^-3)");
  return *best;
}
}  // namespace

std::vector<SimulatorSet> simulator_sets(const DeviceExport& table,
                                         const SimulatorSelection& selection) {
  if (selection.simsalabim_layer < 1)
    throw InputError("command line", "--layer", "must be an integer >= 1");
  const ExportSpecies& cation = select_species(table, selection.cation, "--cation", +1);
  const ExportSpecies* anion = nullptr;
  if (selection.anion) {
    if (*selection.anion == selection.cation)
      throw InputError("command line", "--anion", "must differ from --cation");
    anion = &select_species(table, *selection.anion, "--anion", -1);
  }
  std::vector<SimulatorSet> out;
  for (const auto& cs : cation.samples) {
    SimulatorSet set;
    set.temperature_k = cs.temperature_k;
    set.cation = &cation;
    set.cation_sample = &cs;
    if (anion) {
      auto it =
          std::find_if(anion->samples.begin(), anion->samples.end(),
                       [&](const ExportSample& a) { return a.temperature_k == cs.temperature_k; });
      if (it == anion->samples.end()) continue;
      set.anion = anion;
      set.anion_sample = &*it;
    }
    out.push_back(set);
  }
  if (out.empty())
    throw InputError(
        "command line", "--anion",
        selection.cation + " and " + *selection.anion + " have no temperature in common");
  return out;
}

std::string temperature_tag(double temperature_k) { return fmt(temperature_k, 10); }

namespace {
constexpr int kSimDigits = 10;
std::string sim(double x) { return fmt(x, kSimDigits, "NaN"); }
std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}
}  // namespace

std::string ionmonger_parameters(const DeviceExport& table, const SimulatorSet& set) {
  const ExportSpecies& c = *set.cation;
  if (!c.arrhenius)
    throw InputError(
        "command line", "--cation",
        c.name + " has no Arrhenius fit in the results; IonMonger needs DIinf and EAI");
  const auto& a = *c.arrhenius;
  const auto& p = *set.cation_sample;
  const double t = set.temperature_k;
  std::ostringstream o;
  o << "% ionhop export -> IonMonger parameters.m, T = " << temperature_tag(t) << " K\n"
    << "% Mobile ion: " << group_text(c) << ", charge " << charge_text(c.charge) << ", from "
    << table.source_file << "\n"
    << "% Replace the lines T, N0, DIinf and EAI in IonMonger's parameters.m with these.\n"
    << "% IonMonger forms DI = DIinf*exp(-EAI/(kB*T)): " << fmt(a.diffusion_at(t), 4)
    << " m2/s here;\n"
    << "% " << (p.source == "point" ? "KMC point" : "Arrhenius fit")
    << " at this T: D = " << fmt(p.diffusion_m2_s, 4) << " +- "
    << fmt(p.diffusion_err_m2_s, 2, "nan") << " m2/s, mu = " << fmt(p.mobility_m2_v_s, 4) << " +- "
    << fmt(p.mobility_err_m2_v_s, 2, "nan") << " m2/(V s).\n"
    << "% Fit: DIinf = " << fmt(a.prefactor_m2_s, 4) << " +- "
    << fmt(a.prefactor_err_m2_s, 2, "nan") << " m2/s, EAI = " << fmt(a.activation_energy_ev, 5)
    << " +- " << fmt(a.activation_energy_err_ev, 2, "nan")
    << " eV, cov(ln DIinf, EAI) = " << fmt(a.cov_ln_prefactor_activation_energy, 3, "nan")
    << " eV.\n";
  if (set.anion)
    o << "% IonMonger has one mobile ion species; " << set.anion->name << " is not included.\n";
  o << pad("T     = " + sim(t) + ";", 28) << "% temperature (K)\n"
    << pad("N0    = " + sim(*c.density_m3) + ";", 28)
    << "% typical density of ion vacancies (m-3)\n"
    << pad("DIinf = " + sim(a.prefactor_m2_s) + ";", 28)
    << "% high-temp. vacancy diffusion coefficient (m2s-1)\n"
    << pad("EAI   = " + sim(a.activation_energy_ev) + ";", 28) << "% " << c.name
    << " activation energy (eV)\n";
  return o.str();
}

std::string driftfusion_ionic_parameters(const SimulatorSet& set) {
  const ExportSpecies& c = *set.cation;
  const double n_cat = *c.density_m3 * kPerM3ToPerCm3;
  const double mu_c = set.cation_sample->mobility_m2_v_s * kM2ToCm2;
  // Without an anion species: one mobile ionic species and a static counter-ion background
  // of the same density (Driftfusion reads Nani as that background when N_ionic_species = 1).
  const double n_ani = set.anion ? *set.anion->density_m3 * kPerM3ToPerCm3 : n_cat;
  const double mu_a = set.anion ? set.anion_sample->mobility_m2_v_s * kM2ToCm2 : 0.0;
  std::ostringstream o;
  o << "N_ionic_species,Ncat,Nani,mu_c,mu_a\n"
    << (set.anion ? 2 : 1) << ',' << sim(n_cat) << ',' << sim(n_ani) << ',' << sim(mu_c) << ','
    << sim(mu_a) << "\n";
  return o.str();
}

std::string simsalabim_overrides(const SimulatorSet& set, int layer) {
  const ExportSpecies& c = *set.cation;
  const std::string l = "-l" + std::to_string(layer) + ".";
  const double n_ani = set.anion ? *set.anion->density_m3 : *c.density_m3;
  const double mu_a = set.anion ? set.anion_sample->mobility_m2_v_s : 0.0;
  std::ostringstream o;
  o << "-T " << sim(set.temperature_k) << ' ' << l << "N_cation " << sim(*c.density_m3) << ' ' << l
    << "N_anion " << sim(n_ani) << ' ' << l << "mu_cation "
    << sim(set.cation_sample->mobility_m2_v_s) << ' ' << l << "mu_anion " << sim(mu_a) << ' ' << l
    << "ionsMayEnter 1\n";
  return o.str();
}

// ---------------------------------------------------------------------------------------
// Parsers of the simulator files

namespace {
double parse_or_nan(const std::string& s) {
  char* end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  return (s.empty() || end != s.c_str() + s.size()) ? kNaN : x;
}
std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
}  // namespace

std::map<std::string, double> parse_ionmonger_assignments(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('%'));
    const auto eq = line.find('='), semi = line.find(';');
    if (eq == std::string::npos || semi == std::string::npos || semi < eq) continue;
    out[trim(line.substr(0, eq))] = parse_or_nan(trim(line.substr(eq + 1, semi - eq - 1)));
  }
  return out;
}

std::map<std::string, double> parse_driftfusion_row(const std::string& text) {
  std::istringstream in(text);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  std::map<std::string, double> out;
  std::istringstream h(header), r(row);
  std::string k, v;
  while (std::getline(h, k, ',') && std::getline(r, v, ',')) out[trim(k)] = parse_or_nan(trim(v));
  return out;
}

std::map<std::string, double> parse_simsalabim_overrides(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string key, value;
  while (in >> key >> value)
    if (key.size() > 1 && key[0] == '-') out[key.substr(1)] = parse_or_nan(value);
  return out;
}

}  // namespace ionhop::io
