#include <catch2/catch.hpp>
#include <cmath>

#include "ionhop/core/random_stream.hpp"
#include "ionhop/core/sha256.hpp"

using ionhop::core::RandomStream;

TEST_CASE("random streams are reproducible and independent", "[core][rng]") {
  RandomStream a(42, 7), b(42, 7), c(42, 8), d(43, 7);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    REQUIRE(x == b.next_u64());
    CHECK(x != c.next_u64());
    CHECK(x != d.next_u64());
  }
}

TEST_CASE("uniform deviates have the moments of U(0,1)", "[core][rng]") {
  // Mean 1/2 (σ of the mean 1/sqrt(12 n)) and variance 1/12, within 5 standard errors.
  RandomStream r(1, 2);
  const int n = 400000;
  double sum = 0, sum2 = 0, min = 1, max = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform_open0();
    sum += u;
    sum2 += u * u;
    min = std::min(min, u);
    max = std::max(max, u);
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  CHECK(std::abs(mean - 0.5) < 5.0 / std::sqrt(12.0 * n));
  CHECK(std::abs(var - 1.0 / 12.0) < 5.0 * std::sqrt(1.0 / 180.0 / n));
  CHECK(min > 0.0);
  CHECK(max <= 1.0);
}

TEST_CASE("below(n) is unbiased", "[core][rng]") {
  RandomStream r(3, 4);
  const int n = 7, draws = 140000;
  std::vector<int> count(n, 0);
  for (int i = 0; i < draws; ++i) ++count[r.below(n)];
  // Chi-square with 6 dof: P(χ² > 22.46) = 0.001.
  double chi2 = 0;
  for (int c : count)
    chi2 += (c - draws / double(n)) * (c - draws / double(n)) / (draws / double(n));
  CHECK(chi2 < 22.46);
}

TEST_CASE("sha256 matches the FIPS 180-4 examples", "[core][sha256]") {
  CHECK(ionhop::core::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ionhop::core::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ionhop::core::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
