// A progress bar on stderr, only when stderr is a terminal (logs and CI stay clean).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>

namespace ionhop::cli {

inline std::function<void(std::size_t, std::size_t)> terminal_progress_bar() {
  if (!::isatty(STDERR_FILENO)) return {};
  const auto start = std::chrono::steady_clock::now();
  return [start](std::size_t done, std::size_t total) {
    const double frac = total ? double(done) / double(total) : 1.0;
    const int width = 40, filled = static_cast<int>(frac * width);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r[%.*s%*s] %5.1f%% %zu/%zu tasks, %.1f s", filled,
                 "########################################", width - filled, "", 100 * frac, done,
                 total, elapsed);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace ionhop::cli
