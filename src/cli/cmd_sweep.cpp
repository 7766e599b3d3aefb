// `ionhop sweep CONFIG --out DIR`: the main job. Species × temperatures (× supercells,
// defect counts) in parallel, then D ± σ, Arrhenius fits and the comparison with MD.
#include <chrono>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "ionhop/io/results_writer.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/sweep/sweep_runner.hpp"
#include "progress_bar.hpp"
#include "tables.hpp"

namespace ionhop::cli {

namespace {
struct SweepArgs {
  std::string config, out;
  std::size_t threads = 0;
  std::optional<std::uint64_t> seed;
  bool quiet = false;
};
}  // namespace

Action add_sweep_command(CLI::App& app, const std::string& command_line) {
  auto args = std::make_shared<SweepArgs>();
  auto* sub = app.add_subcommand(
      "sweep", "Run a parameter sweep (species x temperature x supercell x defects)");
  sub->add_option("config", args->config, "sweep config (JSON, schema ionhop.sweep/1)")->required();
  sub->add_option("--out", args->out,
                  "output directory (results.json, points.csv, arrhenius.csv, comparison.csv)")
      ->required();
  sub->add_option("--threads", args->threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--seed", args->seed, "random seed (overrides the config's)")
      ->check(non_negative_integer());
  sub->add_flag("--quiet", args->quiet, "do not print the tables");
  sub->footer(
      "Example:\n"
      "  ionhop sweep examples/cspbi3_charged_iodide_sweep.json --out results/cspbi3 --threads 2\n"
      "Same seed, same numbers in results.json (provenance aside) whatever --threads.");
  return [args, command_line]() {
    const auto start = std::chrono::steady_clock::now();
    sweep::SweepConfig config = io::load_sweep_config(args->config);
    if (args->seed) config.seed = *args->seed;
    sweep::SweepOptions options;
    options.threads = args->threads;
    options.progress = terminal_progress_bar();
    const sweep::SweepResult result = sweep::run_sweep(config, options);

    io::RunProvenance prov;
    prov.seed = config.seed;
    prov.threads = args->threads;
    prov.command_line = command_line;
    prov.wall_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto json = io::sweep_result_to_json(config, result);
    json["provenance"] = io::provenance_to_json(config, result, prov);
    std::map<std::string, std::string> files = {{"results.json", json.dump(2) + "\n"},
                                                {"points.csv", io::points_csv(result)},
                                                {"arrhenius.csv", io::arrhenius_csv(result)},
                                                {"comparison.csv", io::comparison_csv(result)}};
    bool interfaces = false;
    for (const auto& p : result.points) interfaces |= !p.interfaces.empty();
    if (interfaces) files["interfaces.csv"] = io::interfaces_csv(result);
    io::write_output_directory(args->out, files);
    if (!args->quiet) {
      print_points_table(std::cout, result);
      std::cout << "\n";
      print_arrhenius_table(std::cout, config, result);
      std::cout << "\n";
      print_comparison_table(std::cout, result);
      print_composition_table(std::cout, result);
      print_interfaces_table(std::cout, result);
      std::cout << "\nWrote " << args->out
                << "/results.json (and points.csv, arrhenius.csv, comparison.csv"
                << (interfaces ? ", interfaces.csv" : "") << ") in " << prov.wall_time_s << " s\n";
    }
    return 0;
  };
}

}  // namespace ionhop::cli
