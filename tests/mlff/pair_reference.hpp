// The shipped CsPbI3 pair potential as the "reference calculator" of the on-the-fly learning
// tests (tests/mlff/test_on_the_fly.cpp, test_band_learning.cpp): labels in microseconds
// instead of CP2K's minutes.
#pragma once

#include <random>
#include <vector>

#include "../test_support.hpp"
#include "ionhop/atomistic/pair_potential.hpp"
#include "ionhop/io/pair_potential_file.hpp"
#include "ionhop/mlff/on_the_fly.hpp"

namespace ionhop::test {

inline const atomistic::PairPotential& pair_reference() {
  static const atomistic::PairPotential p =
      io::load_pair_potential(source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  return p;
}

inline mlff::TrainingFrame pair_labelled(const atomistic::Structure& s) {
  const auto r = pair_reference().compute(s);
  mlff::TrainingFrame f;
  f.structure = s;
  f.energy_ev = r.energy_ev;
  f.forces_ev_per_angstrom = r.forces_ev_per_angstrom;
  return f;
}

// `count` copies of `base`, every atom displaced by a Gaussian of σ = 0.1 Å (stream `seed`),
// labelled by the pair potential: a bootstrap training set.
inline std::vector<mlff::TrainingFrame> pair_bootstrap(const atomistic::Structure& base,
                                                       std::size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> n(0.0, 0.1);
  std::vector<mlff::TrainingFrame> out;
  for (std::size_t c = 0; c < count; ++c) {
    atomistic::Structure s = base;
    for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
      s.positions_angstrom.col(k) += atomistic::Vec3(n(rng), n(rng), n(rng));
    out.push_back(pair_labelled(s));
  }
  return out;
}

inline mlff::Labeller pair_labeller() {
  return [](const atomistic::Structure& s, std::size_t) {
    mlff::ReferenceLabel l;
    l.ok = true;
    l.frame = pair_labelled(s);
    return l;
  };
}

}  // namespace ionhop::test
