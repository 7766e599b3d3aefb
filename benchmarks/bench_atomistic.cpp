// ionhop_bench_atomistic: cost of the offline barrier stage, as one JSON object on stdout
// (progress on stderr). Plain std::chrono timing; every measurement is repeated (--repeat N,
// default 3) and the median is reported next to the individual samples.
//
//   ionhop_bench_atomistic [--quick] [--only NAME] [--repeat N]
//
// NAME is one of: pair_compute, neb_vacancy_hop.
//  - pair_compute: PairPotential::compute() (energy + forces + stress, Buckingham + Ewald)
//    of perfect cubic CsPbI3 supercells 3x3x3 (135 atoms) and 6x6x6 (1080 atoms) with the
//    shipped illustrative potential, on one thread.
//  - neb_vacancy_hop: one complete CI-NEB (endpoint relaxation, IDPP, band) of an iodide
//    vacancy hop in 2x2x2 and 3x3x3 cells, on 1 thread and on all threads (images in
//    parallel), with the settings of examples/barriers/cspbi3_vacancy_neb.json.
// --quick: 1 repeat, shorter compute timing, no 6x6x6 (smoke test; a few seconds).
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
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/lattice/site_graph.hpp"

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

struct Options {
  bool quick = false;
  std::string only;
  int repeats = 3;
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

[[noreturn]] void usage(int code) {
  std::cerr << "usage: ionhop_bench_atomistic [--quick] [--only NAME] [--repeat N]\n"
               "NAME: pair_compute | neb_vacancy_hop\n";
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
    } else if (a == "--help" || a == "-h") {
      usage(0);
    } else {
      usage(2);
    }
  }
  if (opt.quick && !repeat_given) opt.repeats = 1;
  const std::vector<std::string> names = {"pair_compute", "neb_vacancy_hop"};
  if (!opt.only.empty() && std::find(names.begin(), names.end(), opt.only) == names.end()) usage(2);
  auto want = [&](const std::string& n) { return opt.only.empty() || opt.only == n; };

  json out = run_header("ionhop_bench_atomistic", IONHOP_BUILD_TYPE, opt.quick, opt.repeats);

  const char* source_env = std::getenv("IONHOP_SOURCE_DIR");
  const std::string source_dir = source_env && *source_env ? source_env : IONHOP_SOURCE_DIR;
  try {
    const lattice::Crystal crystal = io::load_crystal((source_dir + "/") + kLatticeFile);
    const atomistic::PairPotential potential =
        io::load_pair_potential((source_dir + "/") + kPotentialFile);
    out["potential"] = potential.name();
    json results = json::array();
    const auto t0 = Clock::now();
    if (want("pair_compute")) results.push_back(bench_pair_compute(opt, crystal, potential));
    if (want("neb_vacancy_hop")) results.push_back(bench_neb(opt, crystal, potential));
    out["benchmarks"] = results;
    out["total_wall_s"] = seconds_since(t0);
  } catch (const std::exception& e) {
    std::cerr << "ionhop_bench_atomistic: " << e.what() << "\n";
    return 1;
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}
