// ionhop_bench_atomistic: cost of the offline barrier stage, as one JSON object on stdout
// (progress on stderr). Plain std::chrono timing; every measurement is repeated (--repeat N,
// default 3) and the median is reported next to the individual samples.
//
//   ionhop_bench_atomistic [--quick] [--only NAME] [--repeat N] [--mlff-model PATH]
//
// NAME is one of: pair_compute, neb_vacancy_hop, mlff.
//  - pair_compute: PairPotential::compute() (energy + forces + stress, Buckingham + Ewald)
//    of perfect cubic CsPbI3 supercells 3x3x3 (135 atoms) and 6x6x6 (1080 atoms) with the
//    shipped illustrative potential, on one thread.
//  - neb_vacancy_hop: one complete CI-NEB (endpoint relaxation, IDPP, band) of an iodide
//    vacancy hop in 2x2x2 and 3x3x3 cells, on 1 thread and on all threads (images in
//    parallel), with the settings of examples/barriers/cspbi3_vacancy_neb.json.
//  - mlff: the linear MLFF (mlff::LinearModel from --mlff-model, default
//    examples/mlff/models/cspbi3_vi_plus.json in the source tree) on cubic CsPbI3
//    supercells 2x2x2, 3x3x3, 4x4x4 with one iodide vacancy (39/134/319 atoms), on 1 thread
//    and on all threads: compute() per call, one Langevin MD step (650 K, 2 fs) per
//    atom-step, and uncertainty() (the on-the-fly learning check) per call. Without the
//    model file it is skipped with a note on stderr (an error, exit 2, with --only mlff).
// --quick: 1 repeat, shorter samples, no 6x6x6 and no 4x4x4 (smoke test; a few seconds).
// Inputs are read from the source tree (compiled-in path; the environment variable
// IONHOP_SOURCE_DIR overrides it, e.g. for a binary copied to another machine).

#include <sched.h>
#include <sys/resource.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "ionhop/atomistic/molecular_dynamics.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/mlff/domain_check.hpp"
#include "ionhop/mlff/linear_model.hpp"

#ifndef IONHOP_SOURCE_DIR
#define IONHOP_SOURCE_DIR "."
#endif
#ifndef IONHOP_BUILD_TYPE
#define IONHOP_BUILD_TYPE "Release"
#endif

namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;
using namespace ionhop::bench;
using namespace ionhop;

constexpr const char* kPotentialFile = "examples/potentials/cspbi3_buckingham_coulomb.json";
constexpr const char* kLatticeFile = "lattices/cspbi3_cubic.json";
constexpr const char* kMlffModelFile = "examples/mlff/models/cspbi3_vi_plus.json";

struct Options {
  bool quick = false;
  std::string only;
  int repeats = 3;
  std::string mlff_model;  // "" = kMlffModelFile in the source tree
};

// Counts compute() calls of the wrapped potential (thread-safe: CI-NEB evaluates images
// concurrently).
class CountingPotential : public atomistic::Potential {
 public:
  explicit CountingPotential(const atomistic::Potential& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  std::string parameters_json() const override { return inner_.parameters_json(); }
  atomistic::EnergyForces compute(const atomistic::Structure& s) const override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    return inner_.compute(s);
  }
  std::uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  void reset() { calls_.store(0, std::memory_order_relaxed); }

 private:
  const atomistic::Potential& inner_;
  mutable std::atomic<std::uint64_t> calls_{0};
};

// Limits TBB to `threads` (0: leave the default, all cores) for its lifetime.
std::unique_ptr<tbb::global_control> limit_threads(int threads) {
  if (threads <= 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                               static_cast<std::size_t>(threads));
}

std::size_t tbb_threads() {
  return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
}

// ---------------------------------------------------------------------------------------
// (a) PairPotential::compute() on perfect cells, one thread.
json bench_pair_compute(const Options& opt, const lattice::Crystal& crystal,
                        const atomistic::PairPotential& potential) {
  const auto limit = limit_threads(1);
  const double min_sample_s = opt.quick ? 0.2 : 1.0;  // each sample: at least this long
  std::vector<int> sizes = {3, 6};
  if (opt.quick) sizes = {3};
  json cases = json::array();
  for (int n : sizes) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    const atomistic::Structure s = atomistic::SupercellBuilder(graph).perfect();
    std::cerr << "  pair_compute: " << n << "x" << n << "x" << n << ", " << s.size() << " atoms\n";
    // Warm-up call (also the result shown) and calibration of the calls per sample.
    const auto tc = Clock::now();
    const atomistic::EnergyForces ef = potential.compute(s);
    const double first_s = seconds_since(tc);
    const int calls = std::max(3, static_cast<int>(std::ceil(min_sample_s / first_s)));
    std::vector<double> ms, us_atom, bg;
    for (int r = 0; r < opt.repeats; ++r) {
      double sink = 0;
      Stopwatch w;
      for (int c = 0; c < calls; ++c) sink += potential.compute(s).energy_ev;
      w.stop();
      if (!std::isfinite(sink)) std::cerr << "  (non-finite energy)\n";
      ms.push_back(1e3 * w.wall_s / calls);
      us_atom.push_back(1e6 * w.wall_s / calls / double(s.size()));
      bg.push_back(w.background_cpus);
    }
    json e;
    e["supercell"] = {n, n, n};
    e["atoms"] = s.size();
    e["calls_per_sample"] = calls;
    e["ms_per_call"] = median(ms);
    e["us_per_atom_call"] = median(us_atom);
    e["ms_per_call_samples"] = ms;
    e["background_cpus_samples"] = bg;
    e["energy_ev"] = ef.energy_ev;
    e["energy_ev_per_atom"] = ef.energy_ev / double(s.size());
    e["max_abs_force_ev_per_angstrom"] = ef.forces_ev_per_angstrom.cwiseAbs().maxCoeff();
    e["mean_normal_stress_gpa"] = ef.stress_ev_per_angstrom3.trace() / 3.0 * 160.21766208;
    cases.push_back(e);
  }
  json j;
  j["name"] = "pair_compute";
  j["description"] =
      "PairPotential::compute() (energy + forces + stress: Buckingham short range with "
      "cutoff 6 A, Ewald Coulomb at accuracy 1e-8) of perfect cubic CsPbI3 supercells with "
      "the shipped illustrative potential, one thread (tbb::global_control max_allowed_"
      "parallelism 1); median over repeats of the mean time per call in a sample.";
  j["potential"] = kPotentialFile;
  j["threads"] = 1;
  j["cases"] = cases;
  return j;
}

// ---------------------------------------------------------------------------------------
// (b) One complete CI-NEB of an iodide-vacancy hop.
atomistic::NebSettings neb_settings() {
  // examples/barriers/cspbi3_vacancy_neb.json, with the endpoint step cap of the brief.
  atomistic::NebSettings s;
  s.images = 5;
  s.spring_constant_ev_per_angstrom2 = 5.0;
  s.force_tolerance_ev_per_angstrom = 0.05;
  s.max_steps = 2000;
  s.climb = true;
  s.interpolation = atomistic::Interpolation::kIdpp;
  s.relax_endpoints = true;
  s.endpoint_relaxation.force_tolerance_ev_per_angstrom = 0.02;
  s.endpoint_relaxation.max_steps = 5000;
  return s;
}

struct NebSample {
  double wall_s = 0, own_cpu_s = 0, background_cpus = 0;
  double endpoint_s = 0, band_s = 0;  // band_s includes the IDPP interpolation
  std::uint64_t calls = 0, endpoint_calls = 0;
  atomistic::NebResult result;
};

NebSample run_neb_once(const atomistic::Potential& potential, const atomistic::HopEndpoints& ends,
                       int threads) {
  CountingPotential counted(potential);
  atomistic::NebSettings settings = neb_settings();
  NebSample out;
  Clock::time_point t_endpoints_done{};
  std::uint64_t endpoint_calls = 0;
  // Called once per evaluated endpoint configuration (endpoint relaxation is serial).
  settings.endpoint_relaxation.progress = [&](std::size_t, double, double) {
    t_endpoints_done = Clock::now();
    endpoint_calls = counted.calls();
  };
  const auto limit = limit_threads(threads);
  Stopwatch w;
  out.result = atomistic::run_neb(counted, ends.initial, ends.final, settings);
  w.stop();
  out.wall_s = w.wall_s;
  out.own_cpu_s = w.own_cpu_s;
  out.background_cpus = w.background_cpus;
  out.endpoint_s = std::chrono::duration<double>(t_endpoints_done - w.t0).count();
  out.band_s = out.wall_s - out.endpoint_s;
  out.calls = counted.calls();
  out.endpoint_calls = endpoint_calls;
  return out;
}

json bench_neb(const Options& opt, const lattice::Crystal& crystal,
               const atomistic::PairPotential& potential) {
  const std::vector<int> sizes = {2, 3};
  const int all_threads = static_cast<int>(std::thread::hardware_concurrency());
  json cases = json::array();
  bool identical = true;
  for (int n : sizes) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    const lattice::SiteIndex from = graph.sites_of_sublattice("X").front();
    const lattice::SiteIndex to = graph.hop_targets(from)[0];
    atomistic::HopEndpoints ends = atomistic::SupercellBuilder(graph).vacancy_hop(from, to, "X-X");
    ends.initial.charge_e = ends.final.charge_e = 1;  // metadata only (as the example)
    atomistic::rattle_endpoints(ends.initial, ends.final, 0.05, 1);
    double barrier_ref = NAN;
    double wall_1 = NAN;
    double band_1 = NAN;
    for (int threads : {1, 0}) {
      std::vector<double> wall, endpoint, band, cpu_util, bg, ms_step;
      NebSample first;
      for (int r = 0; r < opt.repeats; ++r) {
        std::cerr << "  neb_vacancy_hop: " << n << "x" << n << "x" << n << ", "
                  << (threads == 1 ? std::string("1 thread") : "all threads") << ", repeat "
                  << r + 1 << "\n";
        NebSample s = run_neb_once(potential, ends, threads);
        wall.push_back(s.wall_s);
        endpoint.push_back(s.endpoint_s);
        band.push_back(s.band_s);
        cpu_util.push_back(s.own_cpu_s / s.wall_s);
        bg.push_back(s.background_cpus);
        ms_step.push_back(1e3 * s.band_s / double(s.result.steps + 1));
        if (std::isnan(barrier_ref)) barrier_ref = s.result.forward_barrier_ev;
        if (s.result.forward_barrier_ev != barrier_ref) identical = false;
        if (r == 0) first = std::move(s);
      }
      const auto& res = first.result;
      json e;
      e["supercell"] = {n, n, n};
      e["atoms"] = ends.initial.size();
      e["threads_requested"] = threads == 1 ? json(1) : json("all");
      {
        const auto limit = limit_threads(threads);
        e["threads"] = tbb_threads();
      }
      e["wall_s"] = median(wall);
      e["endpoint_relaxation_s"] = median(endpoint);
      e["idpp_and_band_s"] = median(band);
      e["ms_per_band_step"] = median(ms_step);
      e["cpu_utilization"] = median(cpu_util);
      e["band_steps"] = res.steps;
      e["endpoint_steps"] = {res.endpoint_steps_initial, res.endpoint_steps_final};
      e["force_calls"] = first.calls;
      e["force_calls_endpoints"] = first.endpoint_calls;
      e["force_calls_band"] = first.calls - first.endpoint_calls;
      e["converged"] = res.converged;
      e["max_force_ev_per_angstrom"] = res.max_force_ev_per_angstrom;
      e["forward_barrier_ev"] = res.forward_barrier_ev;
      e["backward_barrier_ev"] = res.backward_barrier_ev;
      e["climbing_image"] = res.climbing_image ? json(*res.climbing_image) : json(nullptr);
      e["image_energies_rel_ev"] = json::array();
      for (double en : res.energies_ev)
        e["image_energies_rel_ev"].push_back(en - res.energies_ev[0]);
      if (threads == 1) {
        wall_1 = median(wall);
        band_1 = median(band);
      } else {
        e["speedup_vs_1_thread"] = wall_1 / median(wall);
        e["band_speedup_vs_1_thread"] = band_1 / median(band);
      }
      e["wall_s_samples"] = wall;
      e["background_cpus_samples"] = bg;
      cases.push_back(e);
    }
  }
  json j;
  j["name"] = "neb_vacancy_hop";
  j["description"] =
      "One complete CI-NEB (run_neb: endpoint relaxation, IDPP interpolation, band) of an "
      "iodide-vacancy hop: SupercellBuilder(graph).vacancy_hop(first X site, its first hop "
      "target, X-X), rattle_endpoints(0.05 A, seed 1), the illustrative Buckingham-Coulomb "
      "potential; on 1 thread and on all threads (TBB default: band images evaluated in "
      "parallel; endpoint relaxation is serial). force_calls counted by a decorator around "
      "the potential (first repeat; the run is deterministic).";
  j["potential"] = kPotentialFile;
  j["settings"] = {{"source", "examples/barriers/cspbi3_vacancy_neb.json"},
                   {"images", 5},
                   {"spring_constant_ev_per_angstrom2", 5.0},
                   {"force_tolerance_ev_per_angstrom", 0.05},
                   {"max_steps", 2000},
                   {"climb", true},
                   {"interpolation", "idpp"},
                   {"endpoint_force_tolerance_ev_per_angstrom", 0.02},
                   {"endpoint_max_steps", 5000},
                   {"rattle_angstrom", 0.05},
                   {"rattle_seed", 1}};
  j["hardware_threads"] = all_threads;
  j["cases"] = cases;
  j["barrier_identical_across_repeats_and_threads"] = identical;
  return j;
}

// ---------------------------------------------------------------------------------------
// (c) The linear MLFF: compute(), one Langevin MD step, uncertainty().
constexpr double kMdTemperatureK = 650;
constexpr double kMdTimestepFs = 2.0;
constexpr double kMdFrictionPerFs = 0.01;  // as examples/mlff/active_learning/*.json
constexpr std::uint64_t kMdSeed = 1;
constexpr int kMdTrajectorySteps = 50;  // 100 fs

// Repeats `count` calls of `call` per sample; per-call seconds and background CPUs.
template <class F>
void time_calls(int repeats, int count, F&& call, std::vector<double>& per_call_s,
                std::vector<double>& background) {
  for (int r = 0; r < repeats; ++r) {
    Stopwatch w;
    for (int c = 0; c < count; ++c) call();
    w.stop();
    per_call_s.push_back(w.wall_s / count);
    background.push_back(w.background_cpus);
  }
}

std::vector<double> scaled(const std::vector<double>& v, double factor) {
  std::vector<double> out;
  for (double x : v) out.push_back(x * factor);
  return out;
}

int calls_for(double min_sample_s, double first_s, int at_least) {
  return std::max(at_least, static_cast<int>(std::ceil(min_sample_s / std::max(first_s, 1e-9))));
}

json bench_mlff(const Options& opt, const lattice::Crystal& crystal, const std::string& model_path,
                const mlff::LinearModel& model) {
  const double min_sample_s = opt.quick ? 0.1 : 0.5;  // each sample: at least this long
  std::vector<int> sizes = {2, 3, 4};
  if (opt.quick) sizes = {2, 3};
  const int charge = model.training().cell_charge_e.value_or(0);
  const double cutoff = model.descriptor().settings().cutoff_angstrom;
  const int all_threads = static_cast<int>(std::thread::hardware_concurrency());
  json cases = json::array();
  json skipped = json::array();
  bool identical = true;
  for (int n : sizes) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    const lattice::SiteIndex site = graph.sites_of_sublattice("X").front();
    atomistic::Structure s = atomistic::SupercellBuilder(graph).vacancy(site, "X").structure;
    s.charge_e = charge;
    const double width = s.min_perpendicular_width_angstrom();
    if (2 * cutoff > width + 1e-12) {
      std::cerr << "  mlff: " << n << "x" << n << "x" << n << " skipped (cell width " << width
                << " A < 2 x cutoff " << cutoff << " A)\n";
      skipped.push_back({n, n, n});
      continue;
    }
    const double atoms = double(s.size());
    // Calibrated on the 1-thread pass and reused for all threads, so that both passes run
    // the same MD trajectory and the results can be compared bit for bit.
    int compute_calls = 0, md_trajectories = 0, uncertainty_calls = 0;
    double energy_ref = NAN, md_energy_ref = NAN, sigma_total_ref = NAN;
    json one_thread;
    for (int threads : {1, 0}) {
      const auto limit = limit_threads(threads);
      const std::string label = std::to_string(n) + "x" + std::to_string(n) + "x" +
                                std::to_string(n) + ", " + std::to_string(s.size()) + " atoms, " +
                                (threads == 1 ? std::string("1 thread") : "all threads");
      json e;
      e["supercell"] = {n, n, n};
      e["atoms"] = s.size();
      e["threads_requested"] = threads == 1 ? json(1) : json("all");
      e["threads"] = tbb_threads();

      // compute(): energy + forces + stress.
      std::cerr << "  mlff: " << label << ": compute\n";
      auto tc = Clock::now();
      const atomistic::EnergyForces ef = model.compute(s);  // warm-up, and the result shown
      if (threads == 1) compute_calls = calls_for(min_sample_s, seconds_since(tc), 3);
      if (std::isnan(energy_ref)) energy_ref = ef.energy_ev;
      std::vector<double> call_s, bg;
      double sink = 0;
      time_calls(
          opt.repeats, compute_calls, [&] { sink += model.compute(s).energy_ev; }, call_s, bg);
      if (!std::isfinite(sink)) std::cerr << "  (non-finite energy)\n";
      if (ef.energy_ev != energy_ref) identical = false;
      json c;
      c["calls_per_sample"] = compute_calls;
      c["ms_per_call"] = 1e3 * median(call_s);
      c["us_per_atom_call"] = 1e6 * median(call_s) / atoms;
      c["ms_per_call_samples"] = scaled(call_s, 1e3);
      c["background_cpus_samples"] = bg;
      e["compute"] = c;
      e["energy_ev_per_atom"] = ef.energy_ev / atoms;
      e["max_abs_force_ev_per_angstrom"] = ef.forces_ev_per_angstrom.cwiseAbs().maxCoeff();
      e["mean_normal_stress_gpa"] = ef.stress_ev_per_angstrom3.trace() / 3.0 * 160.21766208;

      // One Langevin MD step (BAOAB: one compute() plus the integrator), timed over
      // trajectories of kMdTrajectorySteps steps, all from the same start (Maxwell-Boltzmann
      // velocities, seed 1): fixed, short and deterministic work (a model taken far outside
      // its training data can heat up over longer runs, which would change what is timed).
      // The constructor's force call is not timed.
      std::cerr << "  mlff: " << label << ": md step\n";
      atomistic::MdState initial;
      initial.structure = s;
      atomistic::assign_maxwell_boltzmann_velocities(initial, kMdTemperatureK, kMdSeed);
      atomistic::LangevinSettings md_settings;
      md_settings.temperature_k = kMdTemperatureK;
      md_settings.timestep_fs = kMdTimestepFs;
      md_settings.friction_per_fs = kMdFrictionPerFs;
      md_settings.seed = kMdSeed;
      json m;
      try {
        double final_t = NAN, final_e = NAN;
        std::optional<atomistic::MdState> final_state;
        // One trajectory: wall seconds of run() and background CPU-seconds meanwhile.
        auto trajectory = [&](double& wall_s, double& background_cpu_s) {
          atomistic::LangevinDynamics md(model, md_settings, initial);
          Stopwatch w;
          md.run(static_cast<std::uint64_t>(kMdTrajectorySteps));
          w.stop();
          wall_s += w.wall_s;
          background_cpu_s += w.background_cpus * w.wall_s;
          final_t = md.temperature_k();
          final_e = md.potential_energy_ev();
          if (std::isnan(md_energy_ref)) md_energy_ref = final_e;
          if (final_e != md_energy_ref) identical = false;
          if (!final_state) final_state = md.state();
        };
        double first_s = 0, first_bg = 0;
        trajectory(first_s, first_bg);  // warm-up and calibration
        if (threads == 1) md_trajectories = calls_for(min_sample_s, first_s, 1);
        if (md_trajectories == 0) throw std::runtime_error("not run: the 1-thread MD failed");
        std::vector<double> step_s, md_bg;
        for (int r = 0; r < opt.repeats; ++r) {
          double wall_s = 0, background_cpu_s = 0;
          for (int k = 0; k < md_trajectories; ++k) trajectory(wall_s, background_cpu_s);
          step_s.push_back(wall_s / double(md_trajectories * kMdTrajectorySteps));
          md_bg.push_back(background_cpu_s / wall_s);
        }
        m["steps_per_trajectory"] = kMdTrajectorySteps;
        m["trajectories_per_sample"] = md_trajectories;
        m["ms_per_step"] = 1e3 * median(step_s);
        m["us_per_atom_step"] = 1e6 * median(step_s) / atoms;
        m["ratio_to_compute_call"] = median(step_s) / median(call_s);
        m["ms_per_step_samples"] = scaled(step_s, 1e3);
        m["background_cpus_samples"] = md_bg;
        m["final_temperature_k"] = final_t;
        m["final_potential_ev_per_atom"] = final_e / atoms;
        if (model.has_uncertainty())
          m["final_max_force_uncertainty_ev_per_angstrom"] =
              mlff::max_force_uncertainty_ev_per_angstrom(model, final_state->structure);
        if (!(final_t < 2 * kMdTemperatureK))
          std::cerr << "  mlff: warning: the MD reached " << final_t
                    << " K: the model is not stable here, the step timing may not be "
                       "representative\n";
      } catch (const std::exception& ex) {  // e.g. non-finite forces of a poor model
        std::cerr << "  mlff: md failed: " << ex.what() << "\n";
        m["error"] = ex.what();
        identical = false;
      }
      e["md_step"] = m;

      // uncertainty(): the posterior standard deviations the on-the-fly check reads.
      json u;
      if (model.has_uncertainty()) {
        std::cerr << "  mlff: " << label << ": uncertainty\n";
        tc = Clock::now();
        const mlff::Uncertainty un = model.uncertainty(s);
        if (threads == 1) uncertainty_calls = calls_for(min_sample_s, seconds_since(tc), 1);
        if (std::isnan(sigma_total_ref)) sigma_total_ref = un.total_ev;
        if (un.total_ev != sigma_total_ref) identical = false;
        std::vector<double> unc_s, unc_bg;
        time_calls(
            opt.repeats, uncertainty_calls, [&] { sink += model.uncertainty(s).total_ev; }, unc_s,
            unc_bg);
        u["calls_per_sample"] = uncertainty_calls;
        u["ms_per_call"] = 1e3 * median(unc_s);
        u["us_per_atom_call"] = 1e6 * median(unc_s) / atoms;
        u["ratio_to_compute_call"] = median(unc_s) / median(call_s);
        u["ms_per_call_samples"] = scaled(unc_s, 1e3);
        u["background_cpus_samples"] = unc_bg;
        u["max_force_uncertainty_ev_per_angstrom"] =
            un.forces_ev_per_angstrom.colwise().norm().maxCoeff();
        u["total_energy_uncertainty_ev"] = un.total_ev;
      } else {
        u["error"] = "the model has no posterior";
      }
      e["uncertainty"] = u;

      if (threads == 1) {
        one_thread = e;
      } else {
        auto ratio = [&](const char* part, const char* key) -> json {
          if (!one_thread[part].contains(key) || !e[part].contains(key)) return nullptr;
          return one_thread[part][key].get<double>() / e[part][key].get<double>();
        };
        e["speedup_vs_1_thread"] = {{"compute", ratio("compute", "ms_per_call")},
                                    {"md_step", ratio("md_step", "ms_per_step")},
                                    {"uncertainty", ratio("uncertainty", "ms_per_call")}};
      }
      cases.push_back(e);
    }
  }
  const mlff::TrainingMetadata& t = model.training();
  json j;
  j["name"] = "mlff";
  j["description"] =
      "The linear MLFF (mlff::LinearModel, io::load_mlff_model) on cubic CsPbI3 supercells "
      "nxnxn with one iodide vacancy (SupercellBuilder(graph).vacancy(first X site, X), "
      "ideal positions, charge_e = the model's training cell charge), on 1 thread "
      "(tbb::global_control max_allowed_parallelism 1) and on all threads (TBB default). "
      "compute: LinearModel::compute() (energy + forces + stress) per call, on the ideal "
      "vacancy cell. md_step: LangevinDynamics::run() (BAOAB, 650 K, 2 fs, friction 0.01/fs, "
      "seed 1) per step, i.e. one compute() plus the integrator, timed over trajectories of "
      "steps_per_trajectory steps that all start from the ideal vacancy cell with "
      "Maxwell-Boltzmann velocities at 650 K (seed 1; the constructor's force call untimed), "
      "so every trajectory is the same; final_* describe its end. uncertainty: "
      "LinearModel::uncertainty() (posterior std of the atomic energies, the total energy "
      "and every force component: the on-the-fly learning check) per call on the ideal "
      "vacancy cell. Median over repeats of the mean time per call or step in a sample; "
      "calls and trajectories per sample calibrated on the 1-thread pass and reused for all "
      "threads. results_identical_across_repeats_and_threads compares the energy, the "
      "energy after the MD trajectory and the total-energy uncertainty bit for bit.";
  j["model"] = model_path;
  j["model_parameters"] = json::parse(model.parameters_json());
  j["model_training"] = {
      {"structures", t.structures},
      {"atoms", t.atoms},
      {"cell_charge_e", t.cell_charge_e ? json(*t.cell_charge_e) : json(nullptr)},
      {"date", t.date},
      {"data_sha256", t.data_sha256},
      {"has_posterior", model.has_uncertainty()}};
  j["structure_charge_e"] = charge;
  j["md"] = {{"integrator", "BAOAB Langevin"},      {"steps_per_trajectory", kMdTrajectorySteps},
             {"temperature_k", kMdTemperatureK},    {"timestep_fs", kMdTimestepFs},
             {"friction_per_fs", kMdFrictionPerFs}, {"seed", kMdSeed}};
  j["hardware_threads"] = all_threads;
  if (!skipped.empty()) j["skipped_supercells_cell_below_2_cutoffs"] = skipped;
  j["cases"] = cases;
  j["results_identical_across_repeats_and_threads"] = identical;
  return j;
}

// ---------------------------------------------------------------------------------------

[[noreturn]] void usage(int code) {
  std::cerr << "usage: ionhop_bench_atomistic [--quick] [--only NAME] [--repeat N] "
               "[--mlff-model PATH]\n"
               "NAME: pair_compute | neb_vacancy_hop | mlff\n"
               "PATH: linear MLFF model file (default: "
            << kMlffModelFile << " in the source tree)\n";
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  bool repeat_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      opt.quick = true;
    } else if (a == "--only" && i + 1 < argc) {
      opt.only = argv[++i];
    } else if (a == "--repeat" && i + 1 < argc) {
      opt.repeats = std::atoi(argv[++i]);
      repeat_given = true;
      if (opt.repeats < 1) usage(2);
    } else if (a == "--mlff-model" && i + 1 < argc) {
      opt.mlff_model = argv[++i];
    } else if (a == "--help" || a == "-h") {
      usage(0);
    } else {
      usage(2);
    }
  }
  if (opt.quick && !repeat_given) opt.repeats = 1;
  const std::vector<std::string> names = {"pair_compute", "neb_vacancy_hop", "mlff"};
  if (!opt.only.empty() && std::find(names.begin(), names.end(), opt.only) == names.end()) usage(2);
  auto want = [&](const std::string& n) { return opt.only.empty() || opt.only == n; };

  const char* source_env = std::getenv("IONHOP_SOURCE_DIR");
  const std::string source_dir = source_env && *source_env ? source_env : IONHOP_SOURCE_DIR;
  const std::string model_path =
      opt.mlff_model.empty() ? (source_dir + "/") + kMlffModelFile : opt.mlff_model;
  bool run_mlff = want("mlff");
  std::string mlff_skip_note;
  if (run_mlff && !std::filesystem::exists(model_path)) {
    mlff_skip_note = "mlff benchmark skipped: no model file " + model_path;
    std::cerr << mlff_skip_note << "\n";
    if (opt.only == "mlff") return 2;
    run_mlff = false;
  }

  json out = run_header("ionhop_bench_atomistic", IONHOP_BUILD_TYPE, opt.quick, opt.repeats);
  try {
    const lattice::Crystal crystal = io::load_crystal((source_dir + "/") + kLatticeFile);
    const atomistic::PairPotential potential =
        io::load_pair_potential((source_dir + "/") + kPotentialFile);
    out["potential"] = potential.name();
    json results = json::array();
    const auto t0 = Clock::now();
    if (want("pair_compute")) results.push_back(bench_pair_compute(opt, crystal, potential));
    if (want("neb_vacancy_hop")) results.push_back(bench_neb(opt, crystal, potential));
    if (run_mlff) {
      const mlff::LinearModel model = io::load_mlff_model(model_path);
      // Recorded as given, or relative to the source tree for the default.
      results.push_back(bench_mlff(
          opt, crystal, opt.mlff_model.empty() ? kMlffModelFile : opt.mlff_model, model));
    }
    out["benchmarks"] = results;
    if (!mlff_skip_note.empty()) out["skipped"] = json::array({mlff_skip_note});
    out["total_wall_s"] = seconds_since(t0);
  } catch (const std::exception& e) {
    std::cerr << "ionhop_bench_atomistic: " << e.what() << "\n";
    return 1;
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}
