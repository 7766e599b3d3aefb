#include <catch2/catch.hpp>

#include "ionhop/core/fast_divide.hpp"
#include "ionhop/core/random_stream.hpp"

TEST_CASE("fast division equals integer division", "[core]") {
  ionhop::core::RandomStream rng(1, 1);
  for (std::uint32_t d : {1u, 2u, 3u, 5u, 7u, 12u, 1000u, 65537u, 4294967295u}) {
    const ionhop::core::FastDivider div(d);
    for (std::uint32_t n : {0u, 1u, d - 1, d, d + 1, 4294967295u}) {
      CHECK(div.quotient(n) == n / d);
      CHECK(div.remainder(n) == n % d);
    }
    for (int i = 0; i < 10000; ++i) {
      const auto n = static_cast<std::uint32_t>(rng.next_u64());
      REQUIRE(div.quotient(n) == n / d);
      REQUIRE(div.remainder(n) == n % d);
    }
  }
}
