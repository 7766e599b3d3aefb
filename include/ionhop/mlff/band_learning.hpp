// On-the-fly learning along a CI-NEB band. MD at the training temperatures rarely visits a
// hop's transition region, so a model learned from MD alone is blind exactly where a
// barrier is decided (the source paper added NEB images to its training set). This loop
// relaxes the endpoints and optimises the band with the current model, checks the model's
// Bayesian force uncertainty on every image every few band updates, and where an image is
// above the threshold labels it with the reference (CP2K), refits, and restarts from the
// last band the model trusted — the rollback of run_on_the_fly (on_the_fly.hpp) applied to
// a band. Pure engine: the caller supplies the labeller and persists labels and checkpoints
// (src/cli/cmd_learn_neb.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/minimum_check.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/structure.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/linear_model.hpp"
#include "ionhop/mlff/on_the_fly.hpp"

namespace ionhop::mlff {

struct BandLearningSettings {
  DescriptorSettings descriptor;  // elements: those of the training frames and endpoints
  FitSettings fit;
  // The band (images, springs, tolerance, step limit, climbing image, interpolation) and the
  // endpoint relaxation (endpoint_relaxation: tolerance and step limit; relax_endpoints is
  // ignored: the endpoints are always relaxed, with uncertainty checks).
  atomistic::NebSettings neb;
  // Band updates (and endpoint FIRE steps) between two uncertainty checks.
  std::size_t check_every_steps = 10;
  // Max-atom ‖σ_F‖ above which a structure is labelled (as OnTheFlySettings), eV/Å.
  double force_uncertainty_threshold_ev_per_angstrom = 0.25;
  std::size_t reference_budget = 20;  // reference calls in total (failed ones count)
  // How the final endpoint is made (atomistic/hop_mirror.hpp): kIndependent relaxes it
  // from `final_structure`; kMirror takes the mirror image of the relaxed initial endpoint;
  // kSharedHost reflects only the hopping ion of the relaxed initial endpoint and relaxes
  // that. kMirror and kSharedHost need `mirror`.
  atomistic::EndpointMode endpoints = atomistic::EndpointMode::kIndependent;
  std::optional<atomistic::HopMirror> mirror;
  // A restarted band keeps its interior images unless an endpoint moved more than this
  // (max over atoms, Å) since the band was made; then the band is interpolated afresh.
  double reinterpolate_above_angstrom = 0.3;
  // Endpoint refinement (atomistic::endpoints_to_refine): when a converged, trusted band has
  // an image more than refine_tolerance_ev below an endpoint on its side of the saddle, that
  // endpoint is relaxed again from the image and the band restarts; at most this many times.
  std::size_t max_endpoint_refinements = 5;
  double refine_tolerance_ev = 0.01;
  // A relaxed endpoint must be a minimum of the model (atomistic/minimum_check.hpp): a
  // direction of negative curvature (a tilt saddle FIRE stopped on) is escaped along and the
  // relaxation continued, at most minimum.max_escapes times; then the run stops. Off by
  // default: a model fitted to few frames has spurious soft directions, and with 6 bootstrap
  // frames the escapes did not end (tests/mlff/test_band_learning.cpp).
  bool confirm_minima = false;
  atomistic::MinimumSettings minimum;
};

// Where a run stands, enough to resume it exactly (after every label).
struct BandLearningCheckpoint {
  std::size_t reference_calls = 0, failures = 0;
  // Starting points of the next endpoint relaxations (the rattled starts at first, then
  // the last relaxed or trusted states). `final_structure` is derived from the initial
  // endpoint every round unless the endpoints are independent.
  atomistic::Structure initial, final_structure;
  std::vector<atomistic::Structure> band;  // last trusted band (empty: interpolate)
  std::size_t refinements = 0;             // endpoint refinements so far
  // The final endpoint's start came from a band image (a refinement), not from the
  // initial endpoint (kSharedHost derives it from the initial one otherwise).
  bool final_start_from_band = false;
};

struct BandLearningCallbacks {
  // A new label; `where` is "initial endpoint", "final endpoint" or "image k"; `step` the
  // FIRE step of the relaxation or band at which it was taken.
  std::function<void(const TrainingFrame& frame, const std::string& where, std::size_t step,
                     double uncertainty_ev_per_angstrom)>
      labelled;
  std::function<void(const std::string& failure, const std::string& where)> failed;
  std::function<void(const BandLearningCheckpoint&)> checkpoint;  // after every label
  std::function<void(const LinearModel& model, std::size_t frames)> refitted;
  // A relaxed endpoint had negative curvature and is displaced along it (eV/Å²).
  std::function<void(const std::string& where, double curvature)> escaped;
  // An endpoint is relaxed again from a band image (after `band` converged).
  std::function<void(const atomistic::EndpointRefinement& refine, const atomistic::NebResult& band)>
      refined;
  // After every check: the stage ("initial endpoint", "final endpoint", "band"), the step,
  // and the max-atom σ_F of each structure checked (one for an endpoint; the interior
  // images for the band).
  std::function<void(const std::string& stage, std::size_t step,
                     const std::vector<double>& uncertainty_ev_per_angstrom)>
      checked;
};

struct BandLearningResult {
  LinearModel model;                    // fitted to all frames
  std::vector<TrainingFrame> labelled;  // the resumed run's and this run's labels, in order
  std::size_t reference_calls = 0, failures = 0;
  std::size_t rounds = 0;                // band (re)starts in this call
  std::size_t endpoint_refinements = 0;  // in total (resumed runs included)
  // The last band still had an image below an endpoint when the refinement limit was hit:
  // its barrier is measured from a state that is not the deepest of its basin.
  bool refinement_limit_reached = false;
  bool budget_exhausted = false;
  std::string failure;  // a failed label or an endpoint that did not relax ("" if none)
  // The last band, with the final model (present unless the endpoints never relaxed).
  std::optional<atomistic::NebResult> neb;
  // Max-atom σ_F of every image of `neb` (endpoints included), eV/Å.
  std::vector<double> image_uncertainty_ev_per_angstrom;
  // The band converged and every image is inside the threshold: a barrier of the model
  // that its own uncertainty does not contradict.
  bool trusted = false;
};

// After an endpoint refinement (atomistic::endpoints_to_refine on a converged band `images`):
// where the next round's endpoint relaxations start. With kMirror the final endpoint is the
// mirror image of the initial one, so a deeper state on the final side restarts the initial
// endpoint from the mirror image of that band image (setting only the final start would
// change nothing and repeat the same band). Clears the band; counts the refinement.
void restart_endpoints_after_refinement(BandLearningCheckpoint& cp,
                                        const atomistic::EndpointRefinement& refine,
                                        const std::vector<atomistic::Structure>& images,
                                        const BandLearningSettings& settings);

// Runs the loop from the (unrelaxed) endpoints `initial` and `final_structure` (same atoms in
// the same order; with settings.mirror only the initial is used), or from `resume`.
// `initial_training` must be non-empty; `previously_labelled` are an interrupted run's labels.
// Throws InputError for bad settings or a charge differing from the training frames'.
BandLearningResult run_band_learning(const std::vector<TrainingFrame>& initial_training,
                                     std::vector<TrainingFrame> previously_labelled,
                                     const atomistic::Structure& initial,
                                     const atomistic::Structure& final_structure,
                                     const BandLearningSettings& settings, const Labeller& labeller,
                                     const BandLearningCallbacks& callbacks = {},
                                     std::optional<BandLearningCheckpoint> resume = std::nullopt);

}  // namespace ionhop::mlff
