// Counter-based random streams (Philox4x64-10, Salmon et al., SC'11, via Random123).
// One independent stream per (seed, stream id): the numbers a sweep point and replica see
// depend only on the seed and the point's identity, never on threads or scheduling.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace ionhop::core {

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, std::uint64_t stream_id) {
    key_ = {{seed, stream_id}};
    counter_ = {{0, 0, 0, 0}};
  }

  // Next raw 64-bit word. Philox yields four words per counter value.
  std::uint64_t next_u64() {
    if (buffered_ == 0) refill();
    return block_.v[--buffered_];
  }

  // Uniform on (0, 1]: never 0, so -log(u) is finite (exact exponential waiting times).
  double uniform_open0() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }

  // Uniform on [0, 1).
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n) by rejection (no modulo bias).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x;
    do x = next_u64();
    while (x >= limit);
    return x % n;
  }

  // Exponential waiting time with total rate `rate`: Δt = −ln(u)/R (BKL / Gillespie).
  double exponential(double rate) { return -std::log(uniform_open0()) / rate; }
  // A standard normal deviate by Box–Muller (the cosine branch only: two uniforms per draw,
  // uniform_open0 then uniform, so every caller consumes the stream the same way).
  double standard_normal() {
    const double u1 = uniform_open0(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  void refill() {
    block_ = r123::Philox4x64()(counter_, key_);
    // 256-bit counter: 2^64 blocks per stream before the second word is touched.
    if (++counter_.v[0] == 0) ++counter_.v[1];
    buffered_ = 4;
  }

  r123::Philox4x64::ctr_type counter_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type block_{};
  int buffered_ = 0;
};

// Stable 64-bit identity of a named thing (FNV-1a), finished by a SplitMix64 mix, so
// that stream ids built from point descriptions are well spread.
std::uint64_t stable_hash64(std::string_view text);
std::uint64_t mix64(std::uint64_t x);

}  // namespace ionhop::core
