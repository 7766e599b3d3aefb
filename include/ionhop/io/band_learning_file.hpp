// NEB-band learning config files (schema "ionhop.neb_learning/1") → settings, with precise
// one-line errors. See docs/mlff.md ("learn-neb").
#pragma once

#include <string>
#include <vector>

#include "ionhop/io/active_learning_file.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"
#include "ionhop/mlff/band_learning.hpp"

namespace ionhop::io {

// {
//   "schema": "ionhop.neb_learning/1",
//   "description": "...",                                             (optional)
//   "training": ["labelled.extxyz", ...],      initial labelled frames (relative paths)
//   "neb": "hop.json",   an ionhop.neb/1 config: the hop (or endpoint files), charge, band
//                        settings and rattle; its "potential" is not used (the model is
//                        fitted from the training frames and the labels)
//   "symmetric_endpoints": true,   the final endpoint is the mirror image of the relaxed
//                                  initial one (atomistic/hop_mirror.hpp; default true)
//   "symmetrize_rattle": true,     with symmetric_endpoints: the NEB config's rattle is
//                                  made mirror-symmetric, so that both endpoints share one
//                                  tilt pattern (default true; false: a tilt-domain switch)
//   "descriptor": {...}, "fit": {...},                          (optional; as active-learn)
//   "selection": {"force_uncertainty_threshold_ev_per_angstrom": 0.25,
//                 "check_every_steps": 10},
//   "reference": {"code": "cp2k", "budget": 20, "ranks": 2, "timeout_s": 1800}
//             or {"code": "potential", "potential": "pair.json", "budget": 20}
// }
struct BandLearningConfig {
  std::string path;
  std::string sha256;  // of the file's bytes and the NEB config's: a resume must match both
  std::vector<std::string> training_paths;
  NebConfig neb;
  bool symmetric_endpoints = true;
  bool symmetrize_rattle = true;
  mlff::BandLearningSettings settings;  // mirror and descriptor.elements left to the caller
  LearningReference reference;
};

// Throws InputError(path, JSON pointer, problem) for every problem (unknown keys included).
BandLearningConfig load_band_learning_config(const std::string& path);

}  // namespace ionhop::io
