// Shared helpers for the physics tests: shipped data files, replica loops, statistics.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ionhop/analysis/estimate.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/kmc/engine.hpp"
#include "ionhop/kmc/replica_observables.hpp"
#include "ionhop/lattice/crystal.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::test {

inline std::string source_path(const std::string& relative) {
  return std::string(IONHOP_SOURCE_DIR) + "/" + relative;
}
inline std::string data_path(const std::string& relative) {
  return std::string(IONHOP_TEST_DATA) + "/" + relative;
}

// How far each atom moves between two configurations of the same atoms (minimum image),
// largest first: [0] is the hopping atom of a hop, [1] the largest host displacement.
inline std::vector<double> displacements_largest_first(const atomistic::Structure& a,
                                                       const atomistic::Structure& b) {
  std::vector<double> moved;
  for (Eigen::Index k = 0; k < a.positions_angstrom.cols(); ++k)
    moved.push_back(
        a.minimum_image(b.positions_angstrom.col(k) - a.positions_angstrom.col(k)).norm());
  std::sort(moved.rbegin(), moved.rend());
  return moved;
}

// A one-species rate table: hops on `shell` with barrier and attempt frequency.
inline rates::RateTable single_species_table(const std::string& name, rates::Mechanism mechanism,
                                             const std::string& sublattice,
                                             const std::string& shell, double barrier_ev,
                                             double attempt_frequency_hz) {
  rates::RateTable t;
  t.name = "test table";
  t.provenance = "synthetic (test)";
  rates::DefectSpecies sp;
  sp.name = name;
  sp.mechanism = mechanism;
  sp.charge = 1;
  sp.sublattice = sublattice;
  sp.provenance = "synthetic (test)";
  sp.hops.push_back({shell, barrier_ev, attempt_frequency_hz, "synthetic (test)", ""});
  t.species.push_back(sp);
  return t;
}

// Runs `replicas` independent engines (streams 0..replicas-1 of `seed`) and returns each
// run's result.
inline std::vector<kmc::RunResult> run_replicas(const lattice::SiteGraph& graph,
                                                const rates::RateTable& table,
                                                const kmc::RunSettings& settings,
                                                std::size_t replicas, std::uint64_t seed) {
  std::vector<kmc::RunResult> out;
  for (std::size_t r = 0; r < replicas; ++r) {
    kmc::Engine engine(graph, table, settings, core::RandomStream(seed, r));
    out.push_back(engine.run());
  }
  return out;
}

inline analysis::Estimate estimate_over(const std::vector<kmc::RunResult>& runs,
                                        const std::function<double(const kmc::RunResult&)>& f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(r));
  return analysis::mean_with_standard_error(v);
}

// The message of the InputError that f throws, or "(no error)".
inline std::string input_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Largest deviation of `forces` from central finite differences −(E(r+h) − E(r−h))/(2h) of
// `energy`, over every atom and component of s (eV/Å).
inline double worst_finite_difference_force_error(
    const std::function<double(const atomistic::Structure&)>& energy, const atomistic::Structure& s,
    const Eigen::Matrix3Xd& forces, double h) {
  double worst = 0;
  for (Eigen::Index k = 0; k < forces.cols(); ++k)
    for (int a = 0; a < 3; ++a) {
      atomistic::Structure p = s, m = s;
      p.positions_angstrom(a, k) += h;
      m.positions_angstrom(a, k) -= h;
      const double fd = -(energy(p) - energy(m)) / (2 * h);
      worst = std::max(worst, std::abs(fd - forces(a, k)));
    }
  return worst;
}

// Largest deviation of `stress` (eV/Å³, σ_ab = (1/V) ∂E/∂ε_ab) from central finite
// differences of `energy` under the homogeneous strains 1 ± h e_ab applied to cell and positions.
inline double worst_finite_difference_stress_error(
    const std::function<double(const atomistic::Structure&)>& energy, const atomistic::Structure& s,
    const Eigen::Matrix3d& stress, double h) {
  auto strained = [&](const Eigen::Matrix3d& f) {
    atomistic::Structure t = s;
    t.cell_angstrom = s.cell_angstrom * f.transpose();
    t.positions_angstrom = f * s.positions_angstrom;
    return energy(t);
  };
  double worst = 0;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      Eigen::Matrix3d fp = Eigen::Matrix3d::Identity(), fm = fp;
      fp(a, b) += h;
      fm(a, b) -= h;
      const double fd = (strained(fp) - strained(fm)) / (2 * h * s.volume_angstrom3());
      worst = std::max(worst, std::abs(fd - stress(a, b)));
    }
  return worst;
}

// A grid×grid×grid lattice of Pb and I (Pb with probability p_pb) at fractional positions
// (i + ½)/grid in the cell whose rows are `cell_rows`, each atom displaced by a uniform
// random vector in [−amplitude, amplitude]³: the MLFF tests' generic disordered cell.
inline atomistic::Structure perturbed_pb_i_grid(const Eigen::Matrix3d& cell_rows, int grid,
                                                double amplitude, double p_pb, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude), coin(0, 1);
  atomistic::Structure s;
  s.cell_angstrom = cell_rows;
  for (int i = 0; i < grid; ++i)
    for (int j = 0; j < grid; ++j)
      for (int k = 0; k < grid; ++k) {
        const atomistic::Vec3 f((i + 0.5) / grid, (j + 0.5) / grid, (k + 0.5) / grid);
        s.append(coin(rng) < p_pb ? "Pb" : "I",
                 s.cartesian(f) + atomistic::Vec3(u(rng), u(rng), u(rng)));
      }
  return s;
}

// |estimate − exact| within k standard errors (the tests' tolerance rule).
inline bool within_standard_errors(const analysis::Estimate& e, double exact, double k = 4.0) {
  return std::abs(e.value - exact) <= k * e.error;
}

}  // namespace ionhop::test
