// NEB-band learning config files (schema "ionhop.neb_learning/1") → settings, with precise
// one-line errors. See docs/mlff.md ("learn-neb").
#pragma once

#include <string>
#include <vector>

#include "ionhop/atomistic/hop_mirror.hpp"
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
//   "endpoints": "shared_host",    how the final endpoint is made (atomistic/hop_mirror.hpp):
//                                  "shared_host" (default: the relaxed initial endpoint with
//                                  the hopping ion reflected, relaxed: one host tilt
//                                  pattern), "mirror" (the mirror image of the relaxed
//                                  initial one) or "independent" (relaxed from the rattle)
//   "symmetrize_rattle": true,     "mirror" only: the rattle is made mirror-symmetric
//                                  (default true)
//   "confirm_minima": false,       relaxed endpoints must be minima of the model: negative
//                                  curvature is escaped along (default false)
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
  atomistic::EndpointMode endpoints = atomistic::EndpointMode::kSharedHost;
  bool symmetrize_rattle = true;        // with EndpointMode::kMirror
  mlff::BandLearningSettings settings;  // mirror and descriptor.elements left to the caller
  LearningReference reference;
};

// Throws InputError(path, JSON pointer, problem) for every problem (unknown keys included).
BandLearningConfig load_band_learning_config(const std::string& path);

}  // namespace ionhop::io
