// Files of a resumable learning run (see learning_run_directory.hpp).
#include "learning_run_directory.hpp"

#include <cstdio>
#include <filesystem>

#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/mlff_model_file.hpp"

namespace ionhop::cli {

namespace fs = std::filesystem;

LearningRunDirectory::LearningRunDirectory(const std::string& dir, const std::string& command,
                                           const std::string& log_header)
    : dir_(dir) {
  fs::create_directories(dir_);
  const std::string labelled = file("labelled.extxyz");
  resuming_ = fs::exists(checkpoint_path());
  if (resuming_) {
    if (fs::exists(labelled)) {
      labelled_text_ = io::read_text_file(labelled);
      previous_ = io::training_frames_from_extxyz(io::parse_extxyz(labelled_text_, labelled));
    }
  } else if (fs::exists(labelled)) {
    throw InputError(
        labelled, "",
        "exists without checkpoint.json: not a run of " + command + "; use a new --out directory");
  }
  const std::string log_path = file("uncertainty.csv");
  const bool new_log = !fs::exists(log_path);
  log_.open(log_path, std::ios::app);
  if (!log_) throw InputError(log_path, "", "cannot write");
  if (new_log) log_ << log_header << "\n";
}

std::string LearningRunDirectory::file(const std::string& name) const {
  return (fs::path(dir_) / name).string();
}

void LearningRunDirectory::append_label(const mlff::TrainingFrame& frame,
                                        const std::map<std::string, std::string>& info) {
  io::ExtxyzFrame x;
  x.structure = frame.structure;
  x.energy_ev = frame.energy_ev;
  x.forces_ev_per_angstrom = frame.forces_ev_per_angstrom;
  for (const auto& [key, value] : info) x.structure.info[key] = value;
  labelled_text_ += io::format_extxyz({x});
  io::write_file_atomically(file("labelled.extxyz"), labelled_text_);
}

void LearningRunDirectory::write_checkpoint(const std::string& json_text) const {
  io::write_file_atomically(checkpoint_path(), json_text);
}

void LearningRunDirectory::write_model(const mlff::LinearModel& model) const {
  io::write_mlff_model(model_path(), model);
}

void LearningRunDirectory::report_refit(const mlff::LinearModel& model, std::size_t frames) const {
  write_model(model);
  std::printf("  model fitted on %zu frames: train force MAE %.1f meV/A\n", frames,
              1e3 * model.training().force_mae_ev_per_angstrom);
  std::fflush(stdout);
}

void LearningRunDirectory::log_line(const std::string& line) {
  log_ << line << "\n";
  log_.flush();
}

nlohmann::json columns_json(const Eigen::Matrix3Xd& m) {
  nlohmann::json a = nlohmann::json::array();
  for (Eigen::Index k = 0; k < m.cols(); ++k) a.push_back({m(0, k), m(1, k), m(2, k)});
  return a;
}

Eigen::Matrix3Xd columns_from_json(const io::JsonInput& list, std::size_t atoms) {
  const auto rows = list.array();
  if (rows.size() != atoms)
    list.fail("has " + std::to_string(rows.size()) + " rows, the structure " +
              std::to_string(atoms) + " atoms");
  Eigen::Matrix3Xd m(3, static_cast<Eigen::Index>(atoms));
  for (std::size_t k = 0; k < atoms; ++k) {
    const auto xyz = rows[k].array(3);
    if (xyz.size() != 3) rows[k].fail("must be [x, y, z]");
    for (int a = 0; a < 3; ++a) m(a, static_cast<Eigen::Index>(k)) = xyz[a].number();
  }
  return m;
}

}  // namespace ionhop::cli
