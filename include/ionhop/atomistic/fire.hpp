// FIRE minimiser (Bitzek, Koskinen, Gähler, Moseler & Gumbsch, PRL 97, 170201 (2006)) for
// structures and for generic stacked-coordinate objectives (CI-NEB bands, IDPP).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <functional>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// The algorithm's tunables. Masses are all 1 (as in ASE's FIRE): the dynamics is only a
// device for descending, so the time unit is arbitrary and dt is tuned to the stiffness.
struct FireParameters {
  double dt_start = 0.1;
  double dt_max = 1.0;
  // Largest displacement of any one atom in one step (Å); a longer step is scaled down as a
  // whole, keeping its direction.
  double max_step_angstrom = 0.2;
  // Standard values from Bitzek et al. 2006.
  std::size_t n_min = 5;
  double f_inc = 1.1;
  double f_dec = 0.5;
  double alpha_start = 0.1;
  double f_alpha = 0.99;
};

// Called once per evaluated configuration: step (0 = start), value (energy), max per-atom |F|.
using FireProgress = std::function<void(std::size_t step, double value, double max_force)>;

struct FireSettings {
  FireParameters fire;
  // Converged when the largest per-atom |F| of the movable atoms is below this (eV/Å).
  double force_tolerance_ev_per_angstrom = 0.01;
  // Maximum number of FIRE updates (0: only evaluate the start).
  std::size_t max_steps = 1000;
  FireProgress progress;  // optional
  // Optional watch of a structure relaxation (relax() only): called with the structure at the
  // start and then every monitor_every_steps updates; returning false stops the relaxation
  // there (RelaxResult::stopped). Campaigns use it to stop an endpoint where an MLFF becomes
  // uncertain, before the optimiser follows the model's extrapolation into nonsense.
  std::function<bool(std::size_t step, const Structure& structure)> monitor;
  std::size_t monitor_every_steps = 10;
};

// One FIRE integrator state; FireStepper::step is the single implementation of the FIRE update
// used by structure relaxation, fire_minimize and the CI-NEB band.
// Coordinates are grouped in blocks of 3 (one atom) for the per-atom step cap.
class FireStepper {
 public:
  FireStepper(const FireParameters& parameters, Eigen::Index size);
  // Moves x one FIRE step along the force at x (components to keep fixed must carry 0 force).
  void step(Eigen::VectorXd& x, const Eigen::VectorXd& force);
  // Forgets the velocity and restores dt and α (e.g. when the force field changes, as when
  // the climbing image is switched on).
  void reset();
  double dt() const { return dt_; }

 private:
  FireParameters p_;
  Eigen::VectorXd velocity_;
  double dt_, alpha_;
  std::size_t steps_since_negative_power_ = 0;
  bool first_ = true;
};

// Largest 3-block norm of v (largest per-atom |F| for a stacked force vector).
double max_block_norm(const Eigen::VectorXd& v);

// Objective for fire_minimize: returns the value at x and writes the force (−gradient, 0 for
// components that must not move) into `force` (sized like x).
using FireObjective = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& force)>;

struct FireVectorResult {
  Eigen::VectorXd x;
  double value = 0;      // objective at x
  double max_force = 0;  // largest 3-block norm of the force at x
  std::size_t steps = 0;
  bool converged = false;  // max_force < tolerance was reached within max_steps
};

// Minimises a generic objective over x (size a multiple of 3).
FireVectorResult fire_minimize(const FireObjective& objective, Eigen::VectorXd x,
                               const FireSettings& settings);

struct RelaxResult {
  Structure structure;
  double energy_ev = 0;
  double max_force_ev_per_angstrom = 0;  // over movable atoms
  std::size_t steps = 0;
  bool converged = false;
  bool stopped = false;  // FireSettings::monitor said stop (then not converged)
};

// A structure relaxing one FIRE step at a time (cell fixed): the single structure-relaxation
// loop, behind relax() and the callers that watch a relaxation between steps (on-the-fly
// learning checks the model's uncertainty). Atoms with structure.is_fixed carry zero force,
// so FIRE never moves them (v starts at 0 and only gains dt·F) and they drop out of the
// max-force test. Positions are not wrapped into the cell.
class StepwiseRelaxation {
 public:
  // Evaluates the start; throws InputError for a structure whose positions or fixed mask do
  // not match its atoms.
  StepwiseRelaxation(const Potential& potential, Structure start, const FireParameters& fire);
  // One FIRE update along the current forces, then the energy and forces at the new positions.
  void step();
  const Structure& structure() const { return structure_; }
  double energy_ev() const { return energy_ev_; }
  double max_force_ev_per_angstrom() const { return max_force_; }  // over movable atoms
  std::size_t steps() const { return steps_; }                     // updates made so far

 private:
  void evaluate();
  const Potential& potential_;
  Structure structure_;
  FireStepper stepper_;
  Eigen::VectorXd x_, force_;  // stacked positions and forces (3 per atom)
  double energy_ev_ = 0, max_force_ = 0;
  std::size_t steps_ = 0;
};

// Relaxes atomic positions (cell fixed) with FIRE (StepwiseRelaxation) until the largest
// force on a movable atom is below the tolerance or max_steps updates are made.
RelaxResult relax(const Potential& potential, Structure structure, const FireSettings& settings);

}  // namespace ionhop::atomistic
