// ionhop_bench: throughput of the KMC engine and of the sweep runner, as one JSON object on
// stdout (progress on stderr). Plain std::chrono timing; every measurement is repeated
// (--repeat N, default 3) and the median is reported next to the individual samples.
//
//   ionhop_bench [--quick] [--only NAME] [--repeat N] [--wait-quiet SECONDS]
//
// NAME is one of: single_defect_16, vacancies_1pct_48, default_sweep_threads,
// time_to_1ms_300k. --quick shortens every run (smoke test; figures not representative).
// Engine construction (defect placement, host-ion bookkeeping) is never timed: only
// kmc::Engine::run() is, or sweep::run_sweep() as a whole for the sweep benchmark.

#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/kmc/engine.hpp"
#include "ionhop/kmc/run_settings.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/sweep/sweep_runner.hpp"

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

constexpr std::uint64_t kSeed = 20250101;

struct Options {
  bool quick = false;
  std::string only;
  int repeats = 3;
};

std::size_t species_or_die(const rates::RateTable& table, const std::string& name) {
  const auto i = table.species_index(name);
  if (!i) {
    std::cerr << "ionhop_bench: species '" << name << "' not in the rate table\n";
    std::exit(2);
  }
  return *i;
}

// CPU seconds of the calling thread (excludes time the thread was not scheduled).
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// --wait-quiet: before each timed sample, wait (at most this long) until other processes
// keep less than a quarter of a CPU busy, so that a shared machine's background load
// does not land in the figures. 0: do not wait.
double g_wait_quiet_s = 0;

void wait_until_quiet() {
  if (g_wait_quiet_s <= 0) return;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < g_wait_quiet_s) {
    const double busy0 = machine_busy_cpu_s(), own0 = process_cpu_s();
    const auto w0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const double others =
        (machine_busy_cpu_s() - busy0 - (process_cpu_s() - own0)) / seconds_since(w0);
    if (others < 0.25) return;
  }
}

// One engine run: construction untimed, run() timed.
struct Sample {
  double wall_s = 0, thread_cpu_s = 0, background_cpus = 0;
  std::uint64_t hops = 0;
  double sim_time_s = 0;
};

Sample run_once(const lattice::SiteGraph& graph, const rates::RateTable& table,
                const kmc::RunSettings& settings, std::uint64_t stream) {
  kmc::Engine engine(graph, table, settings, core::RandomStream(kSeed, stream));
  wait_until_quiet();
  const double c0 = thread_cpu_s();
  Stopwatch w;
  const kmc::RunResult r = engine.run();
  w.stop();
  return {w.wall_s, thread_cpu_s() - c0, w.background_cpus, r.hops, r.time_s};
}

// Repeated engine runs (a fresh engine and stream each time); medians and samples.
json measure_engine(const lattice::SiteGraph& graph, const rates::RateTable& table,
                    const kmc::RunSettings& settings, int repeats, std::uint64_t stream_base) {
  std::vector<double> wall, rate, cpu_rate, ns, sim, bg;
  std::uint64_t hops = 0;
  for (int i = 0; i < repeats; ++i) {
    const Sample s = run_once(graph, table, settings, stream_base + i);
    wall.push_back(s.wall_s);
    rate.push_back(s.hops / s.wall_s);
    cpu_rate.push_back(s.hops / s.thread_cpu_s);
    ns.push_back(1e9 * s.wall_s / std::max<double>(s.hops, 1));
    sim.push_back(s.sim_time_s);
    bg.push_back(s.background_cpus);
    hops = s.hops;
  }
  json j;
  j["hops_per_run"] = hops;
  j["wall_s"] = median(wall);
  j["hops_per_s"] = median(rate);
  j["ns_per_hop"] = median(ns);
  j["hops_per_thread_cpu_s"] = median(cpu_rate);
  j["simulated_time_s"] = median(sim);
  j["hops_per_s_samples"] = rate;
  j["background_cpus_samples"] = bg;
  return j;
}

kmc::RunSettings settings_for(std::size_t species, std::size_t count, double t_k) {
  kmc::RunSettings s;
  s.temperature_k = t_k;
  s.defects = {{species, count}};
  return s;
}

// ---------------------------------------------------------------------------------------
// (a) One defect in 16^3 at 300 K: raw event rate of the hot loop.
json bench_single_defect(const Options& opt, const lattice::Crystal& crystal,
                         const rates::RateTable& table) {
  constexpr double kTarget = 2e7;
  const std::uint64_t hops = opt.quick ? 2'000'000 : 20'000'000;
  const lattice::SiteGraph graph(crystal, {16, 16, 16});
  json cases = json::array();
  bool all_meet = true;
  struct Case {
    const char* species;
    bool track_host_ions;
  };
  for (const Case c : {Case{"V_I^+", true}, Case{"I_i^-", false}}) {
    kmc::RunSettings s = settings_for(species_or_die(table, c.species), 1, 300.0);
    s.stop.max_hops = hops;
    s.track_host_ions = c.track_host_ions;
    std::cerr << "  single_defect_16: " << c.species << "\n";
    json m = measure_engine(graph, table, s, opt.repeats, 100);
    json e;
    e["species"] = c.species;
    e["track_host_ions"] = c.track_host_ions;
    e.update(m);
    e["meets_target"] = m["hops_per_s"].get<double>() >= kTarget;
    all_meet = all_meet && e["meets_target"].get<bool>();
    cases.push_back(e);
  }
  json j;
  j["name"] = "single_defect_16";
  j["description"] =
      "One defect in a 16x16x16 CsPbI3 supercell at 300 K (rates/cspbi3_md_effective.json); "
      "hops per second of kmc::Engine::run() on one core, engine construction excluded. "
      "V_I^+ with host-ion tracking (default), I_i^- without.";
  j["supercell"] = {16, 16, 16};
  j["temperature_k"] = 300.0;
  j["cases"] = cases;
  j["target"] = {{"hops_per_s_min", kTarget}, {"applies_to", "every case"}};
  j["meets_target"] = all_meet;
  return j;
}

// ---------------------------------------------------------------------------------------
// (b) 1 % of the X sites vacant (V_I^+): many defects, local rate updates, sum tree.
json bench_vacancies(const Options& opt, const lattice::Crystal& crystal,
                     const rates::RateTable& table) {
  constexpr double kTarget = 3e6;
  const std::size_t vac = species_or_die(table, "V_I^+");
  const std::uint64_t main_hops = opt.quick ? 1'000'000 : 10'000'000;
  const std::uint64_t scan_hops = opt.quick ? 400'000 : 4'000'000;

  json scaling = json::array();
  json main_case;
  for (int n : {16, 32, 48}) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    const std::size_t x_sites = graph.sites_of_sublattice("X").size();
    const auto count = static_cast<std::size_t>(std::llround(0.01 * double(x_sites)));
    kmc::RunSettings s = settings_for(vac, count, 300.0);
    s.stop.max_hops = scan_hops;
    std::cerr << "  vacancies_1pct: " << n << "^3, " << count << " vacancies\n";
    json e;
    e["supercell"] = {n, n, n};
    e["x_sites"] = x_sites;
    e["vacancies"] = count;
    e.update(measure_engine(graph, table, s, opt.repeats, 200 + 10 * n));
    scaling.push_back(e);
    if (n == 48) {
      s.stop.max_hops = main_hops;
      std::cerr << "  vacancies_1pct_48: main run\n";
      main_case["supercell"] = {n, n, n};
      main_case["x_sites"] = x_sites;
      main_case["vacancies"] = count;
      main_case.update(measure_engine(graph, table, s, opt.repeats, 300));
    }
  }
  const double ns16 = scaling[0]["ns_per_hop"].get<double>();
  const double ns48 = scaling[2]["ns_per_hop"].get<double>();

  json j;
  j["name"] = "vacancies_1pct_48";
  j["description"] =
      "1% of the X sites vacant (V_I^+) at 300 K, host-ion tracking on, local rate updates; "
      "hops per second of Engine::run() on one core in 48^3 (3318 vacancies), and the "
      "per-event cost at 16^3, 32^3, 48^3 (same 1% density) to show O(log N) scaling.";
  j["temperature_k"] = 300.0;
  j["main"] = main_case;
  j["scaling"] = scaling;
  j["ns_per_hop_ratio_48_vs_16"] = ns48 / ns16;
  j["target"] = {{"hops_per_s_min", kTarget}, {"applies_to", "main (48^3)"}};
  j["meets_target"] = main_case["hops_per_s"].get<double>() >= kTarget;
  return j;
}

// ---------------------------------------------------------------------------------------
// (e) Mixed halide: 1 % vacancies in CsPb(I_0.5Br_0.5)3 with environment-dependent rates
// (moving-ion barriers and a local-environment model; synthetic coefficients, the cost
// does not depend on their values), hops/s in 32^3 and ns/hop at 16^3, 32^3, 64^3.
json bench_mixed_halide(const Options& opt, const lattice::Crystal& crystal) {
  constexpr double kTarget = 1e6;
  rates::RateTable table;
  table.name = "synthetic mixed-halide benchmark table";
  rates::DefectSpecies v;
  v.name = "V_X^+";
  v.mechanism = rates::Mechanism::vacancy;
  v.charge = 1;
  v.sublattice = "X";
  v.hops = {{"X-X", 0.16, 1e11, "synthetic", "I"}, {"X-X", 0.22, 1e11, "synthetic", "Br"}};
  v.environment_shell = "X-X";
  v.environment_site_energy_ev = {{"Br", 0.02}};
  v.environment_kra_ev = {{"Br", 0.01}};
  table.species.push_back(v);
  const std::uint64_t hops = opt.quick ? 200'000 : 2'000'000;
  json scaling = json::array();
  json main_case;
  for (int n : {16, 32, 64}) {
    const lattice::SiteGraph graph(crystal, {n, n, n});
    const std::size_t x_sites = graph.sites_of_sublattice("X").size();
    const auto count = static_cast<std::size_t>(std::llround(0.01 * double(x_sites)));
    kmc::RunSettings s = settings_for(0, count, 300.0);
    s.stop.max_hops = hops;
    s.composition = {{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
    std::cerr << "  mixed_halide_1pct: " << n << "^3, " << count << " vacancies\n";
    json e;
    e["supercell"] = {n, n, n};
    e["vacancies"] = count;
    e.update(measure_engine(graph, table, s, opt.repeats, 500 + n));
    scaling.push_back(e);
    if (n == 32) main_case = e;
  }
  json j;
  j["name"] = "mixed_halide_1pct_32";
  j["description"] =
      "1% vacancies in CsPb(I0.5Br0.5)3 (random alloy) with environment-dependent rates: "
      "barrier by moving ion and a local-environment model (site energy and KRA per Br "
      "neighbour); hops/s on one core in 32^3 and ns/hop at 16^3, 32^3, 64^3.";
  j["temperature_k"] = 300.0;
  j["main"] = main_case;
  j["scaling"] = scaling;
  j["target"] = {{"hops_per_s_min", kTarget}, {"applies_to", "main (32^3)"}};
  j["meets_target"] = main_case["hops_per_s"].get<double>() >= kTarget;
  return j;
}

// ---------------------------------------------------------------------------------------
// (c) The shipped default sweep, 1 thread vs 2 threads.
json bench_sweep(const Options& opt) {
  constexpr double kTarget = 1.8;
  const std::string path = IONHOP_SOURCE_DIR "/examples/cspbi3_charged_iodide_sweep.json";
  sweep::SweepConfig config = io::load_sweep_config(path);
  const std::uint64_t configured_hops = config.stop.max_hops;
  if (opt.quick) config.stop.max_hops = std::max<std::uint64_t>(config.stop.max_hops / 10, 1);

  std::vector<double> t1, t2, pair_speedup, util1, util2, bg1, bg2;
  std::uint64_t total_hops = 0;
  bool identical = true;
  for (int i = 0; i < opt.repeats; ++i) {
    std::vector<double> d[2];
    double wall[2];
    for (int k = 0; k < 2; ++k) {
      sweep::SweepOptions o;
      o.threads = k + 1;
      std::cerr << "  default_sweep_threads: repeat " << i + 1 << ", " << o.threads
                << " thread(s)\n";
      wait_until_quiet();
      Stopwatch w;
      const sweep::SweepResult r = sweep::run_sweep(config, o);
      w.stop();
      wall[k] = w.wall_s;
      (k == 0 ? util1 : util2).push_back(w.own_cpu_s / w.wall_s);
      (k == 0 ? bg1 : bg2).push_back(w.background_cpus);
      total_hops = 0;
      for (const auto& p : r.points) {
        total_hops += p.hops;
        d[k].push_back(p.diffusion.value);
      }
    }
    // Results must not depend on the thread count (counter-based streams).
    for (std::size_t p = 0; p < d[0].size(); ++p)
      if (!(d[0][p] == d[1][p]) && !(std::isnan(d[0][p]) && std::isnan(d[1][p]))) identical = false;
    t1.push_back(wall[0]);
    t2.push_back(wall[1]);
    pair_speedup.push_back(wall[0] / wall[1]);
  }
  const double m1 = median(t1), m2 = median(t2);
  json j;
  j["name"] = "default_sweep_threads";
  j["description"] =
      "The shipped default sweep examples/cspbi3_charged_iodide_sweep.json (6 species x 10 "
      "temperatures x 16 replicas, 16^3, 1 defect) run by sweep::run_sweep with "
      "options.threads = 1, then 2; wall seconds of the whole call (graph build, all tasks, "
      "fits) and the speed-up.";
  j["config"] = "examples/cspbi3_charged_iodide_sweep.json";
  j["max_hops_per_replica"] = config.stop.max_hops;
  j["configured_max_hops_per_replica"] = configured_hops;
  j["total_hops"] = total_hops;
  j["wall_s_1_thread"] = m1;
  j["wall_s_2_threads"] = m2;
  j["hops_per_s_1_thread"] = total_hops / m1;
  j["hops_per_s_2_threads"] = total_hops / m2;
  j["speedup"] = m1 / m2;
  j["wall_s_1_thread_samples"] = t1;
  j["wall_s_2_threads_samples"] = t2;
  j["speedup_samples"] = pair_speedup;
  // CPU seconds / wall seconds: ~1 for 1 thread, ~2 when both threads really ran
  // (below 2: the cores were shared with other processes, see background_cpus_*).
  j["cpu_utilization_1_thread"] = median(util1);
  j["cpu_utilization_2_threads"] = median(util2);
  j["background_cpus_1_thread_samples"] = bg1;
  j["background_cpus_2_threads_samples"] = bg2;
  j["results_identical_across_threads"] = identical;
  j["target"] = {{"speedup_min", kTarget}, {"threads", 2}};
  j["meets_target"] = m1 / m2 >= kTarget;
  return j;
}

// ---------------------------------------------------------------------------------------
// (d) Wall time to 1 ms of simulated time at 300 K, every mobile species, 1 defect in 16^3.
json bench_time_to_1ms(const Options& opt, const lattice::Crystal& crystal,
                       const rates::RateTable& table) {
  constexpr double kTargetWall = 1.0;
  const double sim_target = opt.quick ? 1e-4 : 1e-3;
  const lattice::SiteGraph graph(crystal, {16, 16, 16});
  json cases = json::array();
  bool all_meet = true;
  for (std::size_t s = 0; s < table.species.size(); ++s) {
    const auto& sp = table.species[s];
    if (!sp.mobile || sp.hops.empty()) continue;
    kmc::RunSettings settings = settings_for(s, 1, 300.0);
    settings.stop.max_time_s = sim_target;
    std::cerr << "  time_to_1ms_300k: " << sp.name << "\n";
    json m = measure_engine(graph, table, settings, opt.repeats, 400 + s);
    json e;
    e["species"] = sp.name;
    e["mechanism"] = rates::to_string(sp.mechanism);
    e["wall_s"] = m["wall_s"];
    e["hops"] = m["hops_per_run"];
    e["simulated_time_s"] = m["simulated_time_s"];
    e["hops_per_s"] = m["hops_per_s"];
    e["hops_per_thread_cpu_s"] = m["hops_per_thread_cpu_s"];
    e["background_cpus_samples"] = m["background_cpus_samples"];
    e["meets_target"] = m["wall_s"].get<double>() < kTargetWall;
    all_meet = all_meet && e["meets_target"].get<bool>();
    cases.push_back(e);
  }
  json j;
  j["name"] = "time_to_1ms_300k";
  j["description"] =
      "Wall seconds of Engine::run() to reach the simulated time below at 300 K for one "
      "defect of each mobile species in 16^3 (stop.max_time_s; host-ion tracking default).";
  j["simulated_time_target_s"] = sim_target;
  j["cases"] = cases;
  j["target"] = {{"wall_s_max", kTargetWall}, {"applies_to", "every species"}};
  j["meets_target"] = all_meet;
  return j;
}

// ---------------------------------------------------------------------------------------

[[noreturn]] void usage(int code) {
  std::cerr << "usage: ionhop_bench [--quick] [--only NAME] [--repeat N] [--wait-quiet S]\n"
               "NAME: single_defect_16 | vacancies_1pct_48 | default_sweep_threads | "
               "time_to_1ms_300k | mixed_halide_1pct_32\n";
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
    } else if (a == "--wait-quiet" && i + 1 < argc) {
      g_wait_quiet_s = std::atof(argv[++i]);
    } else if (a == "--help" || a == "-h") {
      usage(0);
    } else {
      usage(2);
    }
  }
  if (opt.quick && !repeat_given) opt.repeats = 1;
  const std::vector<std::string> names = {"single_defect_16", "vacancies_1pct_48",
                                          "default_sweep_threads", "time_to_1ms_300k",
                                          "mixed_halide_1pct_32"};
  if (!opt.only.empty() && std::find(names.begin(), names.end(), opt.only) == names.end()) usage(2);
  auto want = [&](const std::string& n) { return opt.only.empty() || opt.only == n; };

  json out = run_header("ionhop_bench", IONHOP_BUILD_TYPE, opt.quick, opt.repeats);
  out["wait_quiet_s"] = g_wait_quiet_s;

  try {
    const lattice::Crystal crystal =
        io::load_crystal(IONHOP_SOURCE_DIR "/lattices/cspbi3_cubic.json");
    const rates::RateTable table =
        io::load_rate_table(IONHOP_SOURCE_DIR "/rates/cspbi3_md_effective.json");
    json results = json::array();
    const auto t0 = Clock::now();
    if (want("single_defect_16")) results.push_back(bench_single_defect(opt, crystal, table));
    if (want("vacancies_1pct_48")) results.push_back(bench_vacancies(opt, crystal, table));
    if (want("default_sweep_threads")) results.push_back(bench_sweep(opt));
    if (want("time_to_1ms_300k")) results.push_back(bench_time_to_1ms(opt, crystal, table));
    if (want("mixed_halide_1pct_32")) results.push_back(bench_mixed_halide(opt, crystal));
    out["benchmarks"] = results;
    out["total_wall_s"] = seconds_since(t0);
  } catch (const std::exception& e) {
    std::cerr << "ionhop_bench: " << e.what() << "\n";
    return 1;
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}
