// CP2K runner: input → attempt directory → cp2k.psmp under timeout(1) → parsed result, with
// one retry on an unconverged SCF.
#include "ionhop/reference/cp2k_runner.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ionhop/core/error.hpp"

namespace ionhop::reference {

namespace {

// Single-quoted for /bin/sh ('…' with embedded ' as '\'').
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

std::string tail_of_file(const std::filesystem::path& path, std::size_t max_lines) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return out;
}

}  // namespace

std::string last_wavefunction_file(const std::string& work_dir, const std::string& project) {
  namespace fs = std::filesystem;
  std::string found;
  for (int k = 1;; ++k) {
    const fs::path dir = fs::path(work_dir) / ("attempt-" + std::to_string(k));
    if (!fs::is_directory(dir)) break;
    const fs::path wfn = dir / (project + "-RESTART.wfn");
    if (fs::is_regular_file(wfn)) found = fs::absolute(wfn).string();
  }
  return found;
}

Cp2kSettings retry_settings(const Cp2kSettings& settings) {
  Cp2kSettings safer = settings;
  safer.mixing_alpha = std::max(0.05, settings.mixing_alpha / 2);
  safer.max_scf = std::max(200, 2 * settings.max_scf);
  if (safer.smearing_temperature_k <= 0) safer.smearing_temperature_k = 300;
  // A fresh start: the wavefunction that the failed SCF started from is not trusted.
  safer.initial_wavefunction_file.clear();
  return safer;
}

std::string cp2k_shell_command(const std::string& directory, const Cp2kRunSettings& run) {
  std::string command = run.command;
  if (command.empty()) {
    command = run.mpi_ranks <= 1 ? "cp2k.psmp -i {input} -o {output}"
                                 : "mpirun -np {ranks} cp2k.psmp -i {input} -o {output}";
  }
  replace_all(command, "{input}", "in.inp");
  replace_all(command, "{output}", "out.log");
  replace_all(command, "{ranks}", std::to_string(run.mpi_ranks));
  std::ostringstream timeout;
  timeout << std::max(1.0, run.timeout_s);
  std::string line = "cd " + shell_quote(directory) +
                     " && OMP_NUM_THREADS=" + std::to_string(std::max(1, run.omp_threads)) +
                     // OpenMPI refuses to start as root unless both are set (containers).
                     " OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ";
  if (run.nice_level != 0) line += "nice -n " + std::to_string(run.nice_level) + " ";
  line += "timeout -k 10 " + timeout.str() + " /bin/sh -c " + shell_quote(command) +
          " > stdout.txt 2> stderr.txt < /dev/null";
  return line;
}

bool executable_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::istringstream dirs(path);
  std::string dir;
  std::error_code ec;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      const auto perms = std::filesystem::status(candidate, ec).permissions();
      if ((perms & std::filesystem::perms::others_exec) != std::filesystem::perms::none ||
          (perms & std::filesystem::perms::owner_exec) != std::filesystem::perms::none) {
        return true;
      }
    }
  }
  return false;
}

Cp2kResult run_cp2k(const atomistic::Structure& structure, const Cp2kSettings& dft,
                    const Cp2kRunSettings& run) {
  if (run.work_dir.empty()) throw InputError("", "", "CP2K run: empty work directory");
  if (run.mpi_ranks < 1) throw InputError("", "", "CP2K run: mpi_ranks must be >= 1");
  namespace fs = std::filesystem;

  Cp2kResult result;
  Cp2kSettings settings = dft;
  const int max_attempts = run.retry_unconverged ? 2 : 1;
  for (int k = 1; k <= max_attempts; ++k) {
    Cp2kAttempt attempt;
    attempt.settings = settings;
    const fs::path dir = fs::absolute(fs::path(run.work_dir) / ("attempt-" + std::to_string(k)));
    attempt.directory = dir.string();
    const std::string input = write_cp2k_input(structure, settings);  // may throw InputError
    fs::create_directories(dir);
    for (const char* stale : {"out.log", "stdout.txt", "stderr.txt"}) {
      std::error_code ec;
      fs::remove(dir / stale, ec);
    }
    {
      std::ofstream out(dir / "in.inp", std::ios::binary | std::ios::trunc);
      out << input;
      if (!out) throw std::runtime_error("cannot write CP2K input " + (dir / "in.inp").string());
    }
    attempt.command_line = cp2k_shell_command(attempt.directory, run);
    const auto start = std::chrono::steady_clock::now();
    const int status = std::system(attempt.command_line.c_str());
    attempt.elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    attempt.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    // timeout(1): 124 after TERM, 137 (128 + 9) when KILL was needed.
    attempt.timed_out = attempt.exit_code == 124 || attempt.exit_code == 137;
    attempt.output = read_cp2k_output((dir / "out.log").string(), structure.size());

    if (attempt.timed_out) {
      std::ostringstream msg;
      msg << "timed out after " << run.timeout_s << " s (process group killed)";
      attempt.failure = msg.str();
    } else if (!attempt.output.ok()) {
      attempt.failure = attempt.output.failure;
      if (attempt.exit_code != 0) {
        attempt.failure += "; exit code " + std::to_string(attempt.exit_code) +
                           "; stderr: " + tail_of_file(dir / "stderr.txt", 3);
      }
    } else if (attempt.exit_code != 0) {
      attempt.failure =
          "exit code " + std::to_string(attempt.exit_code) +
          " despite a complete output; stderr: " + tail_of_file(dir / "stderr.txt", 3);
    }
    const bool scf_failure = !attempt.timed_out && !attempt.failure.empty() &&
                             attempt.output.failure.rfind("SCF run NOT converged", 0) == 0;
    result.attempts.push_back(attempt);
    if (attempt.failure.empty()) {
      result.converged = true;
      result.energy_ev = *attempt.output.energy_ev;
      result.forces_ev_per_angstrom = *attempt.output.forces_ev_per_angstrom;
      if (attempt.output.stress_ev_per_angstrom3) {
        result.stress_ev_per_angstrom3 = *attempt.output.stress_ev_per_angstrom3;
        result.has_stress = true;
      }
      result.failure.clear();
      return result;
    }
    result.failure = "attempt " + std::to_string(k) + ": " + attempt.failure;
    if (!scf_failure) break;  // only an unconverged SCF is worth a retry
    settings = retry_settings(settings);
  }
  return result;
}

}  // namespace ionhop::reference
