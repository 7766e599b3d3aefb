// CP2K input writer for the reference DFT of the MLFF stage (PHYSICS.md, "Barriers from a
// machine-learned force field"): PBE + D3(BJ), GTH pseudopotentials, DZVP-MOLOPT-SR-GTH,
// diagonalisation with Broyden mixing, single point with forces and stress. Charged cells
// set CHARGE; an odd electron count switches to UKS (spin-polarised). See docs/cp2k.md.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::reference {

// One CP2K &KIND: basis set and pseudopotential names as spelled in cp2k-data's
// BASIS_MOLOPT and GTH_POTENTIALS, and the pseudopotential's valence charge (the "qN" of
// its name), which is what CP2K counts as electrons of that atom.
struct Cp2kKind {
  std::string basis_set;
  std::string potential;
  int valence_electrons = 0;
};

// The kinds of the halide perovskites of this project (cp2k-data 2023.1, Debian 12):
// GTH_POTENTIALS "Cs GTH-PBE-q9", "Pb GTH-PBE-q4", "I GTH-PBE-q7", "Br GTH-PBE-q7";
// BASIS_MOLOPT "DZVP-MOLOPT-SR-GTH" (the -q9/-q4/-q7 variants) for each. So one CsPbI3
// formula unit has 9 + 4 + 3·7 = 34 valence electrons.
std::map<std::string, Cp2kKind> default_cp2k_kinds();

struct Cp2kSettings {
  std::string project = "ionhop";
  // Total charge of the cell in e; unset = the structure's Structure::charge_e. CP2K adds
  // a uniform neutralising background to a charged periodic cell (the Poisson solver drops
  // the G = 0 term), so energies of charged cells need finite-size corrections before they
  // are compared across charge states; barriers within one charge state do not.
  std::optional<int> charge_e;
  // Spin multiplicity 2S+1. 0 = automatic: 1 (closed shell, restricted KS) for an even
  // electron count, 2 (doublet, UKS) for an odd one. A given value must match the parity
  // of the electron count; any value other than 1 runs UKS.
  int multiplicity = 0;
  // Plane-wave density cutoff and the cutoff of the Gaussian mapping onto the multigrid
  // (Ry). 400/50: converged for these cells (300–600 Ry change a V_I^+ barrier by 6e-6 eV
  // and forces by < 1 meV/Å; docs/cp2k.md, "Grid convergence").
  double cutoff_ry = 400;
  double rel_cutoff_ry = 50;
  double eps_scf = 1e-6;  // SCF convergence on the density (CP2K's EPS_SCF)
  int max_scf = 100;
  double eps_default = 1e-12;  // QS integral/screening threshold
  // Broyden density mixing (faster than DIIS-only on these cells, PHYSICS.md).
  double mixing_alpha = 0.3;
  int mixing_nbroyden = 8;
  // Fermi–Dirac smearing (K): 0 = off (insulator, integer occupations). The runner's
  // retry uses ~300 K to damp charge sloshing between near-degenerate defect levels.
  double smearing_temperature_k = 0;
  // Extra unoccupied orbitals (per spin) for smearing; 0 = automatic (max(20, 20% of the
  // occupied orbitals)). Written only when smearing is on.
  int added_mos = 0;
  // D3(BJ) dispersion with PBE's damping parameters (REFERENCE_FUNCTIONAL PBE).
  bool dispersion_d3bj = true;
  // Files. Empty = the bare cp2k-data name ("BASIS_MOLOPT", "GTH_POTENTIALS", "dftd3.dat"),
  // which CP2K itself resolves in its data directory; resolve_cp2k_data_files fills in
  // absolute paths found at run time.
  std::string basis_set_file;
  std::string potential_file;
  std::string dftd3_parameter_file;
  bool compute_stress = true;  // STRESS_TENSOR ANALYTICAL + print it
  // Start of the SCF. "" = superposed atomic densities (SCF_GUESS ATOMIC); else the path of a
  // previous run's converged wavefunction (<project>-RESTART.wfn) of the same atoms, charge
  // and multiplicity (SCF_GUESS RESTART): a neighbouring geometry's orbitals start closer to
  // the solution, so the SCF needs fewer steps. CP2K falls back to the atomic guess when the
  // file does not exist. Only the start changes: the converged result is the same to within
  // eps_scf, and the settings hash of a label (dft_labelling) leaves this out.
  std::string initial_wavefunction_file;
  std::map<std::string, Cp2kKind> kinds = default_cp2k_kinds();
};

// The cp2k-data directory: $CP2K_DATA_DIR if it holds BASIS_MOLOPT, else the first of
// /usr/share/cp2k (Debian's cp2k-data), /usr/local/share/cp2k, /opt/cp2k/data that does;
// "" if none (CP2K may still find its files by the directory compiled into it).
std::string find_cp2k_data_dir();
// `settings` with empty file names replaced by absolute paths in find_cp2k_data_dir()
// (left empty when no directory is found).
Cp2kSettings resolve_cp2k_data_files(Cp2kSettings settings);

struct ElectronCount {
  int valence_electrons = 0;  // Σ valence of the atoms (neutral cell)
  int charge_e = 0;           // total charge used
  int electrons = 0;          // valence_electrons − charge_e
  int multiplicity = 1;       // the one written
  bool uks = false;           // spin-polarised (multiplicity ≠ 1)
};

// Counts electrons and decides RKS/UKS. Throws InputError (no file) for an element
// without a kind, a non-positive electron count, or a multiplicity < 0, or > electrons + 1,
// or of the wrong parity.
ElectronCount count_electrons(const atomistic::Structure& structure, const Cp2kSettings& settings);

// The text of a CP2K input: RUN_TYPE ENERGY_FORCE, periodic XYZ cell (rows of
// cell_angstrom as A, B, C in Å), Poisson solver PERIODIC, coordinates in Å written in
// shortest round-trip form (reading them back gives the same doubles), one &KIND per
// element present, forces and (optionally) stress printed. Throws what count_electrons
// throws, and InputError for an empty structure or settings out of range (cutoffs,
// eps_scf, max_scf, alpha ∉ (0, 1], smearing < 0).
std::string write_cp2k_input(const atomistic::Structure& structure, const Cp2kSettings& settings);

}  // namespace ionhop::reference
