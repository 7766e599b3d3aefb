// FIRE minimiser: the single FIRE update (FireStepper) and its two drivers, generic vector
// objectives and structure relaxation with fixed atoms.
#include "ionhop/atomistic/fire.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

FireStepper::FireStepper(const FireParameters& parameters, Eigen::Index size)
    : p_(parameters), velocity_(Eigen::VectorXd::Zero(size)) {
  assert(size % 3 == 0);
  reset();
}

void FireStepper::reset() {
  velocity_.setZero();
  dt_ = p_.dt_start;
  alpha_ = p_.alpha_start;
  steps_since_negative_power_ = 0;
  first_ = true;
}

void FireStepper::step(Eigen::VectorXd& x, const Eigen::VectorXd& force) {
  assert(x.size() == velocity_.size() && force.size() == velocity_.size());
  // Order as in ASE's FIRE: decide on the power P = F·v of the current state, mix, then
  // an explicit Euler step with unit masses. The very first step starts from v = 0 and
  // skips the power test (P = 0 would otherwise halve dt before anything happened).
  if (!first_) {
    const double power = force.dot(velocity_);
    if (power > 0) {
      // v ← (1−α) v + α |v| F̂ (Bitzek et al. 2006, Eq. (1) of the FIRE scheme).
      const double f_norm = force.norm();
      if (f_norm > 0)
        velocity_ = (1 - alpha_) * velocity_ + alpha_ * velocity_.norm() / f_norm * force;
      // Accelerate only after N_min downhill steps in a row.
      if (steps_since_negative_power_ > p_.n_min) {
        dt_ = std::min(dt_ * p_.f_inc, p_.dt_max);
        alpha_ *= p_.f_alpha;
      }
      ++steps_since_negative_power_;
    } else {
      // Uphill: stop, shorten the time step and restart with the initial mixing.
      velocity_.setZero();
      dt_ *= p_.f_dec;
      alpha_ = p_.alpha_start;
      steps_since_negative_power_ = 0;
    }
  }
  first_ = false;
  velocity_ += dt_ * force;
  Eigen::VectorXd dx = dt_ * velocity_;
  // Cap the largest per-atom displacement, scaling the whole step so its direction is kept.
  const double largest = max_block_norm(dx);
  if (largest > p_.max_step_angstrom) dx *= p_.max_step_angstrom / largest;
  x += dx;
}

double max_block_norm(const Eigen::VectorXd& v) {
  assert(v.size() % 3 == 0);
  double best = 0;
  for (Eigen::Index k = 0; k < v.size(); k += 3) best = std::max(best, v.segment<3>(k).norm());
  return best;
}

FireVectorResult fire_minimize(const FireObjective& objective, Eigen::VectorXd x,
                               const FireSettings& settings) {
  if (x.size() % 3 != 0)
    throw InputError("", "", "FIRE coordinates must come in blocks of 3 (one per atom)");
  FireStepper stepper(settings.fire, x.size());
  Eigen::VectorXd force(x.size());
  FireVectorResult out;
  for (std::size_t step = 0;; ++step) {
    force.setZero();
    out.value = objective(x, force);
    out.max_force = max_block_norm(force);
    out.steps = step;
    if (settings.progress) settings.progress(step, out.value, out.max_force);
    // The tolerance test is made on the configuration being returned, so `converged` is
    // never claimed for a state that was not checked.
    if (out.max_force < settings.force_tolerance_ev_per_angstrom) {
      out.converged = true;
      break;
    }
    if (step >= settings.max_steps) break;
    stepper.step(x, force);
  }
  out.x = std::move(x);
  return out;
}

RelaxResult relax(const Potential& potential, Structure structure, const FireSettings& settings) {
  const auto n = static_cast<Eigen::Index>(structure.size());
  if (structure.positions_angstrom.cols() != n)
    throw InputError("", "",
                     "structure has " + std::to_string(structure.size()) + " elements but " +
                         std::to_string(structure.positions_angstrom.cols()) + " positions");
  if (!structure.fixed.empty() && structure.fixed.size() != structure.size())
    throw InputError("", "",
                     "structure's fixed mask has " + std::to_string(structure.fixed.size()) +
                         " entries for " + std::to_string(structure.size()) + " atoms");
  const Eigen::VectorXd start =
      Eigen::Map<const Eigen::VectorXd>(structure.positions_angstrom.data(), 3 * n);
  Structure work = structure;
  const FireObjective objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& force) {
    work.positions_angstrom = Eigen::Map<const Eigen::Matrix3Xd>(x.data(), 3, n);
    const EnergyForces ef = potential.compute(work);
    force = Eigen::Map<const Eigen::VectorXd>(ef.forces_ev_per_angstrom.data(), 3 * n);
    // Fixed atoms: zero force ⇒ FIRE never moves them (v starts at 0 and only gains dt·F)
    // and they drop out of the max-force test.
    for (Eigen::Index k = 0; k < n; ++k)
      if (work.is_fixed(static_cast<std::size_t>(k))) force.segment<3>(3 * k).setZero();
    return ef.energy_ev;
  };
  FireVectorResult r = fire_minimize(objective, start, settings);
  structure.positions_angstrom = Eigen::Map<const Eigen::Matrix3Xd>(r.x.data(), 3, n);
  RelaxResult out;
  out.structure = std::move(structure);
  out.energy_ev = r.value;
  out.max_force_ev_per_angstrom = r.max_force;
  out.steps = r.steps;
  out.converged = r.converged;
  return out;
}

}  // namespace ionhop::atomistic
