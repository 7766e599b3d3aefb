// End-to-end CP2K runs (hidden: CI never runs DFT). "[.cp2k_live]": an I2 molecule and an
// I2+ cation in a box, and the unconverged-SCF retry (about 20–60 s each on 2 shared
// cores). "[.cp2k_live_cell]":
// the 40-atom CsPbI3 cell and a max_scf = 2 run, which produced the fixtures in
// tests/data/cp2k/ (about a minute each on 2 cores). Each skips with a warning when
// cp2k.psmp is not on PATH (scripts/install_dft.sh installs it).
// Run: build/tests/ionhop_tests "[.cp2k_live]"; set IONHOP_CP2K_WORK_DIR to keep the files.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "cp2k_test_cells.hpp"
#include "ionhop/reference/cp2k_runner.hpp"

using namespace ionhop;
using namespace ionhop::reference;

namespace {

bool cp2k_missing() {
  if (executable_on_path("cp2k.psmp")) return false;
  WARN("cp2k.psmp not on PATH: CP2K end-to-end test skipped (scripts/install_dft.sh)");
  return true;
}

std::string work_dir(const std::string& name) {
  const char* keep = std::getenv("IONHOP_CP2K_WORK_DIR");
  const std::filesystem::path base =
      keep != nullptr && *keep != '\0'
          ? std::filesystem::path(keep)
          : std::filesystem::temp_directory_path() /
                ("ionhop-cp2k-" + std::to_string(static_cast<long>(getpid())));
  return (base / name).string();
}

atomistic::Structure iodine_molecule(double bond_angstrom, int charge_e) {
  atomistic::Structure s;
  s.cell_angstrom = Eigen::Matrix3d::Identity() * 9.0;
  s.append("I", atomistic::Vec3(4.5 - bond_angstrom / 2, 4.5, 4.5));
  s.append("I", atomistic::Vec3(4.5 + bond_angstrom / 2, 4.5, 4.5));
  s.charge_e = charge_e;
  return s;
}

Cp2kSettings small_settings() {
  Cp2kSettings dft = resolve_cp2k_data_files(Cp2kSettings{});
  dft.cutoff_ry = 300;  // a molecule test of the plumbing, not production accuracy
  dft.compute_stress = false;
  return dft;
}

}  // namespace

TEST_CASE("CP2K live: I2 molecule, forces equal and opposite along the bond", "[.cp2k_live]") {
  if (cp2k_missing()) return;
  Cp2kRunSettings run;
  run.work_dir = work_dir("i2");
  run.timeout_s = 300;
  const auto result = run_cp2k(iodine_molecule(2.80, 0), small_settings(), run);
  INFO(result.failure);
  REQUIRE(result.converged);
  REQUIRE(result.attempts.size() == 1);
  CHECK(result.attempts[0].output.electrons == 14);
  const Eigen::Matrix3Xd& f = result.forces_ev_per_angstrom;
  REQUIRE(f.cols() == 2);
  CHECK(f.rowwise().sum().norm() < 1e-3);
  // Stretched beyond the PBE bond length (~2.68 Å): the atoms attract, F_x(0) > 0.
  CHECK(f(0, 0) > 0.1);
  CHECK(std::abs(f(1, 0)) < 1e-3);
  CHECK(std::abs(f(2, 0)) < 1e-3);
}

TEST_CASE("CP2K live: I2+ has 13 electrons and runs as a UKS doublet", "[.cp2k_live]") {
  if (cp2k_missing()) return;
  Cp2kRunSettings run;
  run.work_dir = work_dir("i2-cation");
  run.timeout_s = 300;
  const auto structure = iodine_molecule(2.70, +1);
  auto dft = small_settings();
  // The doublet's hole sits in a doubly degenerate π* level: without smearing the SCF
  // sloshes (100 steps, 254 s, not converged: tests/data/cp2k/i2_cation_uks). Fail fast
  // and let the retry (Fermi–Dirac 300 K, alpha/2) converge it.
  dft.max_scf = 30;
  REQUIRE(count_electrons(structure, dft).uks);
  const auto result = run_cp2k(structure, dft, run);
  INFO(result.failure);
  REQUIRE(result.converged);
  CHECK(result.attempts.back().output.electrons == 13);
}

TEST_CASE("CP2K live: an unconverged SCF is retried with safer settings", "[.cp2k_live]") {
  if (cp2k_missing()) return;
  Cp2kRunSettings run;
  run.work_dir = work_dir("i2-retry");
  run.timeout_s = 300;
  auto dft = small_settings();
  dft.max_scf = 2;
  const auto result = run_cp2k(iodine_molecule(2.80, 0), dft, run);
  REQUIRE(result.attempts.size() == 2);
  CHECK_FALSE(result.attempts[0].output.scf_converged);
  CHECK(result.attempts[0].failure.find("SCF run NOT converged") != std::string::npos);
  CHECK(result.attempts[1].settings.max_scf == 200);
  CHECK(result.attempts[1].settings.smearing_temperature_k == 300);
  INFO(result.failure);
  CHECK(result.converged);
}

TEST_CASE("CP2K live: 40-atom CsPbI3 cell (fixture source)", "[.cp2k_live_cell]") {
  if (cp2k_missing()) return;
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.05, 7);
  const auto dft = resolve_cp2k_data_files(Cp2kSettings{});

  SECTION("converged single point") {
    Cp2kRunSettings run;
    run.work_dir = work_dir("cspbi3-40");
    run.timeout_s = 900;
    const auto result = run_cp2k(cell, dft, run);
    INFO(result.failure);
    REQUIRE(result.converged);
    const auto& a = result.attempts.back();
    WARN("40-atom CsPbI3: E = " << result.energy_ev << " eV, max |F| = "
                                << result.forces_ev_per_angstrom.colwise().norm().maxCoeff()
                                << " eV/A, CP2K wall " << a.output.wall_time_s.value_or(-1)
                                << " s, elapsed " << a.elapsed_s << " s, SCF steps "
                                << a.output.scf_steps << ", dir " << a.directory);
    // Net force: small but not zero on GPW's real-space grid (egg-box effect).
    CHECK(result.forces_ev_per_angstrom.rowwise().sum().norm() < 0.01);
  }
  SECTION("max_scf = 2 is a failure, not a result") {
    auto short_scf = dft;
    short_scf.max_scf = 2;
    Cp2kRunSettings run;
    run.work_dir = work_dir("cspbi3-40-unconverged");
    run.timeout_s = 900;
    run.retry_unconverged = false;
    const auto result = run_cp2k(cell, short_scf, run);
    CHECK_FALSE(result.converged);
    REQUIRE(result.attempts.size() == 1);
    CHECK(result.failure.find("SCF run NOT converged") != std::string::npos);
    WARN("unconverged run: " << result.failure << ", elapsed " << result.attempts[0].elapsed_s
                             << " s, dir " << result.attempts[0].directory);
  }
}

TEST_CASE("CP2K live: the SCF from a neighbouring geometry's wavefunction converges sooner",
          "[.cp2k_live]") {
  if (cp2k_missing()) return;
  Cp2kRunSettings run;
  run.timeout_s = 300;
  run.work_dir = work_dir("i2-wfn-first");
  const auto dft = small_settings();
  const auto first = run_cp2k(iodine_molecule(2.80, 0), dft, run);
  REQUIRE(first.converged);
  const std::string wfn = last_wavefunction_file(run.work_dir, dft.project);
  REQUIRE_FALSE(wfn.empty());
  // The stretched molecule from atomic densities and from the first run's orbitals.
  run.work_dir = work_dir("i2-wfn-atomic");
  const auto atomic = run_cp2k(iodine_molecule(2.85, 0), dft, run);
  auto restart_dft = dft;
  restart_dft.initial_wavefunction_file = wfn;
  run.work_dir = work_dir("i2-wfn-restart");
  const auto restart = run_cp2k(iodine_molecule(2.85, 0), restart_dft, run);
  REQUIRE(atomic.converged);
  INFO(restart.failure);
  REQUIRE(restart.converged);
  REQUIRE(restart.attempts.size() == 1);
  const int steps_atomic = atomic.attempts.back().output.scf_steps;
  const int steps_restart = restart.attempts.back().output.scf_steps;
  INFO("SCF steps: atomic " << steps_atomic << ", restart " << steps_restart);
  CHECK(steps_restart < steps_atomic);
  // The same converged state: energies within the SCF tolerance's reach, forces alike.
  CHECK(restart.energy_ev == Approx(atomic.energy_ev).margin(1e-4));
  CHECK((restart.forces_ev_per_angstrom - atomic.forces_ev_per_angstrom).cwiseAbs().maxCoeff() <
        1e-3);
  // A missing file: CP2K falls back to the atomic guess and still converges.
  restart_dft.initial_wavefunction_file = work_dir("none") + "/missing.wfn";
  run.work_dir = work_dir("i2-wfn-missing");
  const auto missing = run_cp2k(iodine_molecule(2.85, 0), restart_dft, run);
  INFO(missing.failure);
  CHECK(missing.converged);
}
