// `ionhop run`: one point (species, temperature, supercell) from files named on the
// command line, as independent replicas; prints D ± σ and what the run reached.
// --state-in / --state-out: every replica starts from a lattice state file (ionhop.state/1)
// instead of random defect positions, and/or the final states are written out. These runs
// use the same per-replica random streams as the sweep runner, so without --state-in the
// numbers are those of a plain `ionhop run`.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/lattice_state_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/results_writer.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/kmc/engine.hpp"
#include "ionhop/kmc/replica_observables.hpp"
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

// One point's estimates from its replicas' runs, as sweep::summarize_point makes them for a
// point without field, Fermi level, z profile or interfaces (what `ionhop run` offers).
sweep::PointResult summarize(const sweep::SweepConfig& c, const sweep::SweepPoint& point,
                             const std::vector<kmc::RunResult>& runs,
                             const std::vector<double>& wall_s) {
  const auto& sp = c.rate_table.species[point.species_index];
  const bool vacancy = sp.mechanism == rates::Mechanism::vacancy;
  constexpr double kToCm2 = units::angstrom2_to_cm2;
  sweep::PointResult r;
  r.point = point;
  r.mechanism = rates::to_string(sp.mechanism);
  r.charge = sp.charge;
  r.immobile = !sp.mobile;
  r.replicas = runs.size();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    r.hops += runs[i].hops;
    r.wall_time_s += wall_s[i];
  }
  if (r.immobile) {
    r.diffusion = {0.0, 0.0, runs.size()};
    return r;
  }
  std::vector<kmc::ReplicaObservables> obs;
  for (const auto& run : runs)
    obs.push_back(kmc::replica_observables(run, point.species_index, vacancy));
  using O = kmc::ReplicaObservables;
  auto over = [&](double O::*field, double scale) {
    std::vector<double> v;
    for (const auto& o : obs)
      if (std::isfinite(o.*field)) v.push_back(o.*field * scale);
    return analysis::mean_with_standard_error(v);
  };
  r.diffusion = over(&O::diffusion_angstrom2_s, kToCm2);
  r.diffusion_first_half = over(&O::diffusion_first_half_angstrom2_s, kToCm2);
  r.diffusion_single_origin = over(&O::diffusion_single_origin_angstrom2_s, kToCm2);
  r.diffusion_uncorrelated = over(&O::diffusion_uncorrelated_angstrom2_s, kToCm2);
  r.hop_rate_per_defect_hz = over(&O::hop_rate_per_defect_hz, 1.0);
  r.collective_diffusion = over(&O::collective_diffusion_angstrom2_s, kToCm2);
  r.haven_ratio = over(&O::haven_ratio, 1.0);
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<double> v;
    for (const auto& o : obs)
      if (std::isfinite(o.diffusion_axes_angstrom2_s[axis]))
        v.push_back(o.diffusion_axes_angstrom2_s[axis] * kToCm2);
    r.diffusion_axes[axis] = analysis::mean_with_standard_error(v);
  }
  r.tracer_diffusion = over(&O::tracer_diffusion_angstrom2_s, kToCm2);
  r.correlation_factor = over(&O::correlation_factor, 1.0);
  if (!obs.empty()) {
    r.host_occupant = obs.front().host_occupant;
    for (std::size_t h = 0; h < obs.front().hosts.size(); ++h) {
      sweep::PointResult::Tracer t;
      t.occupant = obs.front().hosts[h].occupant;
      std::vector<double> ions, d, f;
      for (const auto& o : obs) {
        if (h >= o.hosts.size() || o.hosts[h].occupant != t.occupant) continue;
        ions.push_back(static_cast<double>(o.hosts[h].ions));
        if (std::isfinite(o.hosts[h].tracer_diffusion_angstrom2_s))
          d.push_back(o.hosts[h].tracer_diffusion_angstrom2_s * kToCm2);
        if (std::isfinite(o.hosts[h].correlation_factor))
          f.push_back(o.hosts[h].correlation_factor);
      }
      t.ions = analysis::mean_with_standard_error(ions);
      t.tracer_diffusion = analysis::mean_with_standard_error(d);
      t.correlation_factor = analysis::mean_with_standard_error(f);
      r.tracers.push_back(t);
    }
  }
  std::vector<double> times, groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    times.push_back(runs[i].time_s);
    for (double g : obs[i].diffusion_block_groups_angstrom2_s) groups.push_back(g * kToCm2);
  }
  r.simulated_time_s = analysis::mean_with_standard_error(times);
  r.min_simulated_time_s = times.empty() ? NAN : *std::min_element(times.begin(), times.end());
  r.diffusion_block_err = analysis::mean_with_standard_error(groups).error;
  if (runs.size() == 1) r.diffusion.error = r.diffusion_block_err;
  return r;
}

// The replicas of one point, each from `initial` (when given) or random positions; final
// states written to --state-out.
sweep::SweepResult run_point(const sweep::SweepConfig& c, const RunArgs& a,
                             const lattice::SiteGraph& graph,
                             const std::optional<io::LatticeStateFile>& initial) {
  const sweep::SweepPoint point = sweep::expand_grid(c).at(0);
  const bool mobile = c.rate_table.species[point.species_index].mobile;
  std::vector<kmc::RunResult> runs(c.replicas);
  std::vector<double> wall(c.replicas, 0.0);
  std::vector<kmc::LatticeState> finals(a.state_out.empty() ? 0 : c.replicas);
  auto body = [&](std::size_t k) {
    const auto start = std::chrono::steady_clock::now();
    kmc::RunSettings settings;
    settings.temperature_k = point.temperature_k;
    if (initial) {
      settings.initial_state = initial->state;  // its defects replace --defects
    } else {
      settings.defects = {{point.species_index, point.defects}};
    }
    settings.stop = c.stop;
    settings.blocks = c.blocks;
    kmc::Engine engine(graph, c.rate_table, settings,
                       core::RandomStream(c.seed, sweep::stream_id(point, k)));
    if (mobile) runs[k] = engine.run();
    if (!finals.empty()) finals[k] = engine.state();
    wall[k] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  {
    std::unique_ptr<tbb::global_control> limit;
    if (a.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    a.threads);
    try {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, c.replicas, 1),
          [&](const tbb::blocked_range<std::size_t>& range) {
            for (std::size_t k = range.begin(); k != range.end(); ++k) body(k);
          },
          tbb::simple_partitioner());
    } catch (const InputError& e) {
      if (!e.file().empty() || a.state_in.empty()) throw;
      throw InputError(a.state_in, e.json_path(), e.problem());
    }
  }
  for (std::size_t k = 0; k < finals.size(); ++k) {
    io::LatticeStateFile out;
    out.lattice = c.crystal.name;
    out.supercell = point.supercell;
    out.state = std::move(finals[k]);
    out.time_s = (initial ? initial->time_s : 0.0) + runs[k].time_s;
    out.hops = (initial ? initial->hops : 0) + runs[k].hops;
    out.provenance =
        std::string("ionhop ") + core::version() + " (" + core::git_commit() + ") run: lattice " +
        a.lattice + ", rates " + a.rates + ", species " + a.species + ", T " +
        std::to_string(a.temperature_k) + " K, seed " + std::to_string(a.seed) + ", replica " +
        std::to_string(k) +
        (a.state_in.empty() ? std::string(", random start") : ", started from " + a.state_in) +
        "; time_s and hops count from the first run of the chain";
    io::write_lattice_state(state_out_path(a.state_out, k, finals.size()), out, c.rate_table);
  }
  sweep::SweepResult result;
  result.points.push_back(summarize(c, point, runs, wall));
  return result;
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
    sweep::SweepResult result;
    if (a->state_in.empty() && a->state_out.empty()) {
      sweep::SweepOptions options;
      options.threads = a->threads;
      result = sweep::run_sweep(c, options);
    } else {
      const lattice::SiteGraph graph(c.crystal, c.supercells[0]);
      std::optional<io::LatticeStateFile> initial;
      if (!a->state_in.empty()) {
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
      }
      result = run_point(c, *a, graph, initial);
    }
    if (a->json) {
      std::cout << io::sweep_result_to_json(c, result)["points"][0].dump(2) << "\n";
    } else {
      print_points_table(std::cout, result);
    }
    return 0;
  };
}

}  // namespace ionhop::cli
