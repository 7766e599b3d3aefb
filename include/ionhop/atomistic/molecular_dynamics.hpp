// Molecular dynamics of a periodic structure with any Potential: Maxwell–Boltzmann velocities
// and Langevin dynamics by the BAOAB splitting (velocity Verlet when the friction is 0). Used
// to sample MLFF training structures at 600–750 K (docs/mlff.md, `ionhop md`).
//
// Units: positions Å, time fs, energy eV, mass amu, temperature K, velocities Å/fs.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// 1 eV/amu in Å²/fs²: 1 eV = 1.602176634e-19 J (exact), 1 amu = 1.66053906660e-27 kg
// (CODATA 2018), so 1 eV/amu = 9.648533212e7 m²/s² = 9.648533212e7 · 1e20 Å² / 1e30 fs².
// Hence a[Å/fs²] = F[eV/Å] / m[amu] · this, and ½ m v² [eV] = ½ m[amu] v²[Å²/fs²] / this.
inline constexpr double ev_per_amu_in_angstrom2_per_fs2 = 9.648533212e-3;

// The state a run can be saved in and resumed from bit-identically: positions (kept
// continuous, never wrapped by the integrator), velocities and the step counter (the random
// numbers of a Langevin step depend only on the seed and the step).
struct MdState {
  Structure structure;
  Eigen::Matrix3Xd velocities_angstrom_per_fs{3, 0};  // column per atom; 0 for fixed atoms
  std::uint64_t step = 0;
  double time_fs = 0;
};

// Degrees of freedom of the kinetic temperature: 3N − 3 with no fixed atom (the total
// momentum is a constant of NVE motion, and the Maxwell–Boltzmann assignment removes it),
// 3 N_free when some atoms are fixed (they anchor the cell; momentum is not conserved).
// 0 for a single free atom with nothing fixed.
std::size_t degrees_of_freedom(const Structure& structure);

// Masses of the atoms (atomic_mass_amu of each element); InputError for an unknown element.
std::vector<double> atom_masses_amu(const Structure& structure);

// Maxwell–Boltzmann velocities at temperature_k: Gaussian components of σ = √(k_B T / m)
// (Box–Muller on RandomStream(seed, stable_hash64("ionhop.md.maxwell_boltzmann"))), fixed atoms
// 0; with no fixed atom the centre-of-mass velocity is removed; then all velocities are scaled
// so that instantaneous_temperature_k equals temperature_k (up to rounding). Deterministic in
// the seed; numbers are drawn for every atom, fixed or not, so the fixed mask does not shift
// the other atoms' draws. Resets nothing else of the state. InputError for a negative or
// non-finite temperature or an element without a mass.
void assign_maxwell_boltzmann_velocities(MdState& state, double temperature_k, std::uint64_t seed);

// ½ Σ m v² (eV) over all atoms (fixed atoms have v = 0).
double kinetic_energy_ev(const MdState& state);
// 2 KE / (dof k_B) with dof = degrees_of_freedom (0 when dof = 0).
double instantaneous_temperature_k(const MdState& state);

struct LangevinSettings {
  double temperature_k = 300;
  double timestep_fs = 2.0;
  // γ: velocity autocorrelation time 1/γ without forces. 0 = NVE (velocity Verlet).
  double friction_per_fs = 0.01;
  std::uint64_t seed = 1;
};

// Langevin dynamics m dv = F dt − γ m v dt + √(2 γ m k_B T) dW by BAOAB (B. Leimkuhler and
// C. Matthews, Appl. Math. Res. Express 2013, 34; J. Chem. Phys. 138, 174102 (2013)): one step
// of size h is
//   B: v += (h/2) F/m;  A: x += (h/2) v;
//   O: v ← c₁ v + √((1 − c₁²) k_B T / m) ξ,  c₁ = exp(−γ h)   (the exact Ornstein–Uhlenbeck flow);
//   A: x += (h/2) v;  F ← F(x);  B: v += (h/2) F/m.
// Its configurational sampling is accurate to O(h²) in general and exact for harmonic
// potentials (for which ⟨½ m v²⟩ of the full-step velocity is ½ k_B T (1 − ω²h²/4)). With
// γ = 0 the O step is the identity and BAOAB is velocity Verlet (NVE).
//
// All free degrees of freedom are thermostatted, the centre of mass included: with no fixed
// atom the mean instantaneous temperature (3N − 3 dof) then reads T·3N/(3N − 3) under
// friction > 0, although the configurations are sampled at T.
//
// Fixed atoms (Structure::fixed) never move and keep v = 0. The noise ξ of the step from s to
// s + 1 comes from RandomStream(seed, mix64(stable_hash64("ionhop.md.langevin") + s)), 3
// normals per atom (fixed ones included) in atom order: the trajectory depends only on the
// seed and the state, so a run resumed from a saved MdState continues bit-identically.
//
// Positions are never wrapped into the cell (they stay continuous, e.g. for displacements);
// callers that want wrapped output wrap a copy (Structure::wrap_positions). Wrapping the
// state itself between steps is allowed but changes the rounding of later steps.
class LangevinDynamics {
 public:
  // Holds `potential` by reference (it must outlive this object). Throws InputError for a
  // timestep ≤ 0, a negative temperature or friction (or non-finite values), a velocity matrix
  // of the wrong shape (an empty one means all velocities 0), a fixed mask of the wrong length
  // or an element without a mass; the potential's own errors pass through. Computes the
  // forces of the initial state (std::runtime_error "MD step N: non-finite forces" if any is
  // NaN or infinite). Velocities of fixed atoms are set to 0.
  LangevinDynamics(const Potential& potential, const LangevinSettings& settings, MdState initial);

  // One BAOAB step; state().step += 1, time_fs += h. Throws std::runtime_error
  // "MD step N: non-finite forces" (N the step being completed) when the new forces are not
  // finite; the state is then left at the failed positions.
  void step();
  // `count` steps.
  void run(std::uint64_t count);

  const MdState& state() const { return state_; }
  const LangevinSettings& settings() const { return settings_; }
  const std::vector<double>& masses_amu() const { return masses_amu_; }
  // Energy and forces at the current positions.
  const EnergyForces& energy_forces() const { return energy_forces_; }
  double potential_energy_ev() const { return energy_forces_.energy_ev; }
  // Same values as the free functions on state(), with the cached masses.
  double kinetic_energy_ev() const;
  double total_energy_ev() const { return potential_energy_ev() + kinetic_energy_ev(); }
  double temperature_k() const;

 private:
  void compute_forces(std::uint64_t step_label);
  void half_kick();
  void half_drift();

  const Potential& potential_;
  LangevinSettings settings_;
  MdState state_;
  std::vector<double> masses_amu_;
  // Per atom: h/2 · C/m (Å/fs per eV/Å, C = ev_per_amu_in_angstrom2_per_fs2) and the OU noise
  // amplitude √((1 − c₁²) k_B T C / m) (Å/fs); both 0 for fixed atoms.
  std::vector<double> half_kick_factor_, noise_amplitude_;
  double c1_ = 1;
  EnergyForces energy_forces_;
};

}  // namespace ionhop::atomistic
