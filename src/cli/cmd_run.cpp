// `ionhop run`: one point (species, temperature, supercell) from files named on the
// command line, as independent replicas; prints D ± σ and what the run reached.
#include <iostream>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/results_writer.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/rates/compiled_rates.hpp"
#include "ionhop/sweep/sweep_runner.hpp"
#include "tables.hpp"

namespace ionhop::cli {

namespace {
struct RunArgs {
  std::string lattice, rates, species;
  double temperature_k = 300;
  std::vector<int> supercell{16, 16, 16};
  std::size_t defects = 1, replicas = 8, blocks = 100, threads = 0;
  std::uint64_t hops = 0, seed = 1;
  double time_s = 0;
  bool json = false;
};
}  // namespace

Action add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Run one point: a species at one temperature");
  sub->add_option("--lattice", a->lattice, "lattice file (lattices/*.json)")->required();
  sub->add_option("--rates", a->rates, "rate table (rates/*.json)")->required();
  sub->add_option("--species", a->species, "defect species name in the rate table")->required();
  sub->add_option("--temperature", a->temperature_k, "temperature in K (default 300)");
  sub->add_option("--supercell", a->supercell, "supercell n1 n2 n3 (default 16 16 16)")
      ->expected(3)
      ->check(CLI::PositiveNumber);
  sub->add_option("--defects", a->defects, "defects per supercell (default 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--replicas", a->replicas, "independent replicas (default 8)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--hops", a->hops, "stop after this many hops per replica")
      ->check(CLI::PositiveNumber);
  sub->add_option("--time", a->time_s, "stop at this simulated time per replica (s)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--blocks", a->blocks, "MSD blocks per run (default 100)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--seed", a->seed, "random seed (default 1)")->check(non_negative_integer());
  sub->add_option("--threads", a->threads, "worker threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  sub->add_flag("--json", a->json, "print the point as JSON instead of a table");
  sub->footer(
      "Example:\n"
      "  ionhop run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json "
      "\\\n"
      "             --species V_I^+ --temperature 300 --hops 1000000 --replicas 8");
  return [a]() {
    const std::string where = "command line";
    sweep::SweepConfig c;
    c.crystal = io::load_crystal(a->lattice);
    c.rate_table = io::load_rate_table(a->rates);
    try {
      rates::check_against_crystal(c.rate_table, c.crystal);
    } catch (const InputError& e) {
      throw InputError(a->rates, e.json_path(), e.problem());
    }
    if (!c.rate_table.species_index(a->species))
      throw InputError(where, "--species",
                       "unknown species '" + a->species + "' (not in " + a->rates + ")");
    if (!(a->temperature_k > 0) || !std::isfinite(a->temperature_k))
      throw InputError(where, "--temperature", "must be a finite number > 0");
    if (a->hops == 0 && !(a->time_s > 0))
      throw InputError(where, "--hops/--time", "give --hops N or --time SECONDS (> 0)");
    if (a->replicas == 0) throw InputError(where, "--replicas", "must be >= 1");
    if (a->defects == 0) throw InputError(where, "--defects", "must be >= 1");
    c.species = {a->species};
    c.temperatures_k = {a->temperature_k};
    c.supercells = {{a->supercell[0], a->supercell[1], a->supercell[2]}};
    c.defect_counts = {a->defects};
    c.replicas = a->replicas;
    c.blocks = a->blocks;
    c.seed = a->seed;
    if (a->hops > 0) c.stop.max_hops = a->hops;
    if (a->time_s > 0) c.stop.max_time_s = a->time_s;
    try {
      io::validate_sweep_config(c, where);
    } catch (const InputError& e) {
      // Name the option, not the config path the validator uses.
      const std::string& p = e.json_path();
      const std::string option = p.rfind("/supercells", 0) == 0 ? "--supercell"
                                 : p.rfind("/defects", 0) == 0  ? "--defects"
                                 : p.rfind("/blocks", 0) == 0   ? "--blocks"
                                                                : p;
      throw InputError(where, option, e.problem());
    }
    sweep::SweepOptions options;
    options.threads = a->threads;
    const sweep::SweepResult result = sweep::run_sweep(c, options);
    if (a->json) {
      std::cout << io::sweep_result_to_json(c, result)["points"][0].dump(2) << "\n";
    } else {
      print_points_table(std::cout, result);
    }
    return 0;
  };
}

}  // namespace ionhop::cli
