// Coulomb energy, forces and stress of point charges in a periodic (triclinic) cell by Ewald
// summation, plus the periodic cell-list pair finder that the real-space sums share.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// e²/(4π ε0) in eV·Å (CODATA 2018: 14.3996454784…; the 7 digits that the project uses).
inline constexpr double kCoulombEvAngstrom = 14.399645;

struct EwaldSettings {
  // Target relative accuracy of the energy. With p = sqrt(−ln accuracy) the real-space sum is
  // cut at r_c = p/α (terms ~ erfc(α r_c) ≈ e^(−p²)) and the reciprocal sum at
  // k_c = 2αp (terms ~ e^(−k_c²/4α²) = e^(−p²)), so both truncation errors are ~ accuracy.
  double accuracy = 1e-8;
  // Splitting parameter α (1/Å); 0 = choose it to balance real and reciprocal work (see
  // choose_ewald_parameters). The result does not depend on α beyond `accuracy`.
  double alpha_per_angstrom = 0;
};

struct EwaldParameters {
  double alpha_per_angstrom = 0;
  double real_cutoff_angstrom = 0;
  double reciprocal_cutoff_per_angstrom = 0;
};

// α, r_c and k_c for a cell with `atoms` charges. Automatic α = (π³N)^(1/6) / V^(1/3): there
// the real-space work, N²(2π/3)(p/α)³/V pairs, equals the reciprocal work, N·V(2αp)³/(12π²)
// (k, atom) terms over half of k-space, so the total cost scales as N^(3/2).
EwaldParameters choose_ewald_parameters(const Eigen::Matrix3d& cell_angstrom, std::size_t atoms,
                                        const EwaldSettings& settings);

// Ewald sum (eV, eV/Å, eV/Å³) of charges q_i (e) at the structure's positions:
//   E = E_real + E_recip + E_self + E_background with
//   E_real  = k_e Σ_{i<j,n} q_i q_j erfc(α r)/r   (all images n, r < r_c; self images i = j,
//             n ≠ 0, counted once per ±n pair)
//   E_recip = (k_e/2V) Σ_{k≠0} (4π/k²) exp(−k²/4α²) |S(k)|²,   S(k) = Σ_j q_j exp(i k·r_j)
//   E_self  = −k_e (α/√π) Σ q_i²
//   E_background = −k_e π Q² / (2 V α²),   Q = Σ q_i
// The background term is the energy of a uniform neutralising charge density −Q/V; it makes
// the energy of a charged cell finite and independent of α (for Q = 0 it vanishes).
// Stress: σ = (1/V) ∂E/∂ε (Potential's convention), from the pair virial in real space, the
// analytic strain derivative of each k term, and −E_background·δ for the background.
// Thread-safe (no shared state). Throws InputError if two charged atoms coincide, or if
// charges.size() != structure.size().
EnergyForces ewald_coulomb(const Structure& structure, const std::vector<double>& charges_e,
                           const EwaldSettings& settings = {});

// All pairs of atoms closer than a cutoff in a periodic triclinic cell, including periodic
// images (any cutoff, even one larger than the cell: then an atom also pairs with its own
// images). Atoms are binned in fractional coordinates into slabs at least `cutoff` thick, so
// a pair can only sit in neighbouring bins; cost O(N · neighbours).
class PeriodicPairFinder {
 public:
  PeriodicPairFinder(const Eigen::Matrix3d& cell_angstrom, const Eigen::Matrix3Xd& positions,
                     double cutoff_angstrom);

  // Calls f(i, j, d, r²) once for every unordered pair (i ≤ j, image) with
  // |d| < cutoff, where d = r_j + image − r_i (Å). For i == j (own images, n ≠ 0) the pair
  // (n, −n) is reported once.
  template <class F>
  void for_each_pair(F&& f) const;

 private:
  Eigen::Matrix3d cell_;
  double cutoff2_ = 0;
  std::array<int, 3> bins_{1, 1, 1}, reach_{1, 1, 1};
  Eigen::Matrix3Xd wrapped_;  // positions mapped into the cell
  std::vector<std::array<int, 3>> bin_of_;
  std::vector<std::size_t> bin_start_, bin_atoms_;  // atoms of bin b: [start[b], start[b+1])
};

template <class F>
void PeriodicPairFinder::for_each_pair(F&& f) const {
  const auto n_atoms = static_cast<std::size_t>(wrapped_.cols());
  auto floor_div = [](int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  for (std::size_t i = 0; i < n_atoms; ++i) {
    const std::array<int, 3>& bi = bin_of_[i];
    const Vec3 ri = wrapped_.col(static_cast<Eigen::Index>(i));
    for (int d0 = -reach_[0]; d0 <= reach_[0]; ++d0)
      for (int d1 = -reach_[1]; d1 <= reach_[1]; ++d1)
        for (int d2 = -reach_[2]; d2 <= reach_[2]; ++d2) {
          const std::array<int, 3> raw{bi[0] + d0, bi[1] + d1, bi[2] + d2};
          std::array<int, 3> image{}, bj{};
          for (int a = 0; a < 3; ++a) {
            image[a] = floor_div(raw[a], bins_[a]);
            bj[a] = raw[a] - image[a] * bins_[a];
          }
          // Lexicographic sign of the image: decides which of (n, −n) reports a self pair.
          const bool image_positive =
              image[0] > 0 || (image[0] == 0 && (image[1] > 0 || (image[1] == 0 && image[2] > 0)));
          const Vec3 shift = cell_.transpose() * Vec3(image[0], image[1], image[2]);
          const std::size_t b =
              (static_cast<std::size_t>(bj[0]) * bins_[1] + static_cast<std::size_t>(bj[1])) *
                  bins_[2] +
              static_cast<std::size_t>(bj[2]);
          for (std::size_t k = bin_start_[b]; k < bin_start_[b + 1]; ++k) {
            const std::size_t j = bin_atoms_[k];
            if (j < i || (j == i && !image_positive)) continue;
            const Vec3 d = wrapped_.col(static_cast<Eigen::Index>(j)) + shift - ri;
            const double r2 = d.squaredNorm();
            if (r2 < cutoff2_) f(i, j, d, r2);
          }
        }
  }
}

}  // namespace ionhop::atomistic
