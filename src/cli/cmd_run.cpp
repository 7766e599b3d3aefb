// `ionhop run`: one point (species, temperature, supercell) from files named on the
// command line, as independent replicas; prints D ± σ and what the run reached.
// --state-in / --state-out: every replica starts from a lattice state file (ionhop.state/1)
// instead of random defect positions, and/or the final states are written out. These runs
// go through the sweep runner like every other run (same per-replica random streams), so
// without --state-in the numbers are those of a plain `ionhop run`.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/lattice_state_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/results_writer.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/kmc/engine.hpp"
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
  std::string state_in, state_out;
};

// --state-out FILE for replica k of n: FILE itself for one replica, else FILE with "_r<k>"
// before its extension (final.json → final_r0.json, final_r1.json, ...).
std::string state_out_path(const std::string& file, std::size_t k, std::size_t n) {
  if (n == 1) return file;
  const std::filesystem::path p(file);
  return (p.parent_path() / (p.stem().string() + "_r" + std::to_string(k) + p.extension().string()))
      .string();
}

// Writes replica k's final state (the time and hop counts continue those of `initial`).
void write_final_state(const RunArgs& a, const sweep::SweepConfig& c, std::size_t k,
                       kmc::LatticeState state, const std::optional<io::LatticeStateFile>& initial,
                       const sweep::PointResult& point, double time_s, std::uint64_t hops) {
  io::LatticeStateFile out;
  out.lattice = c.crystal.name;
  out.supercell = point.point.supercell;
  out.state = std::move(state);
  out.time_s = (initial ? initial->time_s : 0.0) + time_s;
  out.hops = (initial ? initial->hops : 0) + hops;
  out.provenance =
      std::string("ionhop ") + core::version() + " (" + core::git_commit() + ") run: lattice " +
      a.lattice + ", rates " + a.rates + ", species " + a.species + ", T " +
      std::to_string(a.temperature_k) + " K, seed " + std::to_string(a.seed) + ", replica " +
      std::to_string(k) +
      (a.state_in.empty() ? std::string(", random start") : ", started from " + a.state_in) +
      "; time_s and hops count from the first run of the chain";
  io::write_lattice_state(state_out_path(a.state_out, k, c.replicas), out, c.rate_table);
}
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
  sub->add_option("--state-in", a->state_in,
                  "start every replica from this lattice state (ionhop.state/1); its supercell "
                  "must be --supercell's and its defects (all of --species) replace --defects");
  sub->add_option("--state-out", a->state_out,
                  "write the final lattice state to this file (with several replicas: one file "
                  "per replica k, named with _r<k> before the extension)");
  sub->footer(
      "Example:\n"
      "  ionhop run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json "
      "\\\n"
      "             --species V_I^+ --temperature 300 --hops 1000000 --replicas 8\n"
      "Continue from the end of a run (one replica; same --supercell):\n"
      "  ionhop run ... --replicas 1 --state-out end.json\n"
      "  ionhop run ... --replicas 1 --state-in end.json --state-out end2.json");
  return [a, sub]() {
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
    if (!a->state_in.empty() && sub->get_option("--defects")->count() > 0)
      throw InputError(where, "--defects",
                       "cannot be combined with --state-in (the state's defects are used)");
    if (!a->state_out.empty() && a->state_out == a->state_in)
      throw InputError(where, "--state-out", "must not be the --state-in file");
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
    std::optional<io::LatticeStateFile> initial;
    if (!a->state_in.empty()) {
      const lattice::SiteGraph graph(c.crystal, c.supercells[0]);
      initial = io::load_lattice_state(a->state_in, graph, c.rate_table);
      const auto species = *c.rate_table.species_index(a->species);
      for (std::size_t d = 0; d < initial->state.defects.size(); ++d)
        if (initial->state.defects[d].second != species)
          throw InputError(a->state_in, "/defects/" + std::to_string(d) + "/species",
                           "species '" +
                               c.rate_table.species[initial->state.defects[d].second].name +
                               "' is not the run's --species '" + a->species + "'");
      if (initial->state.defects.empty())
        throw InputError(a->state_in, "/defects", "no defects: nothing would move");
      c.defect_counts = {initial->state.defects.size()};
      c.initial_state = initial->state;
    }
    if (!a->state_out.empty() &&
        !c.rate_table.species[*c.rate_table.species_index(a->species)].mobile)
      throw InputError(where, "--state-out",
                       "species '" + a->species + "' is immobile: no run, no final state");
    sweep::SweepOptions options;
    options.threads = a->threads;
    // One final state per replica, each slot written by its own task.
    std::vector<kmc::LatticeState> finals(a->state_out.empty() ? 0 : c.replicas);
    std::vector<double> time_s(finals.size());
    std::vector<std::uint64_t> hops(finals.size());
    if (!finals.empty())
      options.replica_finished = [&](std::size_t, std::size_t k, const kmc::Engine& engine) {
        finals[k] = engine.state();
        time_s[k] = engine.time_s();
        hops[k] = engine.hops();
      };
    sweep::SweepResult result;
    try {
      result = sweep::run_sweep(c, options);
    } catch (const InputError& e) {
      // Problems of a state only show when the engine places it: name the state file.
      if (!e.file().empty() || a->state_in.empty()) throw;
      throw InputError(a->state_in, e.json_path(), e.problem());
    }
    for (std::size_t k = 0; k < finals.size(); ++k)
      write_final_state(*a, c, k, std::move(finals[k]), initial, result.points.at(0), time_s[k],
                        hops[k]);
    if (a->json) {
      std::cout << io::sweep_result_to_json(c, result)["points"][0].dump(2) << "\n";
    } else {
      print_points_table(std::cout, result);
    }
    return 0;
  };
}

}  // namespace ionhop::cli
