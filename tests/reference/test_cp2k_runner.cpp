// CP2K runner without CP2K: the command template replaced by stand-ins that copy a recorded
// output, fail, or hang, so the result plumbing, the retry rule and the timeout (process
// group killed) are tested in CI.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../test_support.hpp"
#include "cp2k_test_cells.hpp"
#include "ionhop/reference/cp2k_runner.hpp"

using namespace ionhop;
using namespace ionhop::reference;

namespace {

Cp2kRunSettings fake_run(const std::string& name, const std::string& command) {
  Cp2kRunSettings run;
  run.work_dir = (std::filesystem::temp_directory_path() /
                  ("ionhop-cp2k-runner-" + std::to_string(static_cast<long>(getpid()))) / name)
                     .string();
  run.command = command;
  run.nice_level = 0;
  run.timeout_s = 30;
  return run;
}

std::string copy_fixture(const std::string& fixture) {
  return "cp '" + test::data_path(fixture) + "' {output}";
}

}  // namespace

TEST_CASE("CP2K runner: a recorded converged output becomes the result", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.05, 7);
  const auto run = fake_run("converged", copy_fixture("cp2k/cspbi3_40/out.trimmed"));
  const auto result = run_cp2k(cell, Cp2kSettings{}, run);
  INFO(result.failure);
  REQUIRE(result.converged);
  REQUIRE(result.attempts.size() == 1);
  CHECK(result.failure.empty());
  CHECK(result.forces_ev_per_angstrom.cols() == 40);
  CHECK(result.has_stress);
  CHECK(result.energy_ev < 0);
  CHECK(result.attempts[0].exit_code == 0);
  // The input was written where the command ran.
  CHECK(std::filesystem::exists(result.attempts[0].directory + "/in.inp"));
  std::filesystem::remove_all(std::filesystem::path(run.work_dir).parent_path());
}

TEST_CASE("CP2K runner: an unconverged SCF is retried once, then reported as failure", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(2, 6.29, 0.05, 7);
  auto run = fake_run("unconverged", copy_fixture("cp2k/cspbi3_40_unconverged/out.trimmed"));
  const auto result = run_cp2k(cell, Cp2kSettings{}, run);
  CHECK_FALSE(result.converged);
  REQUIRE(result.attempts.size() == 2);
  CHECK(result.attempts[0].settings.smearing_temperature_k == 0);
  CHECK(result.attempts[1].settings.smearing_temperature_k == 300);
  CHECK(result.attempts[1].settings.mixing_alpha == Approx(0.15));
  CHECK(result.failure.find("attempt 2: SCF run NOT converged") == 0);
  CHECK(result.forces_ev_per_angstrom.cols() == 0);  // no numbers from a failed run

  run.retry_unconverged = false;
  CHECK(run_cp2k(cell, Cp2kSettings{}, run).attempts.size() == 1);
  std::filesystem::remove_all(std::filesystem::path(run.work_dir).parent_path());
}

TEST_CASE("CP2K runner: a crash is a failure without retry; a hang is killed", "[cp2k]") {
  const auto cell = test::cspbi3_supercell(1, 6.29, 0.0, 1);
  SECTION("missing program") {
    const auto run = fake_run("missing", "ionhop-no-such-cp2k -i {input} -o {output}");
    const auto result = run_cp2k(cell, Cp2kSettings{}, run);
    CHECK_FALSE(result.converged);
    REQUIRE(result.attempts.size() == 1);
    CHECK(result.attempts[0].exit_code == 127);
    CHECK(result.failure.find("cannot read CP2K output") != std::string::npos);
    CHECK(result.failure.find("exit code 127") != std::string::npos);
  }
  SECTION("timeout kills the whole process group") {
    // The shell starts a background sleeper (a stand-in for MPI ranks), records its pid,
    // and waits.
    auto run = fake_run("hang", "sleep 30 & echo $! > bg.pid; wait");
    run.timeout_s = 1;
    const auto start = std::chrono::steady_clock::now();
    const auto result = run_cp2k(cell, Cp2kSettings{}, run);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK_FALSE(result.converged);
    REQUIRE(result.attempts.size() == 1);
    CHECK(result.attempts[0].timed_out);
    CHECK(result.attempts[0].exit_code == 124);
    CHECK(result.failure.find("timed out") != std::string::npos);
    CHECK(elapsed < 15);
    // The background sleeper died with the group (gone, or a zombie awaiting its reaper).
    std::ifstream pid_file(result.attempts[0].directory + "/bg.pid");
    long pid = 0;
    REQUIRE(pid_file >> pid);
    bool alive = true;
    for (int i = 0; i < 40 && alive; ++i) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string ignore, state;
      alive = static_cast<bool>(stat >> ignore >> ignore >> state) && state != "Z";
      if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK_FALSE(alive);
  }
  SECTION("invalid settings throw before anything runs") {
    auto run = fake_run("bad", "true");
    run.mpi_ranks = 0;
    CHECK_THROWS_AS(run_cp2k(cell, Cp2kSettings{}, run), InputError);
    run.mpi_ranks = 1;
    run.work_dir.clear();
    CHECK_THROWS_AS(run_cp2k(cell, Cp2kSettings{}, run), InputError);
  }
  std::filesystem::remove_all(std::filesystem::path(fake_run("any", "").work_dir).parent_path());
}
