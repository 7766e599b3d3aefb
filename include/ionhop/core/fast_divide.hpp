// Division and remainder of 32-bit unsigned integers by a fixed divisor without a hardware
// divide (Lemire, Kaser & Kurz, "Faster remainder by direct computation", 2019): the KMC
// hot loop maps site indices to (cell, basis site) on every event.
#pragma once

#include <cassert>
#include <cstdint>

namespace ionhop::core {

class FastDivider {
 public:
  FastDivider() = default;
  explicit FastDivider(std::uint32_t divisor)
      : d_(divisor), m_(UINT64_C(0xFFFFFFFFFFFFFFFF) / divisor + 1) {
    assert(divisor > 0);
  }
  std::uint32_t divisor() const { return d_; }
  // Exact for every 32-bit n. (For divisor 1 the magic number wraps to 0: handled apart.)
  std::uint32_t quotient(std::uint32_t n) const {
    if (d_ == 1) return n;
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(m_) * n) >> 64);
  }
  std::uint32_t remainder(std::uint32_t n) const {
    if (d_ == 1) return 0;
    const std::uint64_t low = m_ * n;
    return static_cast<std::uint32_t>((static_cast<unsigned __int128>(low) * d_) >> 64);
  }

 private:
  std::uint32_t d_ = 1;
  std::uint64_t m_ = 0;
};

}  // namespace ionhop::core
