// Accuracy metrics of a force field against labelled structures (energy MAE per atom, force
// MAE/RMSE/R², maximum errors, force MAE near a defect): the numbers `ionhop fit-mlff` and
// `ionhop validate` report. Pure computation: no printing, no files.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <optional>
#include <vector>

#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/mlff/fit.hpp"

namespace ionhop::mlff {

// One structure's reference labels next to a model's predictions.
struct FramePrediction {
  std::size_t atoms = 0;
  std::optional<double> reference_energy_ev;  // frames without energy add no energy error
  double predicted_energy_ev = 0;
  std::optional<Eigen::Matrix3Xd> reference_forces_ev_per_angstrom;  // column per atom
  Eigen::Matrix3Xd predicted_forces_ev_per_angstrom{3, 0};
  // Per atom: within the near-defect radius (empty = the frame has no defect position).
  std::vector<bool> near_defect;
};

struct ValidationMetrics {
  std::size_t structures = 0;           // frames seen
  std::size_t energy_observations = 0;  // frames with a reference energy
  std::size_t force_atoms = 0;          // atoms with reference forces
  std::size_t near_defect_atoms = 0;    // of those, atoms flagged near_defect
  // Energy per atom e_k = (E_pred − E_ref)/N_k: mean |e|, RMS, max |e|.
  double energy_mae_ev_per_atom = 0, energy_rmse_ev_per_atom = 0;
  double energy_max_error_ev_per_atom = 0;
  // Over all Cartesian force components: mean |ΔF|, RMS, max |ΔF|, and
  // R² = 1 − Σ ΔF² / Σ (F_ref − mean F_ref)² (0 when every reference component is equal).
  double force_mae_ev_per_angstrom = 0, force_rmse_ev_per_angstrom = 0;
  double force_max_error_ev_per_angstrom = 0;
  double force_r2 = 0;
  // Mean |ΔF| over the components of near-defect atoms (0 when there are none).
  double near_defect_force_mae_ev_per_angstrom = 0;
};

// Metrics of a set of predictions. Throws InputError (no file) when a frame's force
// matrices do not have `atoms` columns or near_defect is neither empty nor one per atom.
ValidationMetrics validation_metrics(const std::vector<FramePrediction>& frames);

// Per atom: whether its minimum-image distance to `point_angstrom` is below radius_angstrom.
std::vector<bool> atoms_near(const atomistic::Structure& structure,
                             const atomistic::Vec3& point_angstrom, double radius_angstrom);

// Evaluates `potential` on every frame and pairs the results with the frames' labels.
// defect_positions: empty, or one per frame (nullopt = no defect in that frame); atoms
// within near_defect_radius_angstrom of it are flagged. Propagates the potential's errors.
std::vector<FramePrediction> predict_frames(
    const atomistic::Potential& potential, const std::vector<TrainingFrame>& frames,
    const std::vector<std::optional<atomistic::Vec3>>& defect_positions = {},
    double near_defect_radius_angstrom = 5.0);

// A model's energy profile along a reaction path (e.g. CI-NEB images recomputed with DFT
// single points) against the reference: the barrier test of the validation report.
struct PathBarrierComparison {
  std::vector<double> reference_ev, predicted_ev;  // E_k − E_0 per frame
  double reference_forward_barrier_ev = 0, predicted_forward_barrier_ev = 0;    // max_k − E_0
  double reference_backward_barrier_ev = 0, predicted_backward_barrier_ev = 0;  // max_k − E_last
  double forward_error_ev = 0, backward_error_ev = 0;  // predicted − reference
  double profile_mae_ev = 0;  // mean |ΔE_k| over the frames after the first
  std::size_t reference_highest = 0, predicted_highest = 0;  // frame of the maximum
};

// Compares the profiles of `frames` (one path, in order; every frame needs a reference
// energy; at least 2 frames). Each profile's barrier is read off its own maximum, as a
// NEB with either energy model would report it. Throws InputError (no file) otherwise.
PathBarrierComparison compare_path_barriers(const std::vector<FramePrediction>& frames);

// The atom that moves most (minimum image) between the first and the last frame of a path:
// the hopping ion, whose position marks the defect along the path. Throws InputError (no
// file) for fewer than 2 frames or frames with different atom counts.
std::size_t moving_atom(const std::vector<TrainingFrame>& path);

}  // namespace ionhop::mlff
