// Helpers shared by the benchmark programs: timing with background-load accounting
// (a shared machine's other processes show up in the figures), medians, and the machine
// description every benchmark JSON starts with.
#pragma once

#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ionhop/core/build_info.hpp"

namespace ionhop::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds (user + system) used by this process so far, all threads.
double process_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Busy CPU seconds of the whole machine so far (all processes), from /proc/stat.
double machine_busy_cpu_s() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double v[8] = {};
  in >> cpu;
  for (double& x : v) in >> x;  // user nice system idle iowait irq softirq steal
  static const double tick = double(sysconf(_SC_CLK_TCK));
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick;
}

// Watches one timed region: wall seconds, own CPU seconds, and the average number of CPUs
// kept busy by *other* processes meanwhile (contention on a shared machine; ~0 when quiet).
struct Stopwatch {
  Clock::time_point t0 = Clock::now();
  double busy0 = machine_busy_cpu_s(), own0 = process_cpu_s();
  double wall_s = 0, own_cpu_s = 0, background_cpus = 0;
  void stop() {
    wall_s = seconds_since(t0);
    own_cpu_s = process_cpu_s() - own0;
    background_cpus = std::max(0.0, (machine_busy_cpu_s() - busy0 - own_cpu_s) / wall_s);
  }
};

// ---------------------------------------------------------------------------------------
std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) break;
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "unknown";
}

int nproc() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

std::string utc_now_iso() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The fields every benchmark's JSON starts with: what ran, where, with which build.
inline nlohmann::ordered_json run_header(const std::string& benchmark, const char* build_type,
                                         bool quick, int repeats) {
  nlohmann::ordered_json out;
  out["benchmark"] = benchmark;
  out["date"] = utc_now_iso();
  struct utsname u {};
  uname(&u);
  out["machine"] = {{"cpu_model", cpu_model()},
                    {"nproc", nproc()},
                    {"os", std::string(u.sysname) + " " + u.release},
                    {"load_average_at_start", loadavg()}};
  out["compiler"] = __VERSION__;
  out["build_type"] = build_type;
#ifdef NDEBUG
  out["assertions"] = false;
#else
  out["assertions"] = true;
#endif
  out["ionhop_version"] = core::version();
  out["git_commit"] = core::git_commit();
  out["quick"] = quick;
  out["repeats"] = repeats;
  out["statistic"] = "median over repeats";
  return out;
}

}  // namespace ionhop::bench
