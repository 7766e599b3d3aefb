#include "ionhop/atomistic/molecular_dynamics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <stdexcept>
#include <string>

#include "ionhop/atomistic/element_masses.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/random_stream.hpp"
#include "ionhop/core/units.hpp"

namespace ionhop::atomistic {

namespace {

constexpr double kC = ev_per_amu_in_angstrom2_per_fs2;

// Standard normals by Box–Muller, both members of each pair used (cos, then sin).
class NormalSource {
 public:
  explicit NormalSource(core::RandomStream rng) : rng_(rng) {}
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(rng_.uniform_open0()));
    const double phi = 2.0 * std::numbers::pi * rng_.uniform();
    spare_ = r * std::sin(phi);
    has_spare_ = true;
    return r * std::cos(phi);
  }

 private:
  core::RandomStream rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

std::uint64_t maxwell_boltzmann_stream() {
  static const std::uint64_t id = core::stable_hash64("ionhop.md.maxwell_boltzmann");
  return id;
}

std::uint64_t langevin_stream(std::uint64_t step) {
  static const std::uint64_t base = core::stable_hash64("ionhop.md.langevin");
  // mix64 is a bijection: distinct steps get distinct, well-spread stream ids.
  return core::mix64(base + step);
}

bool any_fixed(const Structure& s) {
  for (std::size_t k = 0; k < s.size(); ++k)
    if (s.is_fixed(k)) return true;
  return false;
}

void check_fixed_mask(const Structure& s) {
  if (!s.fixed.empty() && s.fixed.size() != s.size())
    throw InputError("", "",
                     "fixed mask has " + std::to_string(s.fixed.size()) + " entries for " +
                         std::to_string(s.size()) + " atoms");
}

// Empty velocities mean "all zero"; any other shape than 3 × N is an error.
void normalise_velocities(MdState& state) {
  const auto n = static_cast<Eigen::Index>(state.structure.size());
  if (state.velocities_angstrom_per_fs.cols() == 0) {
    state.velocities_angstrom_per_fs = Eigen::Matrix3Xd::Zero(3, n);
    return;
  }
  if (state.velocities_angstrom_per_fs.cols() != n)
    throw InputError("", "",
                     "MD state has " + std::to_string(state.velocities_angstrom_per_fs.cols()) +
                         " velocities for " + std::to_string(n) + " atoms");
}

// Shortest text that reads back as x (for error messages).
std::string number(double x) {
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

// ½ Σ m v² in eV over the first min(N, columns) atoms.
double kinetic_from(const Eigen::Matrix3Xd& v, const std::vector<double>& m) {
  double twice = 0;  // Σ m v² in amu Å²/fs²
  for (std::size_t k = 0; k < m.size() && k < static_cast<std::size_t>(v.cols()); ++k)
    twice += m[k] * v.col(static_cast<Eigen::Index>(k)).squaredNorm();
  return 0.5 * twice / kC;
}

double temperature_from(double kinetic_ev, const Structure& s) {
  const std::size_t dof = degrees_of_freedom(s);
  if (dof == 0) return 0;
  return 2.0 * kinetic_ev / (static_cast<double>(dof) * units::boltzmann_ev_per_k);
}

}  // namespace

std::size_t degrees_of_freedom(const Structure& structure) {
  std::size_t free = 0;
  for (std::size_t k = 0; k < structure.size(); ++k) free += structure.is_fixed(k) ? 0 : 1;
  if (any_fixed(structure)) return 3 * free;
  return free >= 2 ? 3 * free - 3 : 0;
}

std::vector<double> atom_masses_amu(const Structure& structure) {
  std::vector<double> m(structure.size());
  for (std::size_t k = 0; k < structure.size(); ++k) m[k] = atomic_mass_amu(structure.elements[k]);
  return m;
}

double kinetic_energy_ev(const MdState& state) {
  return kinetic_from(state.velocities_angstrom_per_fs, atom_masses_amu(state.structure));
}

double instantaneous_temperature_k(const MdState& state) {
  return temperature_from(kinetic_energy_ev(state), state.structure);
}

double LangevinDynamics::kinetic_energy_ev() const {
  return kinetic_from(state_.velocities_angstrom_per_fs, masses_amu_);
}

double LangevinDynamics::temperature_k() const {
  return temperature_from(kinetic_energy_ev(), state_.structure);
}

void assign_maxwell_boltzmann_velocities(MdState& state, double temperature_k, std::uint64_t seed) {
  if (!(temperature_k >= 0) || !std::isfinite(temperature_k))
    throw InputError("", "", "temperature must be >= 0 K (got " + number(temperature_k) + ")");
  Structure& s = state.structure;
  check_fixed_mask(s);
  const std::vector<double> m = atom_masses_amu(s);
  const auto n = static_cast<Eigen::Index>(s.size());
  Eigen::Matrix3Xd v = Eigen::Matrix3Xd::Zero(3, n);
  NormalSource normal(core::RandomStream(seed, maxwell_boltzmann_stream()));
  const double kt = units::thermal_energy_ev(temperature_k);
  for (Eigen::Index k = 0; k < n; ++k) {
    const double sigma = std::sqrt(kt * kC / m[static_cast<std::size_t>(k)]);
    for (int d = 0; d < 3; ++d) {
      const double g = normal.next();  // drawn for fixed atoms too: same stream layout
      if (!s.is_fixed(static_cast<std::size_t>(k))) v(d, k) = sigma * g;
    }
  }
  if (!any_fixed(s) && n >= 2) {
    // Remove the centre-of-mass velocity P/M: the 3 dof that degrees_of_freedom leaves out.
    Vec3 p = Vec3::Zero();
    double total_mass = 0;
    for (Eigen::Index k = 0; k < n; ++k) {
      p += m[static_cast<std::size_t>(k)] * v.col(k);
      total_mass += m[static_cast<std::size_t>(k)];
    }
    v.colwise() -= p / total_mass;
  }
  state.velocities_angstrom_per_fs = v;
  const double t_now = instantaneous_temperature_k(state);
  if (temperature_k == 0 || t_now == 0) {
    state.velocities_angstrom_per_fs.setZero();
    return;
  }
  state.velocities_angstrom_per_fs *= std::sqrt(temperature_k / t_now);
}

LangevinDynamics::LangevinDynamics(const Potential& potential, const LangevinSettings& settings,
                                   MdState initial)
    : potential_(potential), settings_(settings), state_(std::move(initial)) {
  if (!(settings_.timestep_fs > 0) || !std::isfinite(settings_.timestep_fs))
    throw InputError("", "",
                     "MD timestep must be > 0 fs (got " + number(settings_.timestep_fs) + ")");
  if (!(settings_.temperature_k >= 0) || !std::isfinite(settings_.temperature_k))
    throw InputError("", "",
                     "MD temperature must be >= 0 K (got " + number(settings_.temperature_k) + ")");
  if (!(settings_.friction_per_fs >= 0) || !std::isfinite(settings_.friction_per_fs))
    throw InputError(
        "", "",
        "Langevin friction must be >= 0 per fs (got " + number(settings_.friction_per_fs) + ")");
  Structure& s = state_.structure;
  if (static_cast<std::size_t>(s.positions_angstrom.cols()) != s.size())
    throw InputError("", "",
                     "structure has " + std::to_string(s.size()) + " elements but " +
                         std::to_string(s.positions_angstrom.cols()) + " positions");
  check_fixed_mask(s);
  normalise_velocities(state_);
  masses_amu_ = atom_masses_amu(s);

  const double h = settings_.timestep_fs;
  c1_ = std::exp(-settings_.friction_per_fs * h);
  const double kt = units::thermal_energy_ev(settings_.temperature_k);
  half_kick_factor_.assign(s.size(), 0.0);
  noise_amplitude_.assign(s.size(), 0.0);
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s.is_fixed(k)) {
      state_.velocities_angstrom_per_fs.col(static_cast<Eigen::Index>(k)).setZero();
      continue;
    }
    half_kick_factor_[k] = 0.5 * h * kC / masses_amu_[k];
    // 1 − c₁² by expm1 keeps the noise accurate when γh is tiny.
    noise_amplitude_[k] =
        std::sqrt(-std::expm1(-2.0 * settings_.friction_per_fs * h) * kt * kC / masses_amu_[k]);
  }
  compute_forces(state_.step);
}

void LangevinDynamics::compute_forces(std::uint64_t step_label) {
  energy_forces_ = potential_.compute(state_.structure);
  const auto& f = energy_forces_.forces_ev_per_angstrom;
  if (static_cast<std::size_t>(f.cols()) != state_.structure.size())
    throw std::runtime_error("MD step " + std::to_string(step_label) + ": potential returned " +
                             std::to_string(f.cols()) + " forces for " +
                             std::to_string(state_.structure.size()) + " atoms");
  if (!f.allFinite())
    throw std::runtime_error("MD step " + std::to_string(step_label) + ": non-finite forces");
  if (!std::isfinite(energy_forces_.energy_ev))
    throw std::runtime_error("MD step " + std::to_string(step_label) + ": non-finite energy");
}

void LangevinDynamics::half_kick() {
  auto& v = state_.velocities_angstrom_per_fs;
  const auto& f = energy_forces_.forces_ev_per_angstrom;
  for (std::size_t k = 0; k < half_kick_factor_.size(); ++k) {
    const auto c = static_cast<Eigen::Index>(k);
    v.col(c) += half_kick_factor_[k] * f.col(c);  // factor 0 for fixed atoms
  }
}

void LangevinDynamics::half_drift() {
  const double half = 0.5 * settings_.timestep_fs;
  // Fixed atoms have v = 0 exactly, so x + 0 leaves them bit-identical.
  state_.structure.positions_angstrom += half * state_.velocities_angstrom_per_fs;
}

void LangevinDynamics::step() {
  half_kick();                          // B
  half_drift();                         // A
  if (settings_.friction_per_fs > 0) {  // O: exact OU flow over h (identity when γ = 0)
    NormalSource normal(core::RandomStream(settings_.seed, langevin_stream(state_.step)));
    auto& v = state_.velocities_angstrom_per_fs;
    for (std::size_t k = 0; k < noise_amplitude_.size(); ++k) {
      const auto c = static_cast<Eigen::Index>(k);
      for (int d = 0; d < 3; ++d) {
        const double xi = normal.next();  // drawn for fixed atoms too: same stream layout
        if (!state_.structure.is_fixed(k)) v(d, c) = c1_ * v(d, c) + noise_amplitude_[k] * xi;
      }
    }
  }
  half_drift();  // A
  state_.step += 1;
  state_.time_fs += settings_.timestep_fs;
  compute_forces(state_.step);
  half_kick();  // B
}

void LangevinDynamics::run(std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) step();
}

}  // namespace ionhop::atomistic
