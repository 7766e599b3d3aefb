// On-the-fly (active) learning of the linear MLFF: Langevin MD with the current model at the
// training temperatures; wherever the model's Bayesian force uncertainty exceeds a threshold
// the structure is labelled by the reference (CP2K), added to the training set, and the model
// refitted before the MD goes on — the scheme of Jinnouchi, Karsai & Kresse, PRB 100, 014105
// (2019) that the source paper used (one model per charge state, MD at 600–750 K), with a
// hard budget of reference calls. Pure engine: the caller supplies the labeller and persists
// labels and checkpoints (src/cli/cmd_active_learn.cpp), so a killed run resumes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/atomistic/molecular_dynamics.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/mlff/domain_check.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/linear_model.hpp"

namespace ionhop::mlff {

// Gaussian rattle (Å per component) of the start of a relaxation segment, as the NEB
// endpoints' symmetry-breaking rattle.
inline constexpr double kRelaxationRattleAngstrom = 0.05;

struct OnTheFlySettings {
  DescriptorSettings descriptor;  // elements: those of the training frames and start structure
  FitSettings fit;
  // One segment per temperature, in this order, each started from the start structure:
  // T > 0: Langevin MD with Maxwell–Boltzmann velocities (seed + segment index);
  // T = 0: a FIRE relaxation (max step 0.2 Å, until max |F| < 0.005 eV/Å or the step limit)
  //        from the start rattled by kRelaxationRattleAngstrom (stream seed + segment index),
  //        which samples where relaxations and NEB endpoints go.
  std::vector<double> temperatures_k;
  std::uint64_t steps_per_temperature = 2000;
  double timestep_fs = 2.0;
  double friction_per_fs = 0.01;
  std::uint64_t seed = 1;
  // The uncertainty is evaluated every `check_every_steps` MD steps (it costs ~10 force calls).
  std::uint64_t check_every_steps = 10;
  // Selection: max over atoms of ‖σ_F(i)‖ (posterior standard deviation of the force on
  // atom i, the norm of its three components), eV/Å.
  double force_uncertainty_threshold_ev_per_angstrom = 0.1;
  // At least this many steps between two labels of one segment (0: none). After a label the
  // MD restarts from the last state the model was confident about (see run_on_the_fly), so
  // a gap is rarely needed; above-threshold checks inside it are not labelled.
  std::uint64_t min_steps_between_labels = 0;
  // Reference calls in total over all segments (failed ones count: they cost as much).
  std::size_t reference_budget = 20;
  // A segment is stopped as unstable when two atoms come closer than this (a model far
  // outside its data can make atoms collapse); the next segment starts afresh.
  double min_distance_angstrom = 1.5;
};

// What the labeller returns for one structure.
struct ReferenceLabel {
  bool ok = false;
  TrainingFrame frame;  // the structure with its reference energy and forces (when ok)
  std::string failure;  // why not (when !ok)
};
// Labels `structure` (label_index counts the calls over the whole run, from 0).
using Labeller =
    std::function<ReferenceLabel(const atomistic::Structure& structure, std::size_t label_index)>;

// Where a run stands: enough to resume it (MD states are bit-exact; see LangevinDynamics).
struct OnTheFlyCheckpoint {
  std::size_t segment = 0;            // index into temperatures_k
  bool segment_started = false;       // md holds the state of a running segment
  atomistic::MdState md;              // state after the last completed step of that segment
  std::uint64_t last_label_step = 0;  // MD step of the segment's last label (0: none)
  std::size_t reference_calls = 0;    // budget used so far
  std::size_t failures = 0;
};

struct SegmentSummary {
  double temperature_k = 0;
  std::uint64_t steps = 0;          // MD steps run in this process (a resumed segment: the rest)
  std::size_t checks = 0;           // uncertainty evaluations
  std::size_t above_threshold = 0;  // checks above the threshold
  std::size_t labelled = 0, failed = 0;
  double max_uncertainty_ev_per_angstrom = 0;
  double mean_uncertainty_ev_per_angstrom = 0;  // mean over checks of the max-atom σ_F
  // Mean over checks of max-atom σ_F in the last quarter of the segment: whether the model
  // has converged for this temperature (below the threshold = no more labels needed).
  double final_quarter_mean_uncertainty_ev_per_angstrom = 0;
  double mean_temperature_k = 0;  // kinetic, over checks
  bool unstable = false;          // stopped early (atoms too close)
  bool budget_exhausted = false;  // stopped early: no reference calls left
};

struct OnTheFlyCallbacks {
  // A new label: persist it before the checkpoint that follows.
  std::function<void(const TrainingFrame& frame, double temperature_k, std::uint64_t md_step,
                     double uncertainty_ev_per_angstrom)>
      labelled;
  // A failed label.
  std::function<void(const std::string& failure, std::uint64_t md_step)> failed;
  // After every label/failure and at segment ends: persist to resume.
  std::function<void(const OnTheFlyCheckpoint&)> checkpoint;
  // Progress after every uncertainty check.
  struct Check {
    std::size_t segment;
    double temperature_k;  // the segment's (0: relaxation)
    const atomistic::MdState& state;
    double kinetic_temperature_k, potential_energy_ev, uncertainty_ev_per_angstrom;
  };
  std::function<void(const Check&)> checked;
  // After every (re)fit, with the training set size.
  std::function<void(const LinearModel& model, std::size_t frames)> refitted;
};

struct OnTheFlyResult {
  LinearModel model;                     // fitted to all frames (initial + labelled)
  std::vector<TrainingFrame> labelled;   // this run's and the resumed run's labels, in order
  std::vector<SegmentSummary> segments;  // the segments run by this call
  std::size_t reference_calls = 0, failures = 0;
  bool budget_exhausted = false;
};

// Shared by the on-the-fly loops (run_on_the_fly, run_band_learning; `loop` prefixes the
// messages): throws InputError for no initial frames, a non-positive threshold, a zero check
// interval, or a training frame whose cell charge differs from `charge_e` (`what` names the
// structure being sampled, e.g. "the start structure").
void check_learning_inputs(const std::string& loop, const std::vector<TrainingFrame>& initial,
                           double threshold_ev_per_angstrom, std::uint64_t check_every_steps,
                           int charge_e, const std::string& what);
// The loops' model: fitted to `initial` followed by `labelled` (this order, so a resumed run
// refits exactly the model of the uninterrupted one).
LinearModel fit_learned_model(const DescriptorSettings& descriptor,
                              const std::vector<TrainingFrame>& initial,
                              const std::vector<TrainingFrame>& labelled, const FitSettings& fit);

// Smallest minimum-image distance between two atoms (Å); +inf for fewer than two atoms.
double min_interatomic_distance_angstrom(const atomistic::Structure& structure);

// Runs the on-the-fly loop. Per segment: MD with the current model; every check_every_steps
// the max-atom force uncertainty σ; σ ≤ threshold marks the state as trusted; σ > threshold
// labels the structure, refits on all frames, and restarts the MD from the last trusted
// state with the new model (a failed label does not roll back). `initial_training`: labelled frames
// to start from (non-empty); `previously_labelled`: the labels of an interrupted run (added to the
// training set); `resume`: its last checkpoint (nullopt = start). Throws InputError for empty
// temperatures, a non-positive threshold or timestep, no initial frames, or a start
// structure whose charge differs from the training frames'.
OnTheFlyResult run_on_the_fly(const std::vector<TrainingFrame>& initial_training,
                              std::vector<TrainingFrame> previously_labelled,
                              const atomistic::Structure& start, const OnTheFlySettings& settings,
                              const Labeller& labeller, const OnTheFlyCallbacks& callbacks = {},
                              std::optional<OnTheFlyCheckpoint> resume = std::nullopt);

}  // namespace ionhop::mlff
