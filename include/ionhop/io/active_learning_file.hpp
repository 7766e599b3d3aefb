// On-the-fly learning config files (schema "ionhop.active_learning/1") → settings, with
// precise one-line errors. See docs/mlff.md ("active-learn").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ionhop/io/json_input.hpp"
#include "ionhop/mlff/on_the_fly.hpp"

namespace ionhop::io {

// {
//   "schema": "ionhop.active_learning/1",
//   "description": "...",                                              (optional)
//   "training": ["labelled.extxyz", ...],       initial labelled frames (paths relative to
//                                                the config file)
//   "start": {"structure": "start.extxyz", "frame": 0},   MD start (frame default 0)
//   "descriptor": {"cutoff_angstrom": 5.5, "radial_order": 8, "angular_radial_order": 4,
//                  "angular_order": 3},                                (optional, defaults)
//   "fit": {"energy_sigma_ev_per_atom": 0.002, "force_sigma_ev_per_angstrom": 0.05,
//           "ridge_lambda": 1e-8, "high_force_scale_ev_per_angstrom": 0,   (optional; F0:
//                                          mlff::FitSettings, 0 = off)
//           "core_repulsion_angstrom": [1.8, 2.4]},  (optional: ZBL under the model, full
//                                          below 1.8 Å, switched off at 2.4 Å; default none)
//   "md": {"temperatures_k": [600, 650, 700, 750], "steps_per_temperature": 2000,   (0 K: a
//                                                          FIRE relaxation segment)
//          "timestep_fs": 2, "friction_per_fs": 0.01, "seed": 1},
//   "selection": {"force_uncertainty_threshold_ev_per_angstrom": 0.15, "check_every_steps": 10,
//                 "min_steps_between_labels": 0, "min_distance_angstrom": 1.5},
//   "reference": {"code": "cp2k", "budget": 20, "ranks": 2, "timeout_s": 1800}
//             or {"code": "potential", "potential": "pair.json", "budget": 20}
//                 (a classical potential as the reference: for tests and demonstrations of
//                  the loop without DFT; the result then reproduces that potential)
// }
// The parts shared with the NEB-band learning config (io/band_learning_file.hpp).
// "descriptor": every key optional (DescriptorSettings defaults).
mlff::DescriptorSettings parse_learning_descriptor(const JsonInput& descriptor);
// "fit" (may be absent): defaults of fit-mlff (σ_E 2 meV/atom, σ_F 0.05 eV/Å, no stress).
mlff::FitSettings parse_learning_fit(const std::optional<JsonInput>& fit);
// "reference": {"code": "cp2k", "budget", "ranks", "timeout_s"} or {"code": "potential",
// "budget", "potential"} (path relative to the config file).
struct LearningReference {
  std::string code;            // "cp2k" or "potential"
  std::string potential_path;  // code "potential"
  int cp2k_ranks = 2;
  double cp2k_timeout_s = 1800;
  std::size_t budget = 0;
  // CP2K Fermi–Dirac smearing from the first attempt (K; 0: integer occupations, smearing
  // only in the retry of a failed SCF). For cells whose extra electrons sit in near-degenerate
  // band states (V_I^- in a 2x2x2 cell: Broyden mixing oscillated for 100 steps, converged in
  // 21 with 300 K smearing).
  double cp2k_smearing_temperature_k = 0;
};
LearningReference parse_learning_reference(const JsonInput& reference);

struct ActiveLearningConfig {
  std::string path;
  std::string sha256;  // of the file's bytes: a resumed run must use the same config
  std::vector<std::string> training_paths;
  std::string start_path;
  std::size_t start_frame = 0;
  mlff::OnTheFlySettings settings;  // descriptor.elements left empty (taken from the data)
  LearningReference reference;      // the budget is settings.reference_budget
};

// Throws InputError(path, JSON pointer, problem) for every problem (unknown keys included).
ActiveLearningConfig load_active_learning_config(const std::string& path);

}  // namespace ionhop::io
