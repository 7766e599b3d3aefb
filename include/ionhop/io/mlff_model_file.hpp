// Linear MLFF model files (schema "ionhop.mlff/1"): hyperparameters, weights, posterior
// precision factor and training metadata, with precise one-line errors; extxyz → training frames.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ionhop/io/extxyz.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/linear_model.hpp"

namespace ionhop::io {

// {
//   "schema": "ionhop.mlff/1",
//   "model": "linear",
//   "descriptor": {"elements": ["Cs", "I", "Pb"], "cutoff_angstrom": 5.5, "radial_order": 8,
//                  "angular_radial_order": 4, "angular_order": 3,
//                  "radial_basis": "...", "cutoff_function": "...", "angular": "..."},
//                  (the three basis strings must be exactly what this build writes)
//   "weights": {"Cs": {"bias_ev": -1.2, "features": [F numbers]}, ...}   (every element)
//   "core_repulsion": {"kind": "zbl", "inner_angstrom": 1.8, "outer_angstrom": 2.4}
//                     (optional: the fixed ZBL repulsion under the model, mlff/core_repulsion.hpp)
//   "posterior": {"parameter_count": n,                                  (optional)
//                 "precision_cholesky_upper": [n(n+1)/2 numbers: row 0 columns 0..n−1,
//                                              row 1 columns 1..n−1, …]},
//   "training": {"structures": 30, "atoms": 1200, "energy_observations": 30,
//                "force_observations": 3600, "stress_observations": 0,
//                "energy_rmse_ev_per_atom": …, "energy_mae_ev_per_atom": …,
//                "force_rmse_ev_per_angstrom": …, "force_mae_ev_per_angstrom": …,
//                "stress_rmse_ev_per_angstrom3": …, "data_sha256": "…", "date": "…",
//                "settings": {"energy_sigma_ev_per_atom": …, "force_sigma_ev_per_angstrom": …,
//                             "stress_sigma_ev_per_angstrom3": …, "ridge_lambda": …,
//                             "high_force_scale_ev_per_angstrom": … (only when > 0)}}
//                                                                         (optional)
// }
nlohmann::json mlff_model_to_json(const mlff::LinearModel& model);

// Checks and builds a model from parsed JSON; `file` names the source in errors. Every
// problem is one InputError(file, JSON pointer, problem): wrong schema or model, unknown or
// missing key, a weight count that does not match the descriptor, a non-finite number, a
// posterior factor of the wrong length or with a zero diagonal.
mlff::LinearModel mlff_model_from_json(const nlohmann::json& doc, const std::string& file);

// Reads a model file (malformed JSON → InputError with line and column).
mlff::LinearModel load_mlff_model(const std::string& path);

// Writes atomically (temporary file + rename); InputError(path, "", …) when it cannot.
void write_mlff_model(const std::string& path, const mlff::LinearModel& model);

// Training frames from extxyz frames (energy and forces where present, no stress).
std::vector<mlff::TrainingFrame> training_frames_from_extxyz(
    const std::vector<ExtxyzFrame>& frames);

// Labelled training frames of several extxyz files, in order. InputError(path, "", …) for
// a missing or empty file, a frame without energy or forces, or a frame whose cell charge
// differs from the first frame's (ionhop fits one model per defect charge state).
std::vector<mlff::TrainingFrame> read_training_frames(const std::vector<std::string>& paths);

}  // namespace ionhop::io
