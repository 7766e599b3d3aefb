// CP2K input writer: electron counting (RKS/UKS), cp2k-data lookup, and the input text.
#include "ionhop/reference/cp2k_input.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include "ionhop/core/error.hpp"

namespace ionhop::reference {

namespace {

// Shortest text that reads back as the same double (C++17 to_chars), so written
// coordinates round-trip exactly; Fortran's list-directed read accepts its forms.
std::string num(double x) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, ptr);
}

void require(bool ok, const std::string& problem) {
  if (!ok) throw InputError("", "", "CP2K settings: " + problem);
}

}  // namespace

std::map<std::string, Cp2kKind> default_cp2k_kinds() {
  // Valence charges are the qN of the GTH pseudopotential names (GTH_POTENTIALS).
  return {
      {"Cs", {"DZVP-MOLOPT-SR-GTH", "GTH-PBE-q9", 9}},
      {"Pb", {"DZVP-MOLOPT-SR-GTH", "GTH-PBE-q4", 4}},
      {"I", {"DZVP-MOLOPT-SR-GTH", "GTH-PBE-q7", 7}},
      {"Br", {"DZVP-MOLOPT-SR-GTH", "GTH-PBE-q7", 7}},
  };
}

std::string find_cp2k_data_dir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("CP2K_DATA_DIR"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  // Install locations of cp2k-data (Debian/Ubuntu), a source build's `make install`, and
  // CP2K's toolchain-style installs.
  for (const char* dir : {"/usr/share/cp2k", "/usr/local/share/cp2k", "/opt/cp2k/data"}) {
    candidates.emplace_back(dir);
  }
  std::error_code ec;
  for (const auto& dir : candidates) {
    if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "BASIS_MOLOPT", ec)) {
      return dir;
    }
  }
  return "";
}

Cp2kSettings resolve_cp2k_data_files(Cp2kSettings settings) {
  const std::string dir = find_cp2k_data_dir();
  if (dir.empty()) return settings;
  const auto fill = [&](std::string& file, const char* name) {
    if (file.empty()) file = (std::filesystem::path(dir) / name).string();
  };
  fill(settings.basis_set_file, "BASIS_MOLOPT");
  fill(settings.potential_file, "GTH_POTENTIALS");
  fill(settings.dftd3_parameter_file, "dftd3.dat");
  return settings;
}

ElectronCount count_electrons(const atomistic::Structure& structure, const Cp2kSettings& settings) {
  ElectronCount out;
  for (const auto& element : structure.elements) {
    const auto it = settings.kinds.find(element);
    require(it != settings.kinds.end(),
            "no CP2K kind (basis, pseudopotential) for element '" + element + "'");
    out.valence_electrons += it->second.valence_electrons;
  }
  out.charge_e = settings.charge_e.value_or(structure.charge_e);
  out.electrons = out.valence_electrons - out.charge_e;
  require(out.electrons > 0, "charge " + std::to_string(out.charge_e) + " leaves " +
                                 std::to_string(out.electrons) + " electrons");
  const bool odd = out.electrons % 2 != 0;
  if (settings.multiplicity == 0) {
    out.multiplicity = odd ? 2 : 1;
  } else {
    // 2S+1 with 2S unpaired electrons: 2S has the parity of the electron count.
    require(settings.multiplicity > 0 && settings.multiplicity <= out.electrons + 1,
            "multiplicity " + std::to_string(settings.multiplicity) + " out of range for " +
                std::to_string(out.electrons) + " electrons");
    require((settings.multiplicity - 1) % 2 == out.electrons % 2,
            "multiplicity " + std::to_string(settings.multiplicity) + " impossible with " +
                std::to_string(out.electrons) + " electrons (" + (odd ? "odd" : "even") + ")");
    out.multiplicity = settings.multiplicity;
  }
  out.uks = out.multiplicity != 1;
  return out;
}

std::string write_cp2k_input(const atomistic::Structure& structure, const Cp2kSettings& s) {
  require(structure.size() > 0, "empty structure");
  require(structure.positions_angstrom.cols() == static_cast<Eigen::Index>(structure.size()),
          "positions and elements differ in number");
  require(s.cutoff_ry > 0 && s.rel_cutoff_ry > 0, "cutoffs must be > 0 Ry");
  require(s.eps_scf > 0 && s.eps_default > 0, "eps_scf and eps_default must be > 0");
  require(s.max_scf > 0, "max_scf must be > 0");
  require(s.mixing_alpha > 0 && s.mixing_alpha <= 1, "mixing alpha must be in (0, 1]");
  require(s.mixing_nbroyden > 0, "nbroyden must be > 0");
  require(s.smearing_temperature_k >= 0, "smearing temperature must be >= 0 K");
  require(s.added_mos >= 0, "added_mos must be >= 0");
  require(!s.project.empty() && s.project.find_first_of(" \t\n") == std::string::npos,
          "project name must be one word");
  require(s.initial_wavefunction_file.find_first_of(" \t\n") == std::string::npos,
          "the initial wavefunction file's path must not contain white space");
  const ElectronCount electrons = count_electrons(structure, s);

  const auto file_or = [](const std::string& file, const char* fallback) {
    return file.empty() ? std::string(fallback) : file;
  };

  std::ostringstream in;
  in << "! CP2K input written by ionhop (reference::write_cp2k_input): PBE-D3(BJ) single point\n"
     << "! " << structure.size() << " atoms, charge " << electrons.charge_e << " e, "
     << electrons.electrons << " valence electrons, multiplicity " << electrons.multiplicity
     << (electrons.uks ? " (UKS)" : " (RKS)") << "\n";
  if (electrons.charge_e != 0) {
    in << "! Charged periodic cell: CP2K adds a uniform neutralising background (G = 0 term\n"
       << "! dropped), so total energies need a finite-size correction across charge states.\n";
  }
  in << "&GLOBAL\n"
     << "  PROJECT " << s.project << "\n"
     << "  RUN_TYPE ENERGY_FORCE\n"
     << "  PRINT_LEVEL LOW\n"
     << "&END GLOBAL\n"
     << "&FORCE_EVAL\n"
     << "  METHOD QUICKSTEP\n";
  if (s.compute_stress) in << "  STRESS_TENSOR ANALYTICAL\n";
  in << "  &DFT\n"
     << "    BASIS_SET_FILE_NAME " << file_or(s.basis_set_file, "BASIS_MOLOPT") << "\n"
     << "    POTENTIAL_FILE_NAME " << file_or(s.potential_file, "GTH_POTENTIALS") << "\n"
     << "    CHARGE " << electrons.charge_e << "\n"
     << "    MULTIPLICITY " << electrons.multiplicity << "\n";
  if (!s.initial_wavefunction_file.empty())
    in << "    WFN_RESTART_FILE_NAME " << s.initial_wavefunction_file << "\n";
  if (electrons.uks) in << "    UKS TRUE\n";
  in << "    &MGRID\n"
     << "      CUTOFF " << num(s.cutoff_ry) << "\n"
     << "      REL_CUTOFF " << num(s.rel_cutoff_ry) << "\n"
     << "    &END MGRID\n"
     << "    &QS\n"
     << "      EPS_DEFAULT " << num(s.eps_default) << "\n"
     << "    &END QS\n"
     << "    &POISSON\n"
     << "      PERIODIC XYZ\n"
     << "      POISSON_SOLVER PERIODIC\n"
     << "    &END POISSON\n"
     << "    &SCF\n"
     << "      SCF_GUESS " << (s.initial_wavefunction_file.empty() ? "ATOMIC" : "RESTART") << "\n"
     << "      EPS_SCF " << num(s.eps_scf) << "\n"
     << "      MAX_SCF " << s.max_scf << "\n";
  if (s.smearing_temperature_k > 0) {
    // Smearing needs empty orbitals to put fractional occupations on.
    const int occupied = (electrons.electrons + 1) / 2;
    const int added = s.added_mos > 0 ? s.added_mos : std::max(20, occupied / 5);
    in << "      ADDED_MOS " << added << "\n"
       << "      &SMEAR ON\n"
       << "        METHOD FERMI_DIRAC\n"
       << "        ELECTRONIC_TEMPERATURE [K] " << num(s.smearing_temperature_k) << "\n";
    // With smearing CP2K lets n(up) - n(down) float by default (FIXED_MAGNETIC_MOMENT -100):
    // a 265-electron V_I^0 cell then converges to a spin-unpolarised state with half an
    // electron of each spin in the defect level (integrated spin density ~0), not the
    // doublet that MULTIPLICITY asks for. Pin the moment to 2S = multiplicity - 1 so that
    // every spin channel gets its own Fermi level and the spin state is the one written.
    if (electrons.uks) in << "        FIXED_MAGNETIC_MOMENT " << electrons.multiplicity - 1 << "\n";
    in << "      &END SMEAR\n";
  }
  in << "      &DIAGONALIZATION ON\n"
     << "        ALGORITHM STANDARD\n"
     << "      &END DIAGONALIZATION\n"
     << "      &MIXING ON\n"
     << "        METHOD BROYDEN_MIXING\n"
     << "        ALPHA " << num(s.mixing_alpha) << "\n"
     << "        NBROYDEN " << s.mixing_nbroyden << "\n"
     << "      &END MIXING\n"
     << "    &END SCF\n"
     << "    &XC\n"
     << "      &XC_FUNCTIONAL PBE\n"
     << "      &END XC_FUNCTIONAL\n";
  if (s.dispersion_d3bj) {
    in << "      &VDW_POTENTIAL\n"
       << "        POTENTIAL_TYPE PAIR_POTENTIAL\n"
       << "        &PAIR_POTENTIAL\n"
       << "          TYPE DFTD3(BJ)\n"
       << "          PARAMETER_FILE_NAME " << file_or(s.dftd3_parameter_file, "dftd3.dat") << "\n"
       << "          REFERENCE_FUNCTIONAL PBE\n"
       << "        &END PAIR_POTENTIAL\n"
       << "      &END VDW_POTENTIAL\n";
  }
  in << "    &END XC\n"
     << "  &END DFT\n"
     << "  &SUBSYS\n"
     << "    &CELL\n";
  const char* names[3] = {"A", "B", "C"};
  for (int r = 0; r < 3; ++r) {
    in << "      " << names[r] << " [angstrom]";
    for (int c = 0; c < 3; ++c) in << " " << num(structure.cell_angstrom(r, c));
    in << "\n";
  }
  in << "      PERIODIC XYZ\n"
     << "    &END CELL\n"
     << "    &COORD\n"
     << "      UNIT angstrom\n"
     << "      SCALED FALSE\n";
  std::set<std::string> present;
  for (std::size_t k = 0; k < structure.size(); ++k) {
    const auto p = structure.positions_angstrom.col(static_cast<Eigen::Index>(k));
    in << "      " << structure.elements[k] << " " << num(p.x()) << " " << num(p.y()) << " "
       << num(p.z()) << "\n";
    present.insert(structure.elements[k]);
  }
  in << "    &END COORD\n";
  for (const auto& element : present) {
    const Cp2kKind& kind = s.kinds.at(element);
    in << "    &KIND " << element << "\n"
       << "      BASIS_SET " << kind.basis_set << "\n"
       << "      POTENTIAL " << kind.potential << "\n"
       << "    &END KIND\n";
  }
  in << "  &END SUBSYS\n"
     << "  &PRINT\n"
     << "    &FORCES ON\n"
     << "    &END FORCES\n";
  if (s.compute_stress) {
    in << "    &STRESS_TENSOR ON\n"
       << "    &END STRESS_TENSOR\n";
  }
  in << "  &END PRINT\n"
     << "&END FORCE_EVAL\n";
  return in.str();
}

}  // namespace ionhop::reference
