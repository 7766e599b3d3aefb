// The output directory of a resumable learning run (`active-learn`, `learn-neb`):
//   labelled.extxyz   every label so far (rewritten atomically after each label)
//   checkpoint.json   where the run stands (the command's own schema), after each label
//   model.json        the latest model (after each refit)
//   uncertainty.csv   one line per uncertainty check (a log, appended)
// One class so that both commands resume, refuse foreign directories and persist labels
// the same way.
#pragma once

#include <Eigen/Core>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ionhop/io/json_input.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/linear_model.hpp"

namespace ionhop::cli {

class LearningRunDirectory {
 public:
  // Creates `dir`. `command` names the command in errors; `log_header` is the first line of
  // a new uncertainty.csv. Throws InputError when labelled.extxyz exists without a checkpoint
  // (not a run of this kind) or the log cannot be written.
  LearningRunDirectory(const std::string& dir, const std::string& command,
                       const std::string& log_header);

  std::string file(const std::string& name) const;  // dir/name
  bool resuming() const { return resuming_; }       // checkpoint.json exists
  std::string checkpoint_path() const { return file("checkpoint.json"); }
  std::string model_path() const { return file("model.json"); }

  // The labels of the interrupted run (empty for a new one).
  const std::vector<mlff::TrainingFrame>& previous_labels() const { return previous_; }
  // Appends one label with extra info keys and rewrites labelled.extxyz atomically.
  void append_label(const mlff::TrainingFrame& frame,
                    const std::map<std::string, std::string>& info);
  void write_checkpoint(const std::string& json_text) const;
  void write_model(const mlff::LinearModel& model) const;
  // After a refit: writes model.json and prints the training-set size and force MAE.
  void report_refit(const mlff::LinearModel& model, std::size_t frames) const;
  void log_line(const std::string& line);  // one line of uncertainty.csv (no newline)

 private:
  std::string dir_;
  bool resuming_ = false;
  std::string labelled_text_;
  std::vector<mlff::TrainingFrame> previous_;
  std::ofstream log_;
};

// Checkpoint coordinates (positions, velocities): [[x, y, z], ...], one row per atom, written
// with round-trip precision so that a resumed run is bit-identical.
nlohmann::json columns_json(const Eigen::Matrix3Xd& m);
// Reads them back; InputError unless there are `atoms` rows of three numbers.
Eigen::Matrix3Xd columns_from_json(const io::JsonInput& list, std::size_t atoms);

}  // namespace ionhop::cli
