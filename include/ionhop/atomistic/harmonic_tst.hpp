// Harmonic transition-state theory: finite-difference Hessians, normal-mode frequencies and the
// Vineyard attempt frequency (G. H. Vineyard, J. Phys. Chem. Solids 3, 121 (1957))
//   ν* = Π_{i=1}^{3N−n0} ν_i(minimum) / Π_{i=1}^{3N−n0−1} ν_i(saddle, real modes),
// so that the hop rate is k = ν* exp(−E_b / k_B T) in the classical harmonic limit. n0 is the
// number of zero modes (uniform translations of a periodic cell whose atoms are all free).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

// ω² of an eigenvalue of the mass-weighted Hessian given in eV/(Å²·amu), in s⁻²:
//   1 eV/(Å²·amu) = 1.602176634e-19 J / (1e-20 m² × 1.66053906660e-27 kg)
//                 = 9.6485332157e27 s⁻²   (CODATA 2018 e and u; the exact quotient is used).
// A mode's frequency is ν = sqrt(ω²)/(2π); for 1 eV/(Å²·amu) that is 15.633 THz.
inline constexpr double kOmega2PerEvPerAngstrom2Amu_s2 =
    1.602176634e-19 / (1e-20 * 1.66053906660e-27);

// Signed frequency in THz of an eigenvalue λ (eV/(Å²·amu)) of the mass-weighted Hessian:
// sign(λ) sqrt(|λ| × 9.6485332157e27 s⁻²) / (2π) / 1e12. Negative = imaginary.
double frequency_thz_from_eigenvalue(double eigenvalue_ev_per_angstrom2_amu);

// Which uniform translations are projected out before diagonalising.
enum class ZeroModeTreatment {
  // Default. Each Cartesian direction α is tested: the mass-weighted uniform translation u_α
  // of the free atoms is projected out when it is a null vector of the mass-weighted Hessian D,
  // ‖D u_α‖ ≤ translation_null_tolerance × ‖D‖_∞ (largest absolute row sum, an upper bound of
  // the spectral norm). A periodic cell with no fixed atoms and a translation-invariant
  // potential (pair potentials, the MLFF) passes in all three directions, because D u_α = 0 is
  // then the acoustic sum rule, violated only by the finite-difference error (the CsPbI3 pair
  // potential's removed translations have |ν| ~ 1e-7 THz, its phonons 0.1–2 THz). Fixed atoms
  // or an external potential (the analytic one-atom surfaces) pin the translation, giving a
  // relative residual of order 1, and it is kept. A surface that does not depend on z at all
  // (Müller–Brown) has the z translation removed, as it must: a zero mode has no frequency.
  // The minimum and the saddle must end up with the same n0 (vineyard_prefactor checks).
  kAuto,
  kTranslations,  // always project out all three translations (caller asserts invariance)
  kNone,          // keep every mode (n0 = 0)
};

struct HarmonicSettings {
  // Central-difference step of the Hessian (Å). The O(h²) truncation error and the O(ε|F|/h)
  // round-off balance near 1e-3–1e-2 Å for forces of eV/Å size.
  double displacement_angstrom = 0.005;
  ZeroModeTreatment zero_modes = ZeroModeTreatment::kAuto;
  // kAuto: relative null-vector threshold (see ZeroModeTreatment::kAuto).
  double translation_null_tolerance = 1e-3;
  // Modes with −tol ≤ ν < 0 are not counted as imaginary: a finite-difference Hessian of a
  // nearly flat direction (a soft tilt, a loosely converged minimum) can give a tiny negative
  // eigenvalue that is numerical noise, not a second unstable direction. Their magnitude
  // enters the Vineyard product and VineyardResult::warning names them, because a near-zero
  // mode dominates the product and makes ν* unreliable.
  double imaginary_tolerance_thz = 0.05;
  // Mass per element (amu) overriding atomic_mass_amu (isotopes, or the pseudo-element "X" of
  // a test surface).
  std::map<std::string, double> masses_amu;
  // Also keep the displacement patterns of the imaginary modes (HarmonicAnalysis::
  // unstable_modes_angstrom): eigenvectors as well as eigenvalues, for saddle refinement.
  bool keep_unstable_modes = false;
};

// Hessian H_ij = ∂²E/∂x_i∂x_j (eV/Å²) over the Cartesian coordinates of the free (non-fixed)
// atoms, in atom order (x, y, z per atom), by central differences of the forces,
//   H_ij = −[F_j(x + h e_i) − F_j(x − h e_i)] / (2h),
// then symmetrised, (H + Hᵀ)/2 (truncation error O(h²)). The 2 × 3N_free displaced structures
// are evaluated concurrently with TBB (the potential must be thread-safe); the result does not
// depend on the thread count. Throws InputError for h ≤ 0, a structure without free atoms, or
// what the potential throws.
Eigen::MatrixXd finite_difference_hessian(const Potential& potential, const Structure& structure,
                                          double displacement_angstrom = 0.005);

// Mass (amu) of every free atom, in atom order: settings.masses_amu, else atomic_mass_amu.
Eigen::VectorXd free_atom_masses_amu(const Structure& structure, const HarmonicSettings& settings);

struct HarmonicAnalysis {
  // Signed frequencies (THz, negative = imaginary), ascending, of the 3N_free − n0 modes left
  // after removing the zero modes.
  Eigen::VectorXd frequencies_thz;
  std::size_t imaginary_modes = 0;        // ν < −imaginary_tolerance_thz
  std::size_t small_imaginary_modes = 0;  // −imaginary_tolerance_thz ≤ ν < 0 (noise, not counted)
  std::size_t removed_zero_modes = 0;     // n0
  // The frequency of each removed translation, sign(λ)·sqrt(|u·D u|)/(2π) with u the unit
  // mass-weighted translation: how well the acoustic sum rule holds (≈ 0 for exact invariance).
  Eigen::VectorXd removed_mode_frequencies_thz;
  // With HarmonicSettings::keep_unstable_modes: for each imaginary mode (ν < −tol, in the
  // order of frequencies_thz), its Cartesian displacement pattern x = M^{-1/2} q over the free
  // atoms (atom order, x y z per atom), q the unit eigenvector of the mass-weighted Hessian;
  // scaled so that its largest atom displacement is 1 Å. The sign is arbitrary.
  std::vector<Eigen::VectorXd> unstable_modes_angstrom;
};

// Normal modes of a given Hessian over 3·masses.size() coordinates (eV/Å², atom order x y z):
// the mass-weighted Hessian D = M^{-1/2} H M^{-1/2} is restricted to the orthogonal complement
// of the removed translations (an orthonormal basis Q from a Householder QR of the unit
// translations, D' = Qᵀ D Q) and diagonalised with Eigen::SelfAdjointEigenSolver. Throws
// InputError for a Hessian that is not 3n × 3n or a non-positive mass.
HarmonicAnalysis analyse_hessian(const Eigen::MatrixXd& hessian_ev_per_angstrom2,
                                 const Eigen::VectorXd& masses_amu,
                                 const HarmonicSettings& settings);

// finite_difference_hessian + free_atom_masses_amu + analyse_hessian. Costs 6·N_free force calls.
HarmonicAnalysis analyse_normal_modes(const Potential& potential, const Structure& structure,
                                      const HarmonicSettings& settings);

struct VineyardResult {
  double prefactor_thz = 0;            // ν*
  double imaginary_frequency_thz = 0;  // |ν| of the saddle's unstable mode
  HarmonicAnalysis minimum, saddle;
  std::string warning;  // empty, or why ν* may be unreliable (near-zero modes)
};

// ν* from the two structures' normal modes (12·N_free force calls in all), with the products
// computed as sums of logarithms (hundreds of THz-sized factors would overflow or lose digits).
// Requires the same atoms (elements, order, fixed atoms) in both; the minimum must have exactly
// 0 and the saddle exactly 1 imaginary mode (beyond the tolerance), and both the same number of
// removed zero modes. Otherwise throws InputError("", "", "saddle has 2 imaginary modes (−3.1,
// −0.4 THz): not a first-order saddle; tighten the NEB force tolerance") or the like. A mode
// with exactly zero frequency left in the spectrum also throws (ν* would be 0 or ∞).
VineyardResult vineyard_prefactor(const Potential& potential, const Structure& minimum,
                                  const Structure& saddle, const HarmonicSettings& settings);

// The same from two finished analyses (the checks and the product only).
VineyardResult vineyard_prefactor(const HarmonicAnalysis& minimum, const HarmonicAnalysis& saddle,
                                  const HarmonicSettings& settings);

}  // namespace ionhop::atomistic
