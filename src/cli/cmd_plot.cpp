// `ionhop plot KIND RESULTS.json --out DIR`: gnuplot figures of a sweep's results.json
// (KIND.png, KIND.svg, the script KIND.gp and its data KIND_data.dat).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/plots.hpp"
#include "ionhop/io/results_writer.hpp"

namespace ionhop::cli {

namespace {
struct PlotArgs {
  std::string kind;
  std::string results;
  std::string out;
  std::vector<std::string> species;
};
}  // namespace

Action add_plot_command(CLI::App& app) {
  auto a = std::make_shared<PlotArgs>();
  auto* sub = app.add_subcommand(
      "plot", "Figures of a sweep's results.json with gnuplot (PNG, SVG, script, data)");
  sub->add_option("kind", a->kind,
                  "arrhenius: D vs 1000/T with KMC fits and the MD reference; "
                  "fermi: D vs Fermi level; field: mobility and Nernst-Einstein ratio vs |E|")
      ->required();
  sub->add_option("results", a->results, "results.json written by ionhop sweep")->required();
  sub->add_option("--out", a->out, "output directory: KIND.png, KIND.svg, KIND.gp, KIND_data.dat")
      ->required();
  sub->add_option("--species", a->species, "plot only these species (default: all)");
  sub->footer(
      "Examples:\n"
      "  ionhop plot arrhenius results/cspbi3/results.json --out results/cspbi3/plots\n"
      "  ionhop plot arrhenius results/cspbi3/results.json --out plots --species I_i^- V_I^+\n"
      "Restyle: edit DIR/KIND.gp, then  cd DIR && gnuplot KIND.gp\n"
      "Needs gnuplot on PATH (Debian: apt-get install gnuplot-nox).");
  return [a]() {
    const auto& kinds = io::plot_kinds();
    if (std::find(kinds.begin(), kinds.end(), a->kind) == kinds.end())
      throw InputError("command line", "KIND",
                       "unknown plot kind '" + a->kind + "' (known: arrhenius, fermi, field)");
    const auto results = io::load_plot_results(a->results);
    const auto bundle = io::make_plot(results, a->kind, a->species);
    const auto files = io::render_plot(bundle, io::find_gnuplot());
    io::write_output_directory(a->out, files);
    std::printf("wrote %s/{%s.png, %s.svg, %s, %s}\n", a->out.c_str(), a->kind.c_str(),
                a->kind.c_str(), bundle.script_name.c_str(), bundle.data_name.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
