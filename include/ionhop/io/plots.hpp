// `ionhop plot`: gnuplot figures of a sweep's results.json.
//
// The library part builds, for one plot kind, a whitespace data table (commented header with
// columns and units; one block per series, blocks separated by two blank lines so that
// gnuplot's `index N` selects block N) and a gnuplot script that reads that table by its
// relative name and writes KIND.png and KIND.svg, so that `cd DIR && gnuplot KIND.gp`
// redraws the figure after restyling. render_plot() runs gnuplot on them in a temporary
// directory; the CLI then writes everything with write_output_directory().
//
// Kinds:
//   arrhenius  D (log axis) vs 1000/T: KMC points ± σ per species (immobile skipped), the KMC
//              Arrhenius fit of each species over its temperature range, and, with an
//              md_reference, the MD Arrhenius laws (dashed over md_temperatures_k, dotted
//              down to the lowest sweep temperature) and MD points at md_temperatures_k.
//   fermi      D ± σ vs Fermi level, one line per (species, T), from points[].fermi_level_ev;
//              points[].diffusion_fast_switching_cm2_s (if any) as dashed lines.
//   field      mobility ± σ vs |E| (log axis) and the Nernst–Einstein ratio ± σ vs |E| (with
//              a line at 1), one line per (species, T), from points[].drift.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::io {

inline constexpr double kPlotMissing = std::numeric_limits<double>::quiet_NaN();

// What the plots use of results.json (schema ionhop.results/1). Values that results.json
// gives as null (not estimated) or leaves out are NaN here.
struct PlotDrift {
  double field_magnitude_v_per_cm = kPlotMissing;
  double mobility_cm2_v_s = kPlotMissing;
  double mobility_err_cm2_v_s = kPlotMissing;
  double nernst_einstein_ratio = kPlotMissing;
  double nernst_einstein_ratio_err = kPlotMissing;
};

struct PlotPoint {
  std::string species;
  double temperature_k = 0;
  std::string supercell;     // "16x16x16"; "" when not given
  std::int64_t defects = 0;  // 0 when not given
  bool immobile = false;
  double diffusion_cm2_s = kPlotMissing;
  double diffusion_err_cm2_s = kPlotMissing;
  std::optional<double> fermi_level_ev;
  std::optional<std::array<double, 3>> field_v_per_cm;  // applied field (V/cm)
  double diffusion_fast_switching_cm2_s = kPlotMissing;
  std::optional<PlotDrift> drift;
};

struct PlotArrhenius {
  std::string species;
  std::string supercell;
  std::int64_t defects = 0;
  double ln_prefactor = kPlotMissing;  // ln(D0 / (cm^2/s))
  double activation_energy_ev = kPlotMissing;
  std::optional<double> fermi_level_ev;  // the fit's conditions, if any
  std::optional<std::array<double, 3>> field_v_per_cm;
};

struct PlotMdSpecies {
  std::string species;
  bool immobile = false;
  double activation_energy_ev = kPlotMissing;
  double prefactor_cm2_s = kPlotMissing;
};

struct PlotResults {
  std::string file;  // for error messages and the generated files' headers
  std::vector<PlotPoint> points;
  std::vector<PlotArrhenius> arrhenius;
  bool has_md_reference = false;
  std::vector<double> md_temperatures_k;
  std::vector<PlotMdSpecies> md_species;
};

// Reads the parts of results.json the plots use; anything else is ignored (results.json grows
// new fields). Wrong types → InputError naming `file` and the JSON path.
PlotResults parse_plot_results(const nlohmann::json& results, const std::string& file);
// Reads and parses a file (missing / malformed → InputError).
PlotResults load_plot_results(const std::string& path);

// "arrhenius", "fermi", "field".
const std::vector<std::string>& plot_kinds();

// A figure before gnuplot has run.
struct PlotBundle {
  std::string kind;
  std::string script_name;               // KIND.gp
  std::string data_name;                 // KIND_data.dat
  std::string script;                    // gnuplot script; reads data_name, writes image_names
  std::string data;                      // the data table
  std::vector<std::string> image_names;  // KIND.png, KIND.svg
  std::vector<std::string> series;       // legend labels of the data series, in plot order
};

// Builds the data table and script of one plot kind. `species` (if not empty) selects
// species; each must occur in the results. Unknown kind, unknown species, or nothing to plot
// → InputError.
PlotBundle make_plot(const PlotResults& results, const std::string& kind,
                     const std::vector<std::string>& species = {});

// Species names (X_a^b notation) as gnuplot enhanced text: "V_Pb^2-" → "V_{Pb}^{2-}", other
// special characters escaped. Exposed for tests.
std::string gnuplot_enhanced_label(const std::string& name);

// Absolute path of the first executable `gnuplot` on PATH; throws
// InputError("", "", "gnuplot not found on PATH: install gnuplot-nox") when there is none.
std::string find_gnuplot();

// Writes the script and data into a fresh temporary directory, runs `gnuplot KIND.gp` there
// and returns {file name → content} of the script, the data and the images (the temporary
// directory is removed). A gnuplot failure or a missing/empty image → InputError with
// gnuplot's first error line.
std::map<std::string, std::string> render_plot(const PlotBundle& bundle,
                                               const std::string& gnuplot);

}  // namespace ionhop::io
