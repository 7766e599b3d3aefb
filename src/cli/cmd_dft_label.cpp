// `ionhop dft-label STRUCTURES.extxyz --out LABELLED.extxyz`: CP2K single points
// (reference::run_cp2k, PBE-D3(BJ)/DZVP-MOLOPT-SR-GTH) of every frame, written one by one
// so that a killed run resumes where it stopped. See docs/mlff.md.
//
// Durability: after each converged frame the whole labelled file (what was there + the new
// frame) is rewritten atomically (io::write_file_atomically: temporary + rename), so the
// file is always a complete extxyz, never half a frame. The cost is O(frames²) bytes
// written, negligible next to minutes of DFT per frame. Failures go to
// LABELLED.failed.json the same way.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/reference/cp2k_input.hpp"
#include "ionhop/reference/cp2k_runner.hpp"

namespace ionhop::cli {

namespace {
namespace fs = std::filesystem;

struct DftLabelArgs {
  std::string input, out, work;
  int ranks = 2;
  double timeout_s = 900;
  // 0: the Cp2kSettings defaults (400 / 50 Ry); set for cutoff-convergence checks.
  double cutoff_ry = 0, rel_cutoff_ry = 0;
  double smearing_k = 0;  // Fermi-Dirac smearing from the first attempt (0: only in the retry)
  bool charge_from_info = false, retry_failed = false;
  std::string frames;  // "FIRST:LAST" (0-based, LAST excluded, like dft_source_frame); "": all
};

// The source frames to label, [first, last), from --frames "FIRST:LAST" (either side may be
// empty: "0:6" is the first six, "6:" the rest). E.g. half of a mirror-symmetric band.
std::pair<std::size_t, std::size_t> frame_range(const std::string& text, std::size_t count,
                                                const std::string& input) {
  if (text.empty()) return {0, count};
  const auto colon = text.find(':');
  const auto bad = [&](const std::string& why) {
    return InputError("command line", "--frames", "'" + text + "': " + why);
  };
  if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos)
    throw bad("expected FIRST:LAST (0-based, LAST excluded, e.g. 0:6)");
  const auto parse = [&](const std::string& part, std::size_t fallback) -> std::size_t {
    if (part.empty()) return fallback;
    if (part.find_first_not_of("0123456789") != std::string::npos)
      throw bad("'" + part + "' is not a frame index (0-based)");
    return std::stoul(part);
  };
  const std::size_t first = parse(text.substr(0, colon), 0);
  const std::size_t last = parse(text.substr(colon + 1), count);
  if (first >= last) throw bad("selects no frame (FIRST must be below LAST)");
  if (last > count)
    throw bad(input + " has " + std::to_string(count) + " frame(s), so LAST is at most " +
              std::to_string(count));
  return {first, last};
}

// LABELLED.extxyz → LABELLED.failed.json.
std::string failed_path(const std::string& out) {
  const std::string ext = ".extxyz";
  std::string stem = out;
  if (stem.size() > ext.size() && stem.compare(stem.size() - ext.size(), ext.size(), ext) == 0)
    stem.resize(stem.size() - ext.size());
  return stem + ".failed.json";
}

// Whether the comment line (line 2) of every frame holds a "charge=" key: a simple scan by
// the atom counts, run after read_extxyz has accepted the file.
std::vector<bool> frames_with_charge_key(const std::string& text) {
  std::vector<bool> has;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::size_t atoms = std::stoul(line);
    std::string comment;
    std::getline(in, comment);
    const auto pos = comment.find("charge=");
    has.push_back(pos != std::string::npos &&
                  (pos == 0 || comment[pos - 1] == ' ' || comment[pos - 1] == '\t'));
    for (std::size_t k = 0; k < atoms && std::getline(in, line); ++k) {
    }
  }
  return has;
}
}  // namespace

Action add_dft_label_command(CLI::App& app) {
  auto a = std::make_shared<DftLabelArgs>();
  auto* sub = app.add_subcommand(
      "dft-label", "CP2K (PBE-D3(BJ)) energies, forces and stresses of every frame of an extxyz");
  sub->add_option("structures", a->input, "extxyz file of structures to label")->required();
  sub->add_option("--out", a->out, "labelled extxyz (appended to; resumed if present)")->required();
  sub->add_option("--ranks", a->ranks, "MPI ranks per CP2K run (default 2)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--timeout-s", a->timeout_s, "wall limit per CP2K attempt (default 900)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--work", a->work,
                  "CP2K work directory (default OUT.work); frame k runs in DIR/frame-k");
  sub->add_option("--cutoff-ry", a->cutoff_ry,
                  "plane-wave density cutoff (Ry; default 400): for convergence checks, the "
                  "settings hash of each frame records it")
      ->check(CLI::PositiveNumber);
  sub->add_option("--rel-cutoff-ry", a->rel_cutoff_ry,
                  "cutoff of the Gaussian mapping onto the multigrid (Ry; default 50)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--smearing-k", a->smearing_k,
                  "Fermi-Dirac smearing (K) from the first SCF attempt (default 0: integer "
                  "occupations, smearing only in the retry of a failed SCF); for cells whose "
                  "extra electrons sit in near-degenerate states (e.g. V_I^- in 2x2x2)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--charge-from-info", a->charge_from_info,
                "require every frame to state its cell charge (extxyz charge=): without it a "
                "frame with no charge= key is taken as neutral");
  sub->add_flag("--retry-failed", a->retry_failed,
                "run again the frames recorded in OUT's .failed.json");
  sub->add_option("--frames", a->frames,
                  "label only source frames FIRST <= k < LAST (0-based, the dft_source_frame "
                  "numbering; either side may be empty), e.g. 0:6 for the first half of an "
                  "11-image mirror band");
  sub->footer(
      "The cell charge of each frame is Structure::charge_e (extxyz charge=). Each converged\n"
      "frame is added to OUT at once (the file is rewritten atomically), with energy, forces,\n"
      "info stress=\"9 numbers\" (eV/A^3, ionhop sign: (1/V) dE/d(strain)), dft=,\n"
      "cp2k_settings_sha256=, cp2k_attempts=, cp2k_wall_s=, dft_source_frame=k. On restart\n"
      "frames already in OUT are skipped. Failed frames go to OUT with .failed.json instead of\n"
      ".extxyz and are not retried without --retry-failed.\n"
      "Exit status 0: every frame (of --frames) labelled; 3: some failed; 2: bad input.\n"
      "Examples:\n  ionhop dft-label train.extxyz --out train_dft.extxyz --ranks 2\n"
      "  ionhop dft-label band_path.extxyz --frames 0:6 --out band_path_dft.extxyz");
  return [a]() {
    if (!fs::exists(a->input)) throw InputError(a->input, "", "no such file");
    const std::string text = io::read_text_file(a->input);
    const std::vector<io::ExtxyzFrame> frames = io::parse_extxyz(text, a->input);
    if (frames.empty()) throw InputError(a->input, "", "no frame");
    const auto [first_frame, last_frame] = frame_range(a->frames, frames.size(), a->input);

    reference::Cp2kSettings dft = reference::resolve_cp2k_data_files(reference::Cp2kSettings{});
    if (a->cutoff_ry > 0) dft.cutoff_ry = a->cutoff_ry;
    if (a->rel_cutoff_ry > 0) dft.rel_cutoff_ry = a->rel_cutoff_ry;
    dft.smearing_temperature_k = a->smearing_k;
    // Check every frame before running anything: elements with a GTH kind, electrons.
    const std::vector<bool> charged = frames_with_charge_key(text);
    for (std::size_t k = 0; k < frames.size(); ++k) {
      if (a->charge_from_info && (k >= charged.size() || !charged[k]))
        throw InputError(a->input, "",
                         "frame " + std::to_string(k + 1) +
                             " has no charge= key (required by --charge-from-info)");
      try {
        (void)reference::count_electrons(frames[k].structure, dft);
      } catch (const InputError& e) {
        throw InputError(a->input, "", "frame " + std::to_string(k + 1) + ": " + e.problem());
      }
    }

    // Resume: source frames already labelled, and recorded failures.
    std::string labelled_text;
    std::set<std::size_t> done;
    if (fs::exists(a->out)) {
      labelled_text = io::read_text_file(a->out);
      for (const auto& f : io::parse_extxyz(labelled_text, a->out)) {
        const auto it = f.structure.info.find("dft_source_frame");
        if (it == f.structure.info.end())
          throw InputError(a->out, "",
                           "a frame has no dft_source_frame key: not written by dft-label");
        done.insert(std::stoul(it->second));
      }
    }
    const std::string failures_file = failed_path(a->out);
    std::map<std::size_t, std::string> failures;
    if (fs::exists(failures_file)) {
      try {
        const auto doc = nlohmann::json::parse(io::read_text_file(failures_file));
        for (const auto& f : doc.at("failures"))
          failures[f.at("frame").get<std::size_t>()] = f.at("failure").get<std::string>();
      } catch (const nlohmann::json::exception& e) {
        throw InputError(failures_file, "", std::string("unreadable: ") + e.what());
      }
    }
    const auto write_failures = [&]() {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& [k, why] : failures) list.push_back({{"frame", k}, {"failure", why}});
      io::write_file_atomically(
          failures_file,
          nlohmann::json{{"schema", "ionhop.dft_label_failures/1"}, {"failures", list}}.dump(2) +
              "\n");
    };

    reference::Cp2kRunSettings run;
    run.mpi_ranks = a->ranks;
    run.timeout_s = a->timeout_s;
    const std::string work = a->work.empty() ? a->out + ".work" : a->work;

    std::size_t labelled = 0, failed = 0, skipped = 0;
    for (std::size_t k = first_frame; k < last_frame; ++k) {
      if (done.count(k) || (failures.count(k) && !a->retry_failed)) {
        ++skipped;
        continue;
      }
      const auto& frame = frames[k];
      // The previous frame's converged orbitals start the SCF when it is the same cell
      // content (same atoms and charge): fewer SCF steps, the same converged result.
      reference::Cp2kSettings frame_dft = dft;
      if (k > 0 && frames[k - 1].structure.elements == frame.structure.elements &&
          frames[k - 1].structure.charge_e == frame.structure.charge_e)
        frame_dft.initial_wavefunction_file = reference::last_wavefunction_file(
            (fs::path(work) / ("frame-" + std::to_string(k - 1))).string(), dft.project);
      std::printf(
          "frame %zu/%zu: %zu atoms, charge %+d e: running CP2K (%d ranks%s)...\n", k + 1,
          frames.size(), frame.structure.size(), frame.structure.charge_e, a->ranks,
          frame_dft.initial_wavefunction_file.empty() ? "" : ", SCF from the previous frame");
      std::fflush(stdout);
      run.work_dir = (fs::path(work) / ("frame-" + std::to_string(k))).string();
      const auto start = std::chrono::steady_clock::now();
      const reference::Cp2kResult r = reference::run_cp2k(frame.structure, frame_dft, run);
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!r.converged) {
        ++failed;
        failures[k] = r.failure;
        write_failures();
        std::printf("frame %zu/%zu: FAILED after %zu attempt(s), %.1f s: %s\n", k + 1,
                    frames.size(), r.attempts.size(), wall, r.failure.c_str());
        std::fflush(stdout);
        continue;
      }
      io::ExtxyzFrame out = cp2k_labelled_frame(frame.structure, r, dft, wall);
      auto& info = out.structure.info;
      info["dft_source_frame"] = std::to_string(k);
      labelled_text += io::format_extxyz({out});
      io::write_file_atomically(a->out, labelled_text);
      if (failures.erase(k)) write_failures();
      ++labelled;
      // With a frozen host the fixed atoms carry the host's residual forces; the free atoms'
      // maximum is the one that says how far a relaxed frame is from a DFT minimum.
      const Eigen::RowVectorXd force_norms = r.forces_ev_per_angstrom.colwise().norm();
      std::string free_max;
      if (!frame.structure.fixed.empty()) {
        double m = 0;
        for (std::size_t j = 0; j < frame.structure.size(); ++j)
          if (!frame.structure.is_fixed(j)) m = std::max(m, force_norms(Eigen::Index(j)));
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, " (free atoms %.4f)", m);
        free_max = buffer;
      }
      std::printf(
          "frame %zu/%zu: E = %.6f eV (%.6f eV/atom), max |F| = %.4f eV/A%s, %zu attempt(s), "
          "%.1f s\n",
          k + 1, frames.size(), r.energy_ev,
          r.energy_ev / static_cast<double>(frame.structure.size()), force_norms.maxCoeff(),
          free_max.c_str(), r.attempts.size(), wall);
      std::fflush(stdout);
    }
    std::printf(
        "dft-label: %zu labelled, %zu failed, %zu skipped (already done or failed before); "
        "output %s\n",
        labelled, failed, skipped, a->out.c_str());
    // Exit 3 when a frame of the selected range has a recorded failure.
    const bool range_failed = failures.lower_bound(first_frame) != failures.lower_bound(last_frame);
    return range_failed ? 3 : 0;
  };
}

}  // namespace ionhop::cli
