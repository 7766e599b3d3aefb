// Parser of a CP2K (2023.1) ENERGY_FORCE output: total energy, atomic forces, stress
// tensor, SCF convergence and run time, converted to ionhop's units and sign conventions.
// An unconverged SCF, an abort or a truncated output is a failure, never a result.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::reference {

// CODATA 2018 (as ASE and CP2K ≥ 2023 use): 1 Hartree and 1 Bohr radius.
inline constexpr double hartree_ev = 27.211386245988;
inline constexpr double bohr_angstrom = 0.529177210903;
// 1 eV/Å³ = 1.602176634e-19 J / 1e-30 m³ = 160.2176634 GPa (exact since SI 2019).
inline constexpr double ev_per_angstrom3_gpa = 160.2176634;

struct Cp2kOutput {
  // Every SCF loop printed "*** SCF run converged in N steps ***" and none "SCF run NOT
  // converged" (CP2K 2023.1 warns and goes on to print energy and forces of an
  // unconverged density; later versions abort).
  bool scf_converged = false;
  int scf_loops = 0;            // "SCF run converged" lines
  int scf_steps = 0;            // steps of the last converged loop
  bool ended_normally = false;  // "PROGRAM ENDED AT" present (no abort, not truncated)
  // From "ENERGY| Total FORCE_EVAL ( QS ) energy [a.u.]:" (last one), Hartree → eV.
  std::optional<double> energy_ev;
  // From the "ATOMIC FORCES in [a.u.]" block (last one): CP2K prints forces F = −∂E/∂r
  // (checked by finite differences, docs/cp2k.md), Hartree/Bohr → eV/Å. Column per atom.
  std::optional<Eigen::Matrix3Xd> forces_ev_per_angstrom;
  std::vector<std::string> force_elements;  // element column of that block
  // From "STRESS| Analytical stress tensor [GPa]" (or [bar]; last one), converted to
  // ionhop's convention σ = (1/V) ∂E/∂ε in eV/Å³. CP2K prints the opposite sign (positive
  // = compressed, the pressure convention), checked by finite strain: σ_ionhop = −σ_CP2K.
  std::optional<Eigen::Matrix3d> stress_ev_per_angstrom3;
  // From "Integrated absolute spin density :" (last one; UKS only): ∫|ρ↑ − ρ↓| in electrons,
  // ≈ 2S for a well-localised spin state and ~0 when a smeared UKS run lost its moment.
  std::optional<double> abs_spin_density;
  std::optional<double> wall_time_s;  // the "CP2K" row of the timing report (maximum total)
  std::string cp2k_version;           // "CP2K version 2023.1"
  int electrons = 0;                  // "Number of electrons:" (first one; 0 if absent)
  std::vector<std::string> warnings;  // text of each "*** WARNING ... ***" box, one line each
  // Why this output is not a usable result ("" = usable): unconverged SCF, abort, missing
  // energy or forces, wrong number of atoms.
  std::string failure;

  bool ok() const { return failure.empty(); }
};

// Parses the text of a CP2K output file. expected_atoms > 0 makes a forces block of
// another length a failure. Never throws for malformed text: sets `failure`.
Cp2kOutput parse_cp2k_output(const std::string& text, std::size_t expected_atoms = 0);
// Reads and parses a file; a missing/unreadable file is a failure.
Cp2kOutput read_cp2k_output(const std::string& path, std::size_t expected_atoms = 0);

}  // namespace ionhop::reference
