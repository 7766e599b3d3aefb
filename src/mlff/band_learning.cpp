// On-the-fly learning along a CI-NEB band: relax the endpoints and optimise the band with the
// current model, label the most uncertain structure, refit, restart from the last trusted state.
#include "ionhop/mlff/band_learning.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/mlff/domain_check.hpp"

namespace ionhop::mlff {

namespace {
using atomistic::Structure;

// Where a monitored relaxation ended: converged (trusted = the minimum), stopped at an
// uncertain structure (trusted = the last checked state below the threshold), or neither
// (the step limit).
struct RelaxOutcome {
  Structure trusted, uncertain;
  bool converged = false, uncertain_found = false;
  double sigma = 0, max_force = 0;
  std::size_t step = 0;
};

RelaxOutcome relax_with_checks(const LinearModel& model, const Structure& start,
                               const BandLearningSettings& settings, const std::string& stage,
                               const BandLearningCallbacks& callbacks) {
  const atomistic::FireSettings& fire = settings.neb.endpoint_relaxation;
  atomistic::StepwiseRelaxation relaxation(model, start, fire.fire);
  RelaxOutcome out;
  out.trusted = start;
  for (;;) {
    const std::size_t step = relaxation.steps();
    const double max_force = relaxation.max_force_ev_per_angstrom();
    const bool done = max_force < fire.force_tolerance_ev_per_angstrom;
    out.step = step;
    out.max_force = max_force;
    if (step % settings.check_every_steps == 0 || done || step == fire.max_steps) {
      const double sigma = max_force_uncertainty_ev_per_angstrom(model, relaxation.structure());
      if (callbacks.checked) callbacks.checked(stage, step, {sigma});
      if (sigma > settings.force_uncertainty_threshold_ev_per_angstrom) {
        out.uncertain_found = true;
        out.uncertain = relaxation.structure();
        out.sigma = sigma;
        return out;
      }
      out.trusted = relaxation.structure();
    }
    if (done) {
      out.converged = true;
      return out;
    }
    if (step == fire.max_steps) return out;
    relaxation.step();
  }
}

// Largest displacement of any atom between two configurations of the same atoms (minimum
// image), Å.
double max_displacement_angstrom(const Structure& a, const Structure& b) {
  double best = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const auto i = static_cast<Eigen::Index>(k);
    best = std::max(
        best, a.minimum_image(b.positions_angstrom.col(i) - a.positions_angstrom.col(i)).norm());
  }
  return best;
}

// `s` with every atom moved by a lattice vector next to the same atom of `reference` (the
// band's coordinates are continuous, not wrapped).
Structure aligned_to(Structure s, const Structure& reference) {
  for (Eigen::Index k = 0; k < s.positions_angstrom.cols(); ++k)
    s.positions_angstrom.col(k) =
        reference.positions_angstrom.col(k) +
        reference.minimum_image(s.positions_angstrom.col(k) - reference.positions_angstrom.col(k));
  return s;
}

std::vector<double> uncertainties(const LinearModel& model, const std::vector<Structure>& images,
                                  std::size_t first, std::size_t last) {
  std::vector<double> sigma;
  for (std::size_t i = first; i < last; ++i)
    sigma.push_back(max_force_uncertainty_ev_per_angstrom(model, images[i]));
  return sigma;
}

}  // namespace

void restart_endpoints_after_refinement(BandLearningCheckpoint& cp,
                                        const atomistic::EndpointRefinement& refine,
                                        const std::vector<Structure>& images,
                                        const BandLearningSettings& settings) {
  ++cp.refinements;
  cp.band.clear();
  if (refine.initial_from) {
    cp.initial = images.at(*refine.initial_from);
    cp.final_start_from_band = false;
  } else if (refine.final_from) {
    if (settings.endpoints == atomistic::EndpointMode::kMirror) {
      cp.initial = settings.mirror->apply(images.at(*refine.final_from));
      cp.final_start_from_band = false;
    } else {
      cp.final_structure = images.at(*refine.final_from);
      cp.final_start_from_band = true;
    }
  }
}

BandLearningResult run_band_learning(const std::vector<TrainingFrame>& initial_training,
                                     std::vector<TrainingFrame> previously_labelled,
                                     const Structure& initial, const Structure& final_structure,
                                     const BandLearningSettings& settings, const Labeller& labeller,
                                     const BandLearningCallbacks& callbacks,
                                     std::optional<BandLearningCheckpoint> resume) {
  check_learning_inputs("NEB-band learning", initial_training,
                        settings.force_uncertainty_threshold_ev_per_angstrom,
                        settings.check_every_steps, initial.charge_e, "the endpoints");
  const bool derived_final = settings.endpoints != atomistic::EndpointMode::kIndependent;
  if (derived_final && !settings.mirror)
    throw InputError("", "",
                     "NEB-band learning: endpoint mode '" +
                         atomistic::endpoint_mode_name(settings.endpoints) +
                         "' needs the hop's mirror");
  if (!derived_final) atomistic::check_neb_endpoints(initial, final_structure);

  BandLearningResult result{
      fit_learned_model(settings.descriptor, initial_training, previously_labelled, settings.fit),
      std::move(previously_labelled),
      0,
      0,
      0,
      0,
      false,
      false,
      "",
      std::nullopt,
      {},
      false};
  if (callbacks.refitted)
    callbacks.refitted(result.model, initial_training.size() + result.labelled.size());
  BandLearningCheckpoint cp =
      resume.value_or(BandLearningCheckpoint{0, 0, initial, final_structure, {}});
  result.reference_calls = cp.reference_calls;
  result.failures = cp.failures;
  auto model = std::make_unique<LinearModel>(result.model);
  const double threshold = settings.force_uncertainty_threshold_ev_per_angstrom;

  // Labels `s`, refits, and checkpoints `cp` (already rolled back by the caller). False:
  // stop the run (budget used up, or a failed label: going on would retrace the same path
  // into the same structure).
  const auto label = [&](const Structure& s, const std::string& where, std::size_t step,
                         double sigma) {
    if (result.reference_calls >= settings.reference_budget) {
      result.budget_exhausted = true;
      return false;
    }
    Structure to_label = s;
    to_label.wrap_positions();  // the reference code sees a tidy cell
    ReferenceLabel l = labeller(to_label, result.reference_calls);
    ++result.reference_calls;
    if (!l.ok) {
      ++result.failures;
      result.failure = "the reference calculation of the " + where + " failed: " + l.failure;
      if (callbacks.failed) callbacks.failed(l.failure, where);
    } else {
      if (callbacks.labelled) callbacks.labelled(l.frame, where, step, sigma);
      result.labelled.push_back(std::move(l.frame));
      result.model =
          fit_learned_model(settings.descriptor, initial_training, result.labelled, settings.fit);
      if (callbacks.refitted)
        callbacks.refitted(result.model, initial_training.size() + result.labelled.size());
      model = std::make_unique<LinearModel>(result.model);
    }
    cp.reference_calls = result.reference_calls;
    cp.failures = result.failures;
    if (callbacks.checkpoint) callbacks.checkpoint(cp);
    return l.ok;
  };

  // Relaxes one endpoint from `start` (updated to where it got); nullopt when the run must
  // go round again (a label) or stop (result.failure / budget).
  bool stop = false;
  const auto endpoint = [&](Structure& start,
                            const std::string& where) -> std::optional<Structure> {
    for (std::size_t escapes = 0;; ++escapes) {
      RelaxOutcome r = relax_with_checks(*model, start, settings, where, callbacks);
      start = r.trusted;
      if (r.uncertain_found) {
        if (!label(r.uncertain, where, r.step, r.sigma)) stop = true;
        return std::nullopt;
      }
      if (!r.converged) {
        result.failure = "the " + where + " did not relax within " +
                         std::to_string(settings.neb.endpoint_relaxation.max_steps) +
                         " steps (max force " + std::to_string(r.max_force) + " eV/Å)";
        stop = true;
        return std::nullopt;
      }
      if (!settings.confirm_minima) return r.trusted;
      const auto unstable = atomistic::most_unstable_direction(
          *model, r.trusted, settings.minimum.curvature_threshold_ev_per_angstrom2,
          settings.minimum.hessian_step_angstrom);
      if (!unstable) return r.trusted;
      if (escapes >= settings.minimum.max_escapes) {
        result.failure = "the " + where + " is not a minimum of the model after " +
                         std::to_string(escapes) + " escapes (curvature " +
                         std::to_string(unstable->curvature_ev_per_angstrom2) + " eV/Å²)";
        stop = true;
        return std::nullopt;
      }
      // A tilt saddle: step off it along the unstable mode and relax on (checked as before).
      start = atomistic::escape_along(*model, r.trusted, *unstable, settings.minimum);
      if (callbacks.escaped) callbacks.escaped(where, unstable->curvature_ev_per_angstrom2);
    }
  };

  while (!stop) {
    ++result.rounds;
    const std::optional<Structure> a = endpoint(cp.initial, "initial endpoint");
    if (!a) continue;
    std::optional<Structure> b;
    if (settings.endpoints == atomistic::EndpointMode::kMirror) {
      b = settings.mirror->apply(*a);
    } else {
      // kSharedHost: the final endpoint starts from this initial one, hopping ion reflected,
      // so both sit in the host's tilt pattern (re-derived every round: deterministic).
      if (settings.endpoints == atomistic::EndpointMode::kSharedHost && !cp.final_start_from_band)
        cp.final_structure = settings.mirror->reflect_moving_atom(*a);
      b = endpoint(cp.final_structure, "final endpoint");
      if (!b) continue;
    }

    std::vector<Structure> band;
    if (!cp.band.empty() &&
        max_displacement_angstrom(cp.band.front(), *a) <= settings.reinterpolate_above_angstrom &&
        max_displacement_angstrom(cp.band.back(), *b) <= settings.reinterpolate_above_angstrom) {
      band = cp.band;
      band.front() = aligned_to(*a, cp.band.front());
      band.back() = aligned_to(*b, cp.band.back());
    } else {
      band = atomistic::interpolate_band(*a, *b, settings.neb);
    }

    // The band with checks: every check_every_steps updates the interior images' σ_F; a band
    // entirely below the threshold becomes the rollback point.
    std::vector<Structure> trusted = band;
    Structure uncertain;
    std::string uncertain_where;
    std::size_t uncertain_step = 0;
    double uncertain_sigma = 0;
    atomistic::NebSettings neb = settings.neb;
    neb.relax_endpoints = false;
    neb.monitor_every_steps = settings.check_every_steps;
    neb.monitor = [&](std::size_t step, const std::vector<Structure>& images) {
      const std::vector<double> sigma = uncertainties(*model, images, 1, images.size() - 1);
      if (callbacks.checked) callbacks.checked("band", step, sigma);
      const auto worst = std::max_element(sigma.begin(), sigma.end());
      if (*worst <= threshold) {
        trusted = images;
        return true;
      }
      const auto image = static_cast<std::size_t>(worst - sigma.begin()) + 1;
      uncertain = images[image];
      uncertain_where = "image " + std::to_string(image);
      uncertain_step = step;
      uncertain_sigma = *worst;
      return false;
    };
    atomistic::NebResult nr = atomistic::run_neb_band(*model, band, neb);
    if (!nr.stopped) {
      // The end of the band is checked whatever the check interval.
      const std::vector<double> sigma = uncertainties(*model, nr.images, 0, nr.images.size());
      const auto worst = std::max_element(sigma.begin() + 1, sigma.end() - 1);
      if (*worst <= threshold) {
        // A deeper state of an endpoint's basin on the band: relax that endpoint again from
        // it and start a fresh band (atomistic::endpoints_to_refine).
        const atomistic::EndpointRefinement refine =
            atomistic::endpoints_to_refine(nr, settings.refine_tolerance_ev);
        if (refine.needed() && nr.converged && cp.refinements < settings.max_endpoint_refinements) {
          restart_endpoints_after_refinement(cp, refine, nr.images, settings);
          if (callbacks.checkpoint) callbacks.checkpoint(cp);
          if (callbacks.refined) callbacks.refined(refine, nr);
          continue;
        }
        result.refinement_limit_reached = refine.needed() && nr.converged;
        cp.band = nr.images;
        result.image_uncertainty_ev_per_angstrom = sigma;
        result.trusted = nr.converged;
        result.neb = std::move(nr);
        break;
      }
      const auto image = static_cast<std::size_t>(worst - sigma.begin());
      uncertain = nr.images[image];
      uncertain_where = "image " + std::to_string(image);
      uncertain_step = nr.steps;
      uncertain_sigma = *worst;
    }
    cp.band = trusted;
    if (!label(uncertain, uncertain_where, uncertain_step, uncertain_sigma)) stop = true;
  }

  result.endpoint_refinements = cp.refinements;
  if (!result.neb && !cp.band.empty()) {
    // Stopped early: report the last trusted band with the final model (one evaluation).
    atomistic::NebSettings once = settings.neb;
    once.max_steps = 0;
    once.monitor = {};
    once.progress = {};
    result.neb = atomistic::run_neb_band(*model, cp.band, once);
    result.image_uncertainty_ev_per_angstrom =
        uncertainties(*model, result.neb->images, 0, result.neb->images.size());
  }
  return result;
}

}  // namespace ionhop::mlff
