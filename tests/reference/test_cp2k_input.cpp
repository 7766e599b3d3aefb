// CP2K input writer: keywords, electron counting and the RKS/UKS decision for perfect and
// vacancy CsPbI3 cells, exact coordinate round trip, the committed fixture input, and the
// runner's command line and retry settings (no CP2K needed).
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../test_support.hpp"
#include "cp2k_test_cells.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/reference/cp2k_input.hpp"
#include "ionhop/reference/cp2k_runner.hpp"

using namespace ionhop;
using namespace ionhop::reference;

namespace {

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The 39-atom cell: the 40-atom cell without its first iodide (atom 2).
atomistic::Structure iodide_vacancy_cell(int charge_e) {
  auto s = test::cspbi3_supercell(2, 6.29, 0.0, 1);
  REQUIRE(s.elements[2] == "I");
  s.remove(2);
  s.charge_e = charge_e;
  return s;
}

}  // namespace

TEST_CASE("CP2K kinds: GTH-PBE valence charges Cs 9, Pb 4, I 7, Br 7", "[cp2k]") {
  const auto kinds = default_cp2k_kinds();
  CHECK(kinds.at("Cs").valence_electrons == 9);
  CHECK(kinds.at("Cs").potential == "GTH-PBE-q9");
  CHECK(kinds.at("Pb").valence_electrons == 4);
  CHECK(kinds.at("Pb").potential == "GTH-PBE-q4");
  CHECK(kinds.at("I").valence_electrons == 7);
  CHECK(kinds.at("Br").valence_electrons == 7);
  for (const auto& [element, kind] : kinds) CHECK(kind.basis_set == "DZVP-MOLOPT-SR-GTH");
}

TEST_CASE("CP2K input: neutral 40-atom CsPbI3 cell is closed shell with every keyword", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.05, 7);
  REQUIRE(cell.size() == 40);
  const Cp2kSettings settings;
  const auto n = count_electrons(cell, settings);
  CHECK(n.valence_electrons == 8 * 34);  // 8 × (9 + 4 + 3·7)
  CHECK(n.electrons == 272);
  CHECK(n.multiplicity == 1);
  CHECK_FALSE(n.uks);

  const std::string in = write_cp2k_input(cell, settings);
  for (const char* keyword : {"RUN_TYPE ENERGY_FORCE",
                              "METHOD QUICKSTEP",
                              "STRESS_TENSOR ANALYTICAL",
                              "BASIS_SET_FILE_NAME BASIS_MOLOPT",
                              "POTENTIAL_FILE_NAME GTH_POTENTIALS",
                              "CHARGE 0\n",
                              "MULTIPLICITY 1\n",
                              "CUTOFF 400\n",
                              "REL_CUTOFF 50\n",
                              "EPS_SCF 1e-06",
                              "MAX_SCF 100",
                              "PERIODIC XYZ",
                              "POISSON_SOLVER PERIODIC",
                              "&DIAGONALIZATION ON",
                              "METHOD BROYDEN_MIXING",
                              "ALPHA 0.3\n",
                              "NBROYDEN 8",
                              "&XC_FUNCTIONAL PBE",
                              "TYPE DFTD3(BJ)",
                              "PARAMETER_FILE_NAME dftd3.dat",
                              "REFERENCE_FUNCTIONAL PBE",
                              "POTENTIAL GTH-PBE-q9",
                              "POTENTIAL GTH-PBE-q4",
                              "POTENTIAL GTH-PBE-q7",
                              "BASIS_SET DZVP-MOLOPT-SR-GTH",
                              "&FORCES ON",
                              "&STRESS_TENSOR ON",
                              "A [angstrom] 12.58 0 0",
                              "C [angstrom] 0 0 12.58"}) {
    INFO(keyword);
    CHECK(has(in, keyword));
  }
  CHECK_FALSE(has(in, "UKS"));
  CHECK_FALSE(has(in, "SMEAR"));
  CHECK_FALSE(has(in, "ADDED_MOS"));
  CHECK_FALSE(has(in, "neutralising background"));
  // One &KIND per element present: no Br here.
  CHECK_FALSE(has(in, "&KIND Br"));
  CHECK(has(in, "&KIND Cs\n"));
  CHECK(has(in, "&KIND Pb\n"));
  CHECK(has(in, "&KIND I\n"));
}

TEST_CASE("CP2K input: 39-atom iodide-vacancy cell, charge decides RKS or UKS", "[cp2k]") {
  const Cp2kSettings settings;
  SECTION("V_I^+ (CHARGE +1): 265 − 1 = 264 electrons, even → RKS") {
    const auto cell = iodide_vacancy_cell(+1);
    REQUIRE(cell.size() == 39);
    const auto n = count_electrons(cell, settings);
    CHECK(n.valence_electrons == 272 - 7);
    CHECK(n.electrons == 264);
    CHECK_FALSE(n.uks);
    const auto in = write_cp2k_input(cell, settings);
    CHECK(has(in, "CHARGE 1\n"));
    CHECK(has(in, "MULTIPLICITY 1\n"));
    CHECK_FALSE(has(in, "UKS"));
    CHECK(has(in, "neutralising background"));
  }
  SECTION("V_I^0: 265 electrons, odd → UKS doublet") {
    const auto cell = iodide_vacancy_cell(0);
    const auto n = count_electrons(cell, settings);
    CHECK(n.electrons == 265);
    CHECK(n.uks);
    CHECK(n.multiplicity == 2);
    const auto in = write_cp2k_input(cell, settings);
    CHECK(has(in, "CHARGE 0\n"));
    CHECK(has(in, "MULTIPLICITY 2\n"));
    CHECK(has(in, "UKS TRUE\n"));
    CHECK_FALSE(has(in, "FIXED_MAGNETIC_MOMENT"));  // no smearing: MULTIPLICITY fixes it
  }
  SECTION("smeared UKS keeps the written spin: n(up) - n(down) = multiplicity - 1") {
    // CP2K's default with SMEAR lets the moment float, and a V_I^0 cell then converges
    // to a spin-unpolarised state (seen here: integrated |spin density| 4e-5).
    auto s = settings;
    s.smearing_temperature_k = 300;
    const auto doublet = write_cp2k_input(iodide_vacancy_cell(0), s);
    CHECK(has(doublet, "&SMEAR ON"));
    CHECK(has(doublet, "        FIXED_MAGNETIC_MOMENT 1\n      &END SMEAR\n"));
    s.multiplicity = 4;  // a quartet of the odd count: three unpaired electrons
    CHECK(has(write_cp2k_input(iodide_vacancy_cell(0), s), "FIXED_MAGNETIC_MOMENT 3\n"));
    s.multiplicity = 0;  // closed shell (RKS): there is no moment to fix
    const auto closed = write_cp2k_input(iodide_vacancy_cell(+1), s);
    CHECK(has(closed, "&SMEAR ON"));
    CHECK_FALSE(has(closed, "FIXED_MAGNETIC_MOMENT"));
  }
  SECTION("settings.charge_e overrides the structure's charge") {
    auto s = settings;
    s.charge_e = -1;  // V_I^- : 266 electrons
    const auto n = count_electrons(iodide_vacancy_cell(+1), s);
    CHECK(n.charge_e == -1);
    CHECK(n.electrons == 266);
    CHECK_FALSE(n.uks);
  }
  SECTION("an explicit multiplicity must match the parity") {
    auto s = settings;
    s.multiplicity = 1;
    CHECK_THROWS_AS(count_electrons(iodide_vacancy_cell(0), s), InputError);
    s.multiplicity = 3;  // triplet of an even count: allowed, spin-polarised
    const auto n = count_electrons(iodide_vacancy_cell(+1), s);
    CHECK(n.uks);
    CHECK(n.multiplicity == 3);
    s.multiplicity = -1;
    CHECK_THROWS_AS(count_electrons(iodide_vacancy_cell(+1), s), InputError);
  }
}

TEST_CASE("CP2K input: bad structures and settings are InputErrors", "[cp2k]") {
  auto cell = test::cspbi3_supercell(1, 6.29, 0.0, 1);
  Cp2kSettings s;
  CHECK(test::input_error_of([&] {
          s.charge_e = 34;
          write_cp2k_input(cell, s);
        }).find("leaves 0 electrons") != std::string::npos);
  s = Cp2kSettings{};
  cell.append("Sn", atomistic::Vec3(1, 1, 1));
  CHECK(test::input_error_of([&] { write_cp2k_input(cell, s); }).find("'Sn'") != std::string::npos);
  cell.remove(cell.size() - 1);
  for (auto bad : {+1, 2}) {
    Cp2kSettings b;
    if (bad == 1) b.mixing_alpha = 0;
    if (bad == 2) b.max_scf = 0;
    CHECK_THROWS_AS(write_cp2k_input(cell, b), InputError);
  }
  CHECK_THROWS_AS(write_cp2k_input(atomistic::Structure{}, s), InputError);
}

TEST_CASE("CP2K input: cell and coordinates round-trip bit for bit", "[cp2k]") {
  auto cell = test::cspbi3_supercell(2, 6.29, 0.05, 11);
  cell.cell_angstrom(0, 1) = 0.1234567890123;  // a sheared cell: off-diagonal entries too
  cell.positions_angstrom(0, 0) = 1e-17;
  cell.positions_angstrom(1, 3) = -0.1 / 3.0;
  cell.charge_e = -2;
  const auto back = test::structure_from_cp2k_input(write_cp2k_input(cell, Cp2kSettings{}));
  REQUIRE(back.size() == cell.size());
  CHECK(back.elements == cell.elements);
  CHECK(back.charge_e == -2);
  CHECK((back.cell_angstrom.array() == cell.cell_angstrom.array()).all());
  CHECK((back.positions_angstrom.array() == cell.positions_angstrom.array()).all());
}

TEST_CASE("CP2K input: smearing, files and the cp2k-data lookup", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.0, 1);
  Cp2kSettings s;
  s.smearing_temperature_k = 300;
  s.basis_set_file = "/data/BASIS_MOLOPT";
  s.potential_file = "/data/GTH_POTENTIALS";
  s.dftd3_parameter_file = "/data/dftd3.dat";
  const auto in = write_cp2k_input(cell, s);
  CHECK(has(in, "&SMEAR ON"));
  CHECK(has(in, "METHOD FERMI_DIRAC"));
  CHECK(has(in, "ELECTRONIC_TEMPERATURE [K] 300\n"));
  CHECK(has(in, "ADDED_MOS 27\n"));  // 136 occupied orbitals / 5
  CHECK(has(in, "BASIS_SET_FILE_NAME /data/BASIS_MOLOPT\n"));
  CHECK(has(in, "POTENTIAL_FILE_NAME /data/GTH_POTENTIALS\n"));
  CHECK(has(in, "PARAMETER_FILE_NAME /data/dftd3.dat\n"));
  s.dispersion_d3bj = false;
  s.compute_stress = false;
  const auto plain = write_cp2k_input(cell, s);
  CHECK_FALSE(has(plain, "VDW_POTENTIAL"));
  CHECK_FALSE(has(plain, "STRESS_TENSOR"));

  // $CP2K_DATA_DIR wins when it holds BASIS_MOLOPT.
  const auto dir = std::filesystem::temp_directory_path() / "ionhop-cp2k-data-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "BASIS_MOLOPT") << "# test\n";
  const char* old = std::getenv("CP2K_DATA_DIR");
  const std::string saved = old != nullptr ? old : "";
  setenv("CP2K_DATA_DIR", dir.c_str(), 1);
  CHECK(find_cp2k_data_dir() == dir.string());
  const auto resolved = resolve_cp2k_data_files(Cp2kSettings{});
  CHECK(resolved.basis_set_file == (dir / "BASIS_MOLOPT").string());
  CHECK(resolved.potential_file == (dir / "GTH_POTENTIALS").string());
  CHECK(resolved.dftd3_parameter_file == (dir / "dftd3.dat").string());
  if (old != nullptr) {
    setenv("CP2K_DATA_DIR", saved.c_str(), 1);
  } else {
    unsetenv("CP2K_DATA_DIR");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("CP2K input: the SCF starts from a previous wavefunction when one is given", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.0, 1);
  Cp2kSettings s;
  const auto atomic = write_cp2k_input(cell, s);
  CHECK(has(atomic, "SCF_GUESS ATOMIC\n"));
  CHECK_FALSE(has(atomic, "WFN_RESTART_FILE_NAME"));
  s.initial_wavefunction_file = "/work/label-3/attempt-1/ionhop-RESTART.wfn";
  const auto restart = write_cp2k_input(cell, s);
  CHECK(has(restart, "SCF_GUESS RESTART\n"));
  CHECK(has(restart, "    WFN_RESTART_FILE_NAME /work/label-3/attempt-1/ionhop-RESTART.wfn\n"));
  // Only the start differs: every other line is the same.
  std::string stripped = restart;
  stripped.replace(
      stripped.find("    WFN_RESTART_FILE_NAME"),
      std::string("    WFN_RESTART_FILE_NAME /work/label-3/attempt-1/ionhop-RESTART.wfn\n").size(),
      "");
  stripped.replace(stripped.find("RESTART\n      EPS_SCF"), 7, "ATOMIC");
  CHECK(stripped == atomic);
  // The retry after a failed SCF starts from atomic densities again.
  CHECK(retry_settings(s).initial_wavefunction_file.empty());
  s.initial_wavefunction_file = "/a path/x.wfn";
  CHECK_THROWS_AS(write_cp2k_input(cell, s), InputError);
}

TEST_CASE("CP2K runner: the last wavefunction a run left", "[cp2k]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ionhop-wfn-test";
  fs::remove_all(dir);
  CHECK(last_wavefunction_file(dir.string(), "ionhop").empty());  // no run yet
  fs::create_directories(dir / "attempt-1");
  CHECK(last_wavefunction_file(dir.string(), "ionhop").empty());  // a run without a wfn
  std::ofstream(dir / "attempt-1" / "ionhop-RESTART.wfn") << "1";
  CHECK(last_wavefunction_file(dir.string(), "ionhop") ==
        fs::absolute(dir / "attempt-1" / "ionhop-RESTART.wfn").string());
  fs::create_directories(dir / "attempt-2");
  std::ofstream(dir / "attempt-2" / "ionhop-RESTART.wfn") << "2";
  CHECK(last_wavefunction_file(dir.string(), "ionhop") ==
        fs::absolute(dir / "attempt-2" / "ionhop-RESTART.wfn").string());
  CHECK(last_wavefunction_file(dir.string(), "other").empty());
  fs::remove_all(dir);
}

TEST_CASE("CP2K input: the committed 40-atom fixture input is this writer's output", "[cp2k]") {
  // Regenerate after a deliberate writer change: see docs/cp2k.md (fixtures).
  const std::string fixture = read_text(test::data_path("cp2k/cspbi3_40/in.inp"));
  REQUIRE_FALSE(fixture.empty());
  const auto cell = test::structure_from_cp2k_input(fixture);
  CHECK(cell.size() == 40);
  Cp2kSettings s;
  s.basis_set_file = "/usr/share/cp2k/BASIS_MOLOPT";  // where the fixture run found them
  s.potential_file = "/usr/share/cp2k/GTH_POTENTIALS";
  s.dftd3_parameter_file = "/usr/share/cp2k/dftd3.dat";
  CHECK(write_cp2k_input(cell, s) == fixture);
  // And it is the rattled 2×2×2 test cell (σ = 0.05 Å, seed 7), to libm rounding.
  const auto expected = test::cspbi3_supercell(2, 6.29, 0.05, 7);
  CHECK((cell.positions_angstrom - expected.positions_angstrom).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("CP2K runner: command line and retry settings", "[cp2k]") {
  Cp2kRunSettings run;
  run.mpi_ranks = 2;
  run.timeout_s = 90;
  const auto cmd = cp2k_shell_command("/tmp/it's here", run);
  CHECK(has(cmd, "cd '/tmp/it'\\''s here' && "));
  CHECK(has(cmd, "OMP_NUM_THREADS=1 "));
  CHECK(has(cmd, "nice -n 10 "));
  CHECK(has(cmd, "timeout -k 10 90 "));
  CHECK(has(cmd, "mpirun -np 2 cp2k.psmp -i in.inp -o out.log"));
  run.mpi_ranks = 1;
  run.nice_level = 0;
  const auto serial = cp2k_shell_command("/w", run);
  CHECK(has(serial, "'cp2k.psmp -i in.inp -o out.log'"));
  CHECK_FALSE(has(serial, "mpirun"));
  CHECK_FALSE(has(serial, "nice"));
  run.command = "srun -n {ranks} cp2k.psmp {input} > {output}";
  CHECK(has(cp2k_shell_command("/w", run), "srun -n 1 cp2k.psmp in.inp > out.log"));

  Cp2kSettings s;
  const auto safer = retry_settings(s);
  CHECK(safer.mixing_alpha == Approx(0.15));
  CHECK(safer.max_scf == 200);
  CHECK(safer.smearing_temperature_k == 300);
  s.mixing_alpha = 0.08;
  s.max_scf = 150;
  s.smearing_temperature_k = 500;
  const auto again = retry_settings(s);
  CHECK(again.mixing_alpha == 0.05);
  CHECK(again.max_scf == 300);
  CHECK(again.smearing_temperature_k == 500);
}
