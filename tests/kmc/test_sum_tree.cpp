#include <catch2/catch.hpp>

#include "ionhop/core/random_stream.hpp"
#include "ionhop/kmc/sum_tree.hpp"

using ionhop::kmc::SumTree;

TEST_CASE("sum tree totals and selects in proportion to weights", "[kmc][sum-tree]") {
  SumTree tree(5);
  const std::vector<double> w = {1.0, 0.0, 3.0, 2.0, 4.0};
  for (std::size_t i = 0; i < w.size(); ++i) tree.set(i, w[i]);
  CHECK(tree.total() == Approx(10.0));
  // Deterministic boundaries of the cumulative intervals.
  double t = 0.5;
  CHECK(tree.find(t) == 0);
  t = 1.0;
  CHECK(tree.find(t) == 2);  // leaf 1 has zero weight and is never chosen
  CHECK(t == Approx(0.0));
  t = 5.5;
  CHECK(tree.find(t) == 3);
  CHECK(t == Approx(1.5));
  t = 9.999;
  CHECK(tree.find(t) == 4);
  tree.set(4, 0.0);
  CHECK(tree.total() == Approx(6.0));

  // Sampling frequencies: chi-square with 3 dof, P(χ² > 16.27) = 0.001.
  for (std::size_t i = 0; i < w.size(); ++i) tree.set(i, w[i]);
  ionhop::core::RandomStream rng(9, 9);
  std::vector<double> count(5, 0.0);
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform() * tree.total();
    count[tree.find(u)] += 1;
  }
  CHECK(count[1] == 0);
  double chi2 = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0) continue;
    const double expected = n * w[i] / 10.0;
    chi2 += (count[i] - expected) * (count[i] - expected) / expected;
  }
  CHECK(chi2 < 16.27);
}

TEST_CASE("sum tree with one leaf", "[kmc][sum-tree]") {
  SumTree tree(1);
  tree.set(0, 2.5);
  CHECK(tree.total() == 2.5);
  double t = 1.0;
  CHECK(tree.find(t) == 0);
}
