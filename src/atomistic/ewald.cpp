// Ewald summation of point charges in a triclinic periodic cell (energy, forces, stress) and
// the cell-list pair finder shared with the short-range pair potentials.
#include "ionhop/atomistic/ewald.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <sstream>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {
using std::numbers::pi;

// Perpendicular widths of the cell (distance between opposite faces), Å.
Vec3 perpendicular_widths(const Eigen::Matrix3d& cell) {
  const double volume = std::abs(cell.determinant());
  Vec3 w;
  for (int a = 0; a < 3; ++a) {
    const Vec3 b = cell.row((a + 1) % 3).transpose();
    const Vec3 c = cell.row((a + 2) % 3).transpose();
    w[a] = volume / b.cross(c).norm();
  }
  return w;
}

std::string format_number(double x) {
  std::ostringstream s;
  s.precision(4);
  s << x;
  return s.str();
}
}  // namespace

PeriodicPairFinder::PeriodicPairFinder(const Eigen::Matrix3d& cell_angstrom,
                                       const Eigen::Matrix3Xd& positions, double cutoff_angstrom)
    : cell_(cell_angstrom), cutoff2_(cutoff_angstrom * cutoff_angstrom) {
  const Vec3 widths = perpendicular_widths(cell_);
  for (int a = 0; a < 3; ++a) {
    // Slabs of fractional thickness 1/bins are widths[a]/bins ≥ cutoff thick when bins > 1.
    // Two atoms whose bins differ by |d| along a are at least (|d| − 1)·widths[a]/bins apart,
    // so |d| ≤ ceil(cutoff·bins/width) covers every pair within the cutoff, images included.
    bins_[a] = std::max(1, static_cast<int>(std::floor(widths[a] / cutoff_angstrom)));
    bins_[a] = std::min(bins_[a], 64);  // bounds memory for huge cells / tiny cutoffs
    reach_[a] = static_cast<int>(std::ceil(cutoff_angstrom * bins_[a] / widths[a]));
  }
  const auto n = positions.cols();
  wrapped_.resize(3, n);
  bin_of_.resize(static_cast<std::size_t>(n));
  const Eigen::Matrix3d to_fractional = cell_.transpose().inverse();  // s = H⁻ᵀ r
  const std::size_t n_bins = static_cast<std::size_t>(bins_[0]) * bins_[1] * bins_[2];
  std::vector<std::size_t> count(n_bins + 1, 0);
  std::vector<std::size_t> flat(static_cast<std::size_t>(n));
  for (Eigen::Index k = 0; k < n; ++k) {
    Vec3 s = to_fractional * positions.col(k);
    std::array<int, 3> bin{};
    for (int a = 0; a < 3; ++a) {
      s[a] -= std::floor(s[a]);
      if (s[a] >= 1.0) s[a] = 0.0;  // floor rounding can leave exactly 1
      bin[a] = std::min(bins_[a] - 1, static_cast<int>(s[a] * bins_[a]));
    }
    wrapped_.col(k) = cell_.transpose() * s;
    bin_of_[static_cast<std::size_t>(k)] = bin;
    flat[static_cast<std::size_t>(k)] =
        (static_cast<std::size_t>(bin[0]) * bins_[1] + static_cast<std::size_t>(bin[1])) *
            bins_[2] +
        static_cast<std::size_t>(bin[2]);
    ++count[flat[static_cast<std::size_t>(k)] + 1];
  }
  // Counting sort of atoms by bin.
  for (std::size_t b = 0; b < n_bins; ++b) count[b + 1] += count[b];
  bin_start_ = count;
  bin_atoms_.resize(static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) bin_atoms_[count[flat[k]]++] = k;
}

EwaldParameters choose_ewald_parameters(const Eigen::Matrix3d& cell_angstrom, std::size_t atoms,
                                        const EwaldSettings& settings) {
  if (!(settings.accuracy > 0 && settings.accuracy < 1))
    throw InputError(
        "", "", "Ewald accuracy must be in (0, 1) (got " + format_number(settings.accuracy) + ")");
  const double volume = std::abs(cell_angstrom.determinant());
  if (!(volume > 0)) throw InputError("", "", "the cell has zero volume");
  const double p = std::sqrt(-std::log(settings.accuracy));
  EwaldParameters e;
  e.alpha_per_angstrom =
      settings.alpha_per_angstrom > 0
          ? settings.alpha_per_angstrom
          : std::pow(pi * pi * pi * static_cast<double>(std::max<std::size_t>(atoms, 1)),
                     1.0 / 6.0) /
                std::cbrt(volume);
  e.real_cutoff_angstrom = p / e.alpha_per_angstrom;
  e.reciprocal_cutoff_per_angstrom = 2 * e.alpha_per_angstrom * p;
  return e;
}

EnergyForces ewald_coulomb(const Structure& structure, const std::vector<double>& charges_e,
                           const EwaldSettings& settings) {
  const std::size_t n = structure.size();
  if (charges_e.size() != n)
    throw InputError("", "",
                     "Ewald: " + std::to_string(charges_e.size()) + " charges for " +
                         std::to_string(n) + " atoms");
  EnergyForces out;
  out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(n));
  out.has_stress = true;
  const bool all_zero =
      std::all_of(charges_e.begin(), charges_e.end(), [](double q) { return q == 0.0; });
  if (n == 0 || all_zero) return out;

  const Eigen::Matrix3d& cell = structure.cell_angstrom;
  const double volume = structure.volume_angstrom3();
  const EwaldParameters ep = choose_ewald_parameters(cell, n, settings);
  const double alpha = ep.alpha_per_angstrom;
  const double ke = kCoulombEvAngstrom;
  Eigen::Matrix3d virial = Eigen::Matrix3d::Zero();  // V σ = ∂E/∂ε
  double energy = 0;

  // Real space: φ(r) = k_e q_i q_j erfc(αr)/r over pairs and images within r_c.
  {
    const double two_alpha_over_sqrt_pi = 2 * alpha / std::sqrt(pi);
    PeriodicPairFinder finder(cell, structure.positions_angstrom, ep.real_cutoff_angstrom);
    finder.for_each_pair([&](std::size_t i, std::size_t j, const Vec3& d, double r2) {
      const double qq = ke * charges_e[i] * charges_e[j];
      if (qq == 0) return;
      if (r2 < 1e-20)
        throw InputError("", "",
                         "Ewald: charged atoms " + std::to_string(i) + " and " + std::to_string(j) +
                             " coincide");
      const double r = std::sqrt(r2);
      const double erfc_term = std::erfc(alpha * r) / r;
      energy += qq * erfc_term;
      // dφ/dr = −k_e q_i q_j [erfc(αr)/r² + (2α/√π) exp(−α²r²)/r]
      const double dphi_dr =
          -qq * (erfc_term + two_alpha_over_sqrt_pi * std::exp(-alpha * alpha * r2)) / r;
      const Vec3 f = (dphi_dr / r) * d;  // force on i (d = r_j − r_i); −f on j
      out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(i)) += f;
      out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(j)) -= f;
      virial += (dphi_dr / r) * d * d.transpose();
    });
  }

  // Reciprocal space over half of k-space (k and −k give equal terms): k = Σ m_a g_a with
  // g_a the rows of 2π H⁻ᵀ. exp(i k·r) is built from per-axis phase tables by recurrence.
  {
    const Eigen::Matrix3d g = 2 * pi * cell.inverse().transpose();  // rows g_a: a_b·g_a = 2πδ
    const double kc = ep.reciprocal_cutoff_per_angstrom;
    std::array<int, 3> m_max{};
    for (int a = 0; a < 3; ++a)
      m_max[a] = static_cast<int>(std::floor(kc * cell.row(a).norm() / (2 * pi)));
    using C = std::complex<double>;
    // phase[a][(m + M_a)·n + i] = exp(i m g_a·r_i)
    std::array<std::vector<C>, 3> phase;
    for (int a = 0; a < 3; ++a) {
      const int M = m_max[a];
      phase[a].assign(static_cast<std::size_t>(2 * M + 1) * n, C(1, 0));
      for (std::size_t i = 0; i < n; ++i) {
        const double theta =
            g.row(a).dot(structure.positions_angstrom.col(static_cast<Eigen::Index>(i)));
        const C step(std::cos(theta), std::sin(theta));
        C up(1, 0);
        for (int m = 1; m <= M; ++m) {
          up *= step;
          phase[a][static_cast<std::size_t>(M + m) * n + i] = up;
          phase[a][static_cast<std::size_t>(M - m) * n + i] = std::conj(up);
        }
      }
    }
    auto table = [&](int a, int m) {
      return &phase[a][static_cast<std::size_t>(m + m_max[a]) * n];
    };
    std::vector<C> e12(n), z(n);
    const double prefactor = ke / volume;  // (k_e/2V)·2 for the ±k pair
    const double inv_4alpha2 = 1.0 / (4 * alpha * alpha);
    const Eigen::Matrix3d identity = Eigen::Matrix3d::Identity();
    for (int m0 = 0; m0 <= m_max[0]; ++m0) {
      const C* e0 = table(0, m0);
      for (int m1 = (m0 == 0 ? 0 : -m_max[1]); m1 <= m_max[1]; ++m1) {
        const C* e1 = table(1, m1);
        for (std::size_t i = 0; i < n; ++i) e12[i] = e0[i] * e1[i];
        for (int m2 = (m0 == 0 && m1 == 0 ? 1 : -m_max[2]); m2 <= m_max[2]; ++m2) {
          const Vec3 k = g.transpose() * Vec3(m0, m1, m2);
          const double k2 = k.squaredNorm();
          if (k2 > kc * kc) continue;
          const C* e2 = table(2, m2);
          C s(0, 0);
          for (std::size_t i = 0; i < n; ++i) {
            z[i] = e12[i] * e2[i];
            s += charges_e[i] * z[i];
          }
          const double a_k = 4 * pi / k2 * std::exp(-k2 * inv_4alpha2);
          const double e_k = prefactor * a_k * std::norm(s);
          energy += e_k;
          // ∂E_k/∂ε = E_k [−δ + 2 k kᵀ (1/k² + 1/4α²)]  (S(k) is invariant under strain)
          virial += e_k * (-identity + 2 * (1 / k2 + inv_4alpha2) * k * k.transpose());
          // F_i = −∂E_k/∂r_i = 2 (k_e/V) A_k q_i Im(S* z_i) k
          const double force_scale = 2 * prefactor * a_k;
          for (std::size_t i = 0; i < n; ++i) {
            if (charges_e[i] == 0) continue;
            const double im = (std::conj(s) * z[i]).imag();
            out.forces_ev_per_angstrom.col(static_cast<Eigen::Index>(i)) +=
                (force_scale * charges_e[i] * im) * k;
          }
        }
      }
    }
  }

  // Self energy (no force, no strain dependence) and neutralising background.
  double q_total = 0, q2_total = 0;
  for (double q : charges_e) q_total += q, q2_total += q * q;
  energy += -ke * alpha / std::sqrt(pi) * q2_total;
  const double e_background = -ke * pi * q_total * q_total / (2 * volume * alpha * alpha);
  energy += e_background;
  virial += -e_background * Eigen::Matrix3d::Identity();  // E_bg ∝ 1/V

  out.energy_ev = energy;
  out.stress_ev_per_angstrom3 = virial / volume;
  return out;
}

}  // namespace ionhop::atomistic
