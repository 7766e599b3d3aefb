// Analytic test potentials: Müller–Brown, a 2D double well and a shifted-force Morse pair
// potential, with exact forces (checked against finite differences in the tests).
#include "ionhop/atomistic/analytic_surfaces.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <nlohmann/json.hpp>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {

// Standard Müller–Brown parameters (Müller & Brown 1979, Table I).
constexpr double kA[4] = {-200, -100, -170, 15};
constexpr double ka[4] = {-1, -1, -6.5, 0.7};
constexpr double kb[4] = {0, 0, 11, 0.6};
constexpr double kc[4] = {-10, -10, -6.5, 0.7};
constexpr double kX0[4] = {1, 0, -0.5, -1};
constexpr double kY0[4] = {0, 0.5, 1.5, 1};

void require_single_atom(const Structure& structure, const std::string& potential) {
  if (structure.size() != 1 || structure.positions_angstrom.cols() != 1)
    throw InputError("", "",
                     potential + " applies to one-atom structures, got " +
                         std::to_string(structure.size()) + " atoms");
}

EnergyForces planar_result(double energy_ev, const Eigen::Vector2d& gradient) {
  EnergyForces out;
  out.energy_ev = energy_ev;
  out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, 1);
  out.forces_ev_per_angstrom(0, 0) = -gradient[0];
  out.forces_ev_per_angstrom(1, 0) = -gradient[1];
  return out;
}

}  // namespace

Structure single_atom_structure(double x_angstrom, double y_angstrom, double cell_angstrom,
                                const std::string& element) {
  Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * cell_angstrom;
  s.append(element, Vec3(x_angstrom, y_angstrom, 0.0));
  return s;
}

// ---- Müller–Brown -------------------------------------------------------------------------

double MullerBrownPotential::energy(const Eigen::Vector2d& xy) {
  double v = 0;
  for (int k = 0; k < 4; ++k) {
    const double dx = xy[0] - kX0[k], dy = xy[1] - kY0[k];
    v += kA[k] * std::exp(ka[k] * dx * dx + kb[k] * dx * dy + kc[k] * dy * dy);
  }
  return v;
}

Eigen::Vector2d MullerBrownPotential::gradient(const Eigen::Vector2d& xy) {
  Eigen::Vector2d g = Eigen::Vector2d::Zero();
  for (int k = 0; k < 4; ++k) {
    const double dx = xy[0] - kX0[k], dy = xy[1] - kY0[k];
    const double term = kA[k] * std::exp(ka[k] * dx * dx + kb[k] * dx * dy + kc[k] * dy * dy);
    g[0] += term * (2 * ka[k] * dx + kb[k] * dy);
    g[1] += term * (kb[k] * dx + 2 * kc[k] * dy);
  }
  return g;
}

Eigen::Matrix2d MullerBrownPotential::hessian(const Eigen::Vector2d& xy) {
  Eigen::Matrix2d h = Eigen::Matrix2d::Zero();
  for (int k = 0; k < 4; ++k) {
    const double dx = xy[0] - kX0[k], dy = xy[1] - kY0[k];
    const double term = kA[k] * std::exp(ka[k] * dx * dx + kb[k] * dx * dy + kc[k] * dy * dy);
    const double px = 2 * ka[k] * dx + kb[k] * dy;  // ∂(exponent)/∂x
    const double py = kb[k] * dx + 2 * kc[k] * dy;  // ∂(exponent)/∂y
    h(0, 0) += term * (px * px + 2 * ka[k]);
    h(1, 1) += term * (py * py + 2 * kc[k]);
    h(0, 1) += term * (px * py + kb[k]);
  }
  h(1, 0) = h(0, 1);
  return h;
}

std::string MullerBrownPotential::parameters_json() const {
  nlohmann::json j;
  j["A"] = kA;
  j["a"] = ka;
  j["b"] = kb;
  j["c"] = kc;
  j["x0"] = kX0;
  j["y0"] = kY0;
  return j.dump();
}

EnergyForces MullerBrownPotential::compute(const Structure& structure) const {
  require_single_atom(structure, "muller-brown");
  const Eigen::Vector2d xy = structure.positions_angstrom.col(0).head<2>();
  return planar_result(energy(xy), gradient(xy));
}

// ---- Double well --------------------------------------------------------------------------

DoubleWellPotential::DoubleWellPotential(double barrier_ev, double half_width_angstrom,
                                         double transverse_stiffness_ev_per_angstrom2)
    : barrier_ev_(barrier_ev),
      half_width_angstrom_(half_width_angstrom),
      stiffness_ev_per_angstrom2_(transverse_stiffness_ev_per_angstrom2) {
  if (!(half_width_angstrom > 0))
    throw InputError("", "", "double-well half width must be positive");
}

std::string DoubleWellPotential::parameters_json() const {
  nlohmann::json j;
  j["barrier_ev"] = barrier_ev_;
  j["half_width_angstrom"] = half_width_angstrom_;
  j["transverse_stiffness_ev_per_angstrom2"] = stiffness_ev_per_angstrom2_;
  return j.dump();
}

EnergyForces DoubleWellPotential::compute(const Structure& structure) const {
  require_single_atom(structure, "double-well");
  const double x = structure.positions_angstrom(0, 0), y = structure.positions_angstrom(1, 0);
  const double w2 = half_width_angstrom_ * half_width_angstrom_;
  const double q = x * x / w2 - 1;
  const double energy = barrier_ev_ * q * q + 0.5 * stiffness_ev_per_angstrom2_ * y * y;
  const Eigen::Vector2d gradient(barrier_ev_ * 2 * q * 2 * x / w2, stiffness_ev_per_angstrom2_ * y);
  return planar_result(energy, gradient);
}

// ---- Morse pair ---------------------------------------------------------------------------

MorsePairPotential::MorsePairPotential(const MorseParameters& parameters) : p_(parameters) {
  if (!(p_.cutoff_angstrom > 0) || !(p_.alpha_per_angstrom > 0) ||
      !(p_.equilibrium_distance_angstrom > 0))
    throw InputError("", "", "morse-pair parameters must be positive");
  phi_cut_ = phi(p_.cutoff_angstrom);
  dphi_cut_ = dphi(p_.cutoff_angstrom);
}

double MorsePairPotential::phi(double r) const {
  const double e = std::exp(-p_.alpha_per_angstrom * (r - p_.equilibrium_distance_angstrom));
  return p_.depth_ev * ((1 - e) * (1 - e) - 1);
}

double MorsePairPotential::dphi(double r) const {
  const double e = std::exp(-p_.alpha_per_angstrom * (r - p_.equilibrium_distance_angstrom));
  return p_.depth_ev * 2 * (1 - e) * p_.alpha_per_angstrom * e;
}

std::string MorsePairPotential::parameters_json() const {
  nlohmann::json j;
  j["depth_ev"] = p_.depth_ev;
  j["alpha_per_angstrom"] = p_.alpha_per_angstrom;
  j["equilibrium_distance_angstrom"] = p_.equilibrium_distance_angstrom;
  j["cutoff_angstrom"] = p_.cutoff_angstrom;
  j["truncation"] = "shifted-force";
  return j.dump();
}

EnergyForces MorsePairPotential::compute(const Structure& structure) const {
  // Minimum image finds at most one image per pair: exact only while 2 rc ≤ smallest width.
  if (2 * p_.cutoff_angstrom > structure.min_perpendicular_width_angstrom() + 1e-12)
    throw InputError("", "",
                     "morse-pair cutoff " + std::to_string(p_.cutoff_angstrom) +
                         " Å exceeds half the cell's smallest perpendicular width");
  const auto n = static_cast<Eigen::Index>(structure.size());
  EnergyForces out;
  out.forces_ev_per_angstrom = Eigen::Matrix3Xd::Zero(3, n);
  // Fractional-space rounding with a precomputed inverse; exact for orthogonal cells, and
  // Structure::minimum_image (27-image search) is used when the cell is skewed.
  const Eigen::Matrix3d h_t = structure.cell_angstrom.transpose();
  const Eigen::Matrix3d h_t_inv = h_t.inverse();
  const Eigen::Matrix3d metric = structure.cell_angstrom * h_t;
  const bool orthogonal =
      (metric - Eigen::Matrix3d(metric.diagonal().asDiagonal())).norm() < 1e-12 * metric.norm();
  const double rc2 = p_.cutoff_angstrom * p_.cutoff_angstrom;
  double energy = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const Vec3 raw = structure.positions_angstrom.col(j) - structure.positions_angstrom.col(i);
      Vec3 d;
      if (orthogonal) {
        Vec3 s = h_t_inv * raw;
        for (int a = 0; a < 3; ++a) s[a] -= std::round(s[a]);
        d = h_t * s;
      } else {
        d = structure.minimum_image(raw);
      }
      const double r2 = d.squaredNorm();
      if (r2 >= rc2) continue;
      const double r = std::sqrt(r2);
      energy += phi(r) - phi_cut_ - (r - p_.cutoff_angstrom) * dphi_cut_;
      // F_j = −∂E/∂r_j = −φ_sf'(r) d/r; F_i = −F_j.
      const Vec3 f_j = -(dphi(r) - dphi_cut_) / r * d;
      out.forces_ev_per_angstrom.col(j) += f_j;
      out.forces_ev_per_angstrom.col(i) -= f_j;
    }
  }
  out.energy_ev = energy;
  return out;
}

}  // namespace ionhop::atomistic
