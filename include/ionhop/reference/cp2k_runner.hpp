// Runs a CP2K single point on a structure: writes the input into a work directory, runs
// cp2k.psmp (under mpirun for more than one rank) with a timeout, parses the output, and
// retries once with safer SCF settings when the SCF does not converge. Every attempt is
// recorded; nothing is printed (the caller decides what to log).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "ionhop/atomistic/structure.hpp"
#include "ionhop/reference/cp2k_input.hpp"
#include "ionhop/reference/cp2k_output.hpp"

namespace ionhop::reference {

struct Cp2kRunSettings {
  // Work directory (created if missing); attempt k runs in <work_dir>/attempt-k with
  // in.inp, out.log, stdout.txt, stderr.txt. Existing files there are overwritten.
  std::string work_dir;
  int mpi_ranks = 2;    // 1: cp2k.psmp without mpirun
  int omp_threads = 1;  // OMP_NUM_THREADS per rank
  // Command template; "" = "cp2k.psmp -i {input} -o {output}" for one rank, else
  // "mpirun -np {ranks} cp2k.psmp -i {input} -o {output}". Placeholders {input},
  // {output}, {ranks} are replaced (file names relative to the attempt directory, where
  // the command runs). Run through /bin/sh.
  std::string command;
  double timeout_s = 3600;        // wall limit per attempt; the whole process group is killed
  int nice_level = 10;            // run under nice -n (0 = not niced): the cores are shared
  bool retry_unconverged = true;  // one retry with retry_settings(...) on SCF failure
};

struct Cp2kAttempt {
  std::string directory;
  Cp2kSettings settings;     // the DFT settings of this attempt
  std::string command_line;  // what was run
  int exit_code = -1;        // of the command (124/137 = timed out)
  bool timed_out = false;
  double elapsed_s = 0;  // measured around the command
  Cp2kOutput output;
  std::string failure;  // "" = usable result
};

struct Cp2kResult {
  bool converged = false;  // the last attempt gave a usable result
  double energy_ev = 0;
  Eigen::Matrix3Xd forces_ev_per_angstrom{3, 0};  // F = −∂E/∂r, column per atom
  Eigen::Matrix3d stress_ev_per_angstrom3 = Eigen::Matrix3d::Zero();  // (1/V) ∂E/∂ε
  bool has_stress = false;
  std::vector<Cp2kAttempt> attempts;
  std::string failure;  // why no result ("" when converged)
};

// Safer SCF settings for the retry: mixing alpha halved (at least 0.05), max_scf doubled
// (at least 200), Fermi–Dirac smearing at 300 K when it was off, and the atomic SCF guess.
Cp2kSettings retry_settings(const Cp2kSettings& settings);

// The shell command of one attempt (for logs and tests): cd into the directory, set
// OMP_NUM_THREADS and OpenMPI's run-as-root permission, nice, timeout (coreutils; it puts
// the command in its own process group and signals the whole group: TERM, then KILL 10 s
// later), the command template, stdout/stderr to files.
std::string cp2k_shell_command(const std::string& directory, const Cp2kRunSettings& run);

// Runs CP2K on `structure` (see file comment). `dft` is used as given: call
// resolve_cp2k_data_files first to point at the installed cp2k-data. Throws InputError
// for invalid settings (from write_cp2k_input, or an empty work_dir / ranks < 1) and
// std::runtime_error when the work directory or input cannot be written; a failed or
// unconverged CP2K run is reported in the result, not thrown.
Cp2kResult run_cp2k(const atomistic::Structure& structure, const Cp2kSettings& dft,
                    const Cp2kRunSettings& run);

// The converged wavefunction a run in `work_dir` left (<work_dir>/attempt-k/<project>-
// RESTART.wfn of the last attempt that wrote one), as a start for a neighbouring geometry
// (Cp2kSettings::initial_wavefunction_file); "" when there is none.
std::string last_wavefunction_file(const std::string& work_dir, const std::string& project);

// Whether an executable of this name is on PATH.
bool executable_on_path(const std::string& name);

}  // namespace ionhop::reference
