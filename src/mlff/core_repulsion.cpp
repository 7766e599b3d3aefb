// ZBL core repulsion under the linear MLFF (see the header for the formulas and why).
#include "ionhop/mlff/core_repulsion.hpp"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "ionhop/atomistic/element_masses.hpp"
#include "ionhop/atomistic/neighbour_list.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::mlff {

namespace {
// e²/(4πε₀) in eV·Å (CODATA 2018).
constexpr double kCoulombEvAngstrom = 14.399645;
// ZBL universal screening function: coefficients c_k and exponents d_k of φ(x) = Σ c_k e^{−d_k x}.
constexpr std::array<double, 4> kZblC{0.18175, 0.50986, 0.28022, 0.02817};
constexpr std::array<double, 4> kZblD{3.19980, 0.94229, 0.40290, 0.20162};

std::vector<int> atomic_numbers(const atomistic::Structure& s) {
  std::vector<int> z(s.size());
  for (std::size_t k = 0; k < s.size(); ++k) {
    try {
      z[k] = atomistic::atomic_number(s.elements[k]);
    } catch (const InputError& e) {
      throw InputError("", "", "core repulsion: " + e.problem());
    }
  }
  return z;
}
}  // namespace

void check_core_repulsion(const CoreRepulsionSettings& s) {
  if (s.inner_angstrom == 0 && s.outer_angstrom == 0) return;
  if (!(std::isfinite(s.inner_angstrom) && std::isfinite(s.outer_angstrom) &&
        s.inner_angstrom >= 0 && s.inner_angstrom < s.outer_angstrom))
    throw InputError("", "",
                     "core repulsion: needs 0 <= inner < outer (got inner " +
                         std::to_string(s.inner_angstrom) + " A, outer " +
                         std::to_string(s.outer_angstrom) + " A)");
}

PairEnergy core_repulsion_pair(const CoreRepulsionSettings& s, int z1, int z2, double r) {
  PairEnergy out;
  if (!s.enabled() || r >= s.outer_angstrom) return out;
  const double a = 0.46850 / (std::pow(z1, 0.23) + std::pow(z2, 0.23));
  double phi = 0, dphi_dr = 0;
  for (std::size_t k = 0; k < kZblC.size(); ++k) {
    const double term = kZblC[k] * std::exp(-kZblD[k] * r / a);
    phi += term;
    dphi_dr -= term * kZblD[k] / a;
  }
  const double q = kCoulombEvAngstrom * z1 * z2;
  const double v = q * phi / r;
  const double dv = q * (dphi_dr / r - phi / (r * r));
  double sw = 1, dsw = 0;
  if (r > s.inner_angstrom) {
    const double width = s.outer_angstrom - s.inner_angstrom;
    const double t = (r - s.inner_angstrom) / width;
    sw = 1 - t * t * t * (10 - 15 * t + 6 * t * t);
    dsw = -30 * t * t * (1 - t) * (1 - t) / width;
  }
  out.energy_ev = v * sw;
  out.derivative_ev_per_angstrom = dv * sw + v * dsw;
  return out;
}

namespace {
atomistic::NeighbourList own_list(const CoreRepulsionSettings& s,
                                  const atomistic::Structure& structure) {
  return atomistic::build_neighbour_list(structure, s.outer_angstrom,
                                         atomistic::NeighbourListKind::half);
}

// Calls f(i, neighbour entry, pair energy, weight) for every list entry closer than r_outer;
// weight 1 for a half list, 1/2 for a full one (each pair seen from both atoms), so the sum
// of weight × pair term is the same either way.
template <class F>
void for_each_pair(const CoreRepulsionSettings& s, const atomistic::Structure& structure,
                   const atomistic::NeighbourList& list, F&& f) {
  const auto z = atomic_numbers(structure);
  const double weight = list.kind() == atomistic::NeighbourListKind::full ? 0.5 : 1.0;
  for (std::size_t i = 0; i < structure.size(); ++i)
    for (const auto& nb : list.of(i))
      if (nb.distance_angstrom < s.outer_angstrom)
        f(i, nb, core_repulsion_pair(s, z[i], z[nb.atom], nb.distance_angstrom), weight);
}
}  // namespace

atomistic::EnergyForces core_repulsion(const CoreRepulsionSettings& s,
                                       const atomistic::Structure& structure) {
  if (!s.enabled()) return core_repulsion(s, structure, atomistic::NeighbourList{});
  return core_repulsion(s, structure, own_list(s, structure));
}

atomistic::EnergyForces core_repulsion(const CoreRepulsionSettings& s,
                                       const atomistic::Structure& structure,
                                       const atomistic::NeighbourList& given) {
  atomistic::EnergyForces out;
  out.forces_ev_per_angstrom =
      Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(structure.size()));
  out.has_stress = true;
  if (!s.enabled()) return out;
  // A list that does not reach r_outer (a descriptor cutoff below it) would miss pairs.
  const bool reaches =
      given.atom_count() == structure.size() && given.cutoff_angstrom() >= s.outer_angstrom;
  const atomistic::NeighbourList own =
      reaches ? atomistic::NeighbourList{} : own_list(s, structure);
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();
  for_each_pair(s, structure, reaches ? given : own,
                [&](std::size_t i, const atomistic::Neighbour& nb, const PairEnergy& p, double w) {
                  out.energy_ev += w * p.energy_ev;
                  // ∂E/∂r_ij = V' r̂_ij with r_ij = r_j − r_i: F_j = −V' r̂, F_i = +V' r̂.
                  const atomistic::Vec3 g =
                      (w * p.derivative_ev_per_angstrom / nb.distance_angstrom) *
                      nb.vector_angstrom;
                  out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(nb.atom)) -= g;
                  out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(i)) += g;
                  virial += g * nb.vector_angstrom.transpose();
                });
  out.stress_ev_per_angstrom3 = virial / structure.volume_angstrom3();
  return out;
}

Eigen::VectorXd core_repulsion_atomic_energies(const CoreRepulsionSettings& s,
                                               const atomistic::Structure& structure) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(structure.size()));
  if (!s.enabled()) return out;
  for_each_pair(s, structure, own_list(s, structure),
                [&](std::size_t i, const atomistic::Neighbour& nb, const PairEnergy& p, double w) {
                  const double half = 0.5 * w * p.energy_ev;
                  out[static_cast<Eigen::Index>(i)] += half;
                  out[static_cast<Eigen::Index>(nb.atom)] += half;
                });
  return out;
}

}  // namespace ionhop::mlff
