// `ionhop export RESULTS.json --out DIR --density SPECIES=N0 ...`: device-model exports.
// Writes the canonical table (device_export.json, device_export.csv) and, per temperature,
// parameter sets for IonMonger, Driftfusion and SIMsalabim.
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/device_export.hpp"
#include "ionhop/io/results_writer.hpp"

namespace ionhop::cli {

namespace {
struct ExportArgs {
  std::string results, out;
  std::vector<std::string> densities;
  std::vector<double> temperatures;
  std::string cation = "V_I^+";
  std::string anion;
  int layer = 2;
  std::string format = "all";
  bool quiet = false;
};

// "SPECIES=N0" → (species, N0); the species name may itself contain '=' only before the last one.
std::pair<std::string, double> parse_density(const std::string& text) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw InputError("command line", "--density", "expected SPECIES=N0_M3 (got '" + text + "')");
  const std::string species = text.substr(0, eq), value = text.substr(eq + 1);
  char* end = nullptr;
  const double n0 = std::strtod(value.c_str(), &end);
  if (end != value.c_str() + value.size() || !std::isfinite(n0) || n0 <= 0)
    throw InputError(
        "command line", "--density",
        species + ": density must be a finite number > 0 in m^-3 (got '" + value + "')");
  return {species, n0};
}
}  // namespace

Action add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  auto* sub = app.add_subcommand(
      "export", "Device-model exports (canonical SI table; IonMonger, Driftfusion, SIMsalabim)");
  sub->add_option("results", a->results, "results.json written by 'ionhop sweep'")->required();
  sub->add_option("--out", a->out, "output directory")->required();
  sub->add_option("--density", a->densities,
                  "mean density N0 of a species in m^-3, as SPECIES=N0 (repeatable; required for "
                  "--cation/--anion)")
      ->allow_extra_args(false);
  sub->add_option("--cation", a->cation,
                  "mobile positive species (charge +1) for the simulator files (default V_I^+)");
  sub->add_option("--anion", a->anion,
                  "mobile negative species (charge -1); default: none (static counter-ions of the "
                  "cation's density)");
  sub->add_option("--layer", a->layer, "SIMsalabim layer of the perovskite (default 2)")
      ->check(CLI::Range(1, 99));
  sub->add_option("--temperature", a->temperatures,
                  "also sample the Arrhenius law at this temperature in K (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--format", a->format, "what to write besides the canonical table (default all)")
      ->check(CLI::IsMember({"all", "canonical", "ionmonger", "driftfusion", "simsalabim"}));
  sub->add_flag("--quiet", a->quiet, "print nothing on success");
  sub->footer(
      "Writes DIR/device_export.json and DIR/device_export.csv (always) and, per temperature T,\n"
      "DIR/ionmonger_parameters_T<T>.m, DIR/driftfusion_ionic_parameters_T<T>.csv and\n"
      "DIR/simsalabim_overrides_T<T>.txt.\n"
      "Example:\n"
      "  ionhop export results/cspbi3/results.json --out results/cspbi3_device \\\n"
      "         --density V_I^+=1.6e25 --density I_i^-=1e22 --anion I_i^-");
  return [a]() {
    io::ExportOptions options;
    for (const auto& d : a->densities) {
      const auto [species, n0] = parse_density(d);
      if (!options.densities_m3.emplace(species, n0).second)
        throw InputError("command line", "--density", species + " given more than once");
    }
    options.extra_temperatures_k = a->temperatures;
    const io::ResultsForExport results = io::load_results_for_export(a->results);
    const io::DeviceExport table = io::build_device_export(results, options);

    std::map<std::string, std::string> files = {
        {"device_export.json", io::device_export_json(table)},
        {"device_export.csv", io::device_export_csv(table)}};
    const bool ionmonger = a->format == "all" || a->format == "ionmonger";
    const bool driftfusion = a->format == "all" || a->format == "driftfusion";
    const bool simsalabim = a->format == "all" || a->format == "simsalabim";
    std::size_t sets = 0;
    if (ionmonger || driftfusion || simsalabim) {
      io::SimulatorSelection selection;
      selection.cation = a->cation;
      if (!a->anion.empty()) selection.anion = a->anion;
      selection.simsalabim_layer = a->layer;
      for (const auto& set : io::simulator_sets(table, selection)) {
        const std::string t = io::temperature_tag(set.temperature_k);
        if (ionmonger)
          files["ionmonger_parameters_T" + t + ".m"] = io::ionmonger_parameters(table, set);
        if (driftfusion)
          files["driftfusion_ionic_parameters_T" + t + ".csv"] =
              io::driftfusion_ionic_parameters(set);
        if (simsalabim)
          files["simsalabim_overrides_T" + t + ".txt"] = io::simsalabim_overrides(set, a->layer);
        ++sets;
      }
    }
    io::write_output_directory(a->out, files);
    if (!a->quiet) {
      std::cout << "Wrote " << a->out << "/device_export.json and device_export.csv ("
                << table.species.size() << " mobile species)";
      if (sets)
        std::cout << " and " << files.size() - 2 << " simulator files for " << sets
                  << " temperatures";
      std::cout << "\n";
      for (const auto& n : table.notes) std::cout << "note: " << n << "\n";
    }
    return 0;
  };
}

}  // namespace ionhop::cli
