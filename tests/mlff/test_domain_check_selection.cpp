// Batch active learning: which of many candidate structures go to DFT (mlff::select_uncertain).
#include <catch2/catch.hpp>

#include "ionhop/mlff/domain_check.hpp"

using ionhop::mlff::select_uncertain;

TEST_CASE("select_uncertain: above threshold, most uncertain first, per-group and total caps",
          "[mlff][domain]") {
  // Two bands (groups 0 and 1) of three images and one MD frame (group 2).
  const std::vector<double> sigma{0.1, 0.9, 0.5, 0.3, 0.26, 0.2, 0.7};
  const std::vector<std::size_t> group{0, 0, 0, 1, 1, 1, 2};
  // One per band: the worst of band 0 (0.9), the MD frame (0.7), the worst of band 1 (0.3).
  CHECK(select_uncertain(sigma, group, 0.25, 1, 0) == std::vector<std::size_t>{1, 6, 3});
  // Two per band, at most 4 in all: 0.9, 0.7, 0.5, 0.3.
  CHECK(select_uncertain(sigma, group, 0.25, 2, 4) == std::vector<std::size_t>{1, 6, 2, 3});
  // Nothing above a high threshold; the threshold is strict.
  CHECK(select_uncertain(sigma, group, 0.9, 1, 0).empty());
  CHECK(select_uncertain(sigma, group, 0.95, 3, 0).empty());
  // Ties keep the lower index first.
  CHECK(select_uncertain({0.5, 0.5, 0.5}, {0, 1, 2}, 0.1, 1, 2) == std::vector<std::size_t>{0, 1});
}
