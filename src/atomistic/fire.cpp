// FIRE minimiser: the single FIRE update (FireStepper) and its two drivers, generic vector
// objectives and stepwise structure relaxation with fixed atoms.
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

namespace {
Structure checked_structure(Structure s) {
  if (s.positions_angstrom.cols() != static_cast<Eigen::Index>(s.size()))
    throw InputError("", "",
                     "structure has " + std::to_string(s.size()) + " elements but " +
                         std::to_string(s.positions_angstrom.cols()) + " positions");
  if (!s.fixed.empty() && s.fixed.size() != s.size())
    throw InputError("", "",
                     "structure's fixed mask has " + std::to_string(s.fixed.size()) +
                         " entries for " + std::to_string(s.size()) + " atoms");
  return s;
}
}  // namespace

StepwiseRelaxation::StepwiseRelaxation(const Potential& potential, Structure start,
                                       const FireParameters& fire)
    : potential_(potential),
      structure_(checked_structure(std::move(start))),
      stepper_(fire, static_cast<Eigen::Index>(3 * structure_.size())),
      x_(Eigen::Map<const Eigen::VectorXd>(structure_.positions_angstrom.data(),
                                           structure_.positions_angstrom.size())) {
  evaluate();
}

void StepwiseRelaxation::evaluate() {
  const EnergyForces ef = potential_.compute(structure_);
  energy_ev_ = ef.energy_ev;
  force_ = Eigen::Map<const Eigen::VectorXd>(ef.forces_ev_per_angstrom.data(),
                                             ef.forces_ev_per_angstrom.size());
  for (std::size_t k = 0; k < structure_.size(); ++k)
    if (structure_.is_fixed(k)) force_.segment<3>(3 * static_cast<Eigen::Index>(k)).setZero();
  max_force_ = max_block_norm(force_);
}

void StepwiseRelaxation::step() {
  stepper_.step(x_, force_);
  structure_.positions_angstrom = Eigen::Map<const Eigen::Matrix3Xd>(x_.data(), 3, x_.size() / 3);
  ++steps_;
  evaluate();
}

RelaxResult relax(const Potential& potential, Structure structure, const FireSettings& settings) {
  StepwiseRelaxation r(potential, std::move(structure), settings.fire);
  RelaxResult out;
  const std::size_t monitor_every = std::max<std::size_t>(settings.monitor_every_steps, 1);
  for (;;) {
    if (settings.progress)
      settings.progress(r.steps(), r.energy_ev(), r.max_force_ev_per_angstrom());
    if (settings.monitor && r.steps() % monitor_every == 0 &&
        !settings.monitor(r.steps(), r.structure())) {
      out.stopped = true;
      break;
    }
    // The tolerance test is made on the configuration being returned, so `converged` is
    // never claimed for a state that was not checked.
    if (r.max_force_ev_per_angstrom() < settings.force_tolerance_ev_per_angstrom) {
      out.converged = true;
      break;
    }
    if (r.steps() >= settings.max_steps) break;
    r.step();
  }
  out.structure = r.structure();
  out.energy_ev = r.energy_ev();
  out.max_force_ev_per_angstrom = r.max_force_ev_per_angstrom();
  out.steps = r.steps();
  return out;
}

}  // namespace ionhop::atomistic
