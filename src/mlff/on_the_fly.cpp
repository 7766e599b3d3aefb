// On-the-fly learning loop: MD with the current model, label where it is uncertain, refit.
#include "ionhop/mlff/on_the_fly.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "ionhop/atomistic/fire.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::mlff {

namespace {
[[noreturn]] void fail(const std::string& problem) {
  throw InputError("", "", "on-the-fly learning: " + problem);
}

// What a segment advances: Langevin MD at T > 0, or a FIRE relaxation at T = 0. Both
// expose an MdState so that the trusted-state rollback and the checkpoints are the same.
class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual void step() = 0;
  virtual const atomistic::MdState& state() const = 0;
  virtual double kinetic_temperature_k() const = 0;
  virtual double potential_energy_ev() const = 0;
  virtual bool converged() const { return false; }
};

class MdSampler : public Sampler {
 public:
  MdSampler(const atomistic::Potential& p, const atomistic::LangevinSettings& s,
            atomistic::MdState state)
      : md_(p, s, std::move(state)) {}
  void step() override { md_.step(); }
  const atomistic::MdState& state() const override { return md_.state(); }
  double kinetic_temperature_k() const override { return md_.temperature_k(); }
  double potential_energy_ev() const override { return md_.potential_energy_ev(); }

 private:
  atomistic::LangevinDynamics md_;
};

// FIRE on the positions (atomistic/fire.hpp, max step 0.2 Å), one step per step(); the MdState
// carries positions and the step counter (velocities stay empty: a rollback restarts FIRE).
class RelaxSampler : public Sampler {
 public:
  static constexpr double kForceToleranceEvPerAngstrom = 0.005;
  RelaxSampler(const atomistic::Potential& p, atomistic::MdState state)
      : state_(std::move(state)), relaxation_(p, state_.structure, atomistic::FireParameters{}) {
    state_.velocities_angstrom_per_fs.resize(3, 0);
  }
  void step() override {
    relaxation_.step();
    state_.structure.positions_angstrom = relaxation_.structure().positions_angstrom;
    ++state_.step;
  }
  const atomistic::MdState& state() const override { return state_; }
  double kinetic_temperature_k() const override { return 0; }
  double potential_energy_ev() const override { return relaxation_.energy_ev(); }
  bool converged() const override {
    return relaxation_.max_force_ev_per_angstrom() < kForceToleranceEvPerAngstrom;
  }

 private:
  atomistic::MdState state_;
  atomistic::StepwiseRelaxation relaxation_;
};

std::unique_ptr<Sampler> make_sampler(const atomistic::Potential& p,
                                      const atomistic::LangevinSettings& s,
                                      const atomistic::MdState& state) {
  if (s.temperature_k == 0) return std::make_unique<RelaxSampler>(p, state);
  return std::make_unique<MdSampler>(p, s, state);
}

}  // namespace

void check_learning_inputs(const std::string& loop, const std::vector<TrainingFrame>& initial,
                           double threshold_ev_per_angstrom, std::uint64_t check_every_steps,
                           int charge_e, const std::string& what) {
  const auto fail_with = [&](const std::string& problem) {
    throw InputError("", "", loop + ": " + problem);
  };
  if (initial.empty()) fail_with("no initial training frames");
  if (!(threshold_ev_per_angstrom > 0))
    fail_with("the force-uncertainty threshold must be positive");
  if (check_every_steps == 0) fail_with("check_every_steps must be at least 1");
  for (const auto& f : initial)
    if (f.structure.charge_e != charge_e)
      fail_with(what + " has cell charge " + std::to_string(charge_e) +
                " e but a training frame has " + std::to_string(f.structure.charge_e) +
                " e (one model per charge state)");
}

LinearModel fit_learned_model(const DescriptorSettings& descriptor,
                              const std::vector<TrainingFrame>& initial,
                              const std::vector<TrainingFrame>& labelled, const FitSettings& fit) {
  std::vector<TrainingFrame> all = initial;
  all.insert(all.end(), labelled.begin(), labelled.end());
  return fit_linear_model(descriptor, all, fit);
}

double min_interatomic_distance_angstrom(const atomistic::Structure& structure) {
  // O(N²) with minimum images: the check runs every check_every_steps steps on cells of
  // tens to a few hundred atoms, negligible next to the uncertainty evaluation.
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < structure.size(); ++i)
    for (std::size_t j = i + 1; j < structure.size(); ++j)
      best = std::min(best, structure.displacement(i, j).norm());
  return best;
}

OnTheFlyResult run_on_the_fly(const std::vector<TrainingFrame>& initial_training,
                              std::vector<TrainingFrame> previously_labelled,
                              const atomistic::Structure& start, const OnTheFlySettings& settings,
                              const Labeller& labeller, const OnTheFlyCallbacks& callbacks,
                              std::optional<OnTheFlyCheckpoint> resume) {
  check_learning_inputs("on-the-fly learning", initial_training,
                        settings.force_uncertainty_threshold_ev_per_angstrom,
                        settings.check_every_steps, start.charge_e, "the start structure");
  if (settings.temperatures_k.empty()) fail("no temperatures");
  for (double t : settings.temperatures_k)
    if (!(t >= 0) || !std::isfinite(t))
      fail("temperatures must be >= 0 (0 = a relaxation segment)");

  OnTheFlyResult result{
      fit_learned_model(settings.descriptor, initial_training, previously_labelled, settings.fit),
      std::move(previously_labelled),
      {},
      0,
      0,
      false};
  if (callbacks.refitted)
    callbacks.refitted(result.model, initial_training.size() + result.labelled.size());
  OnTheFlyCheckpoint cp = resume.value_or(OnTheFlyCheckpoint{});
  result.reference_calls = cp.reference_calls;
  result.failures = cp.failures;

  // The model lives on the heap so that the integrator's reference can be re-pointed after a
  // refit by rebuilding the integrator from its state.
  auto model = std::make_unique<LinearModel>(result.model);
  for (; cp.segment < settings.temperatures_k.size(); ++cp.segment) {
    const double temperature = settings.temperatures_k[cp.segment];
    atomistic::LangevinSettings md_settings;
    md_settings.temperature_k = temperature;
    md_settings.timestep_fs = settings.timestep_fs;
    md_settings.friction_per_fs = settings.friction_per_fs;
    md_settings.seed = settings.seed + cp.segment;
    if (!cp.segment_started) {
      cp.md = atomistic::MdState{};
      cp.md.structure = start;
      if (temperature > 0) {
        atomistic::assign_maxwell_boltzmann_velocities(cp.md, temperature, md_settings.seed);
      } else {
        // A relaxation: break the start's symmetry (like the NEB endpoints) so it can reach
        // the distorted minima rather than stay on a symmetric saddle.
        atomistic::Structure twin = start;
        atomistic::rattle_endpoints(cp.md.structure, twin, kRelaxationRattleAngstrom,
                                    md_settings.seed);
      }
      cp.last_label_step = 0;
      cp.segment_started = true;
    }
    auto md = make_sampler(*model, md_settings, cp.md);
    // The last checked state at which the model was confident. After a label the MD goes on
    // from here with the refitted model, so the trajectory is always one the current model
    // trusts: a model that is wrong beyond its data cannot drag the MD further out (with
    // an uncertain model the run otherwise tends to run away into unphysical structures).
    atomistic::MdState trusted = md->state();
    SegmentSummary summary;
    summary.temperature_k = temperature;
    std::vector<double> history;  // max-atom σ_F per check, for the final-quarter mean
    std::vector<std::uint64_t> history_steps;
    const std::uint64_t first_step = md->state().step;
    while (md->state().step < settings.steps_per_temperature && !md->converged()) {
      md->step();
      const std::uint64_t step = md->state().step;
      if (step % settings.check_every_steps != 0 && step != settings.steps_per_temperature &&
          !md->converged())
        continue;
      const atomistic::Structure& now = md->state().structure;
      if (min_interatomic_distance_angstrom(now) < settings.min_distance_angstrom) {
        summary.unstable = true;
        break;
      }
      const double sigma = max_force_uncertainty_ev_per_angstrom(*model, now);
      ++summary.checks;
      history.push_back(sigma);
      history_steps.push_back(step);
      summary.max_uncertainty_ev_per_angstrom =
          std::max(summary.max_uncertainty_ev_per_angstrom, sigma);
      summary.mean_temperature_k += md->kinetic_temperature_k();
      if (callbacks.checked)
        callbacks.checked({cp.segment, temperature, md->state(), md->kinetic_temperature_k(),
                           md->potential_energy_ev(), sigma});
      if (sigma <= settings.force_uncertainty_threshold_ev_per_angstrom) {
        trusted = md->state();
        continue;
      }
      ++summary.above_threshold;
      if (cp.last_label_step != 0 && step < cp.last_label_step + settings.min_steps_between_labels)
        continue;
      if (result.reference_calls >= settings.reference_budget) {
        summary.budget_exhausted = result.budget_exhausted = true;
        break;
      }
      // Label this structure (wrapped into the cell: the reference code sees a tidy cell; the
      // MD state keeps its continuous positions).
      atomistic::Structure to_label = now;
      to_label.wrap_positions();
      ReferenceLabel label = labeller(to_label, result.reference_calls);
      ++result.reference_calls;
      cp.last_label_step = step;
      cp.md = md->state();
      if (!label.ok) {
        // No new data: going back would replay the same trajectory into the same frame.
        ++result.failures;
        ++summary.failed;
        if (callbacks.failed) callbacks.failed(label.failure, step);
      } else {
        ++summary.labelled;
        if (callbacks.labelled) callbacks.labelled(label.frame, temperature, step, sigma);
        result.labelled.push_back(std::move(label.frame));
        result.model =
            fit_learned_model(settings.descriptor, initial_training, result.labelled, settings.fit);
        if (callbacks.refitted)
          callbacks.refitted(result.model, initial_training.size() + result.labelled.size());
        model = std::make_unique<LinearModel>(result.model);
        md = make_sampler(*model, md_settings, trusted);
        cp.md = trusted;
      }
      cp.reference_calls = result.reference_calls;
      cp.failures = result.failures;
      if (callbacks.checkpoint) callbacks.checkpoint(cp);
    }
    summary.steps = md->state().step - first_step;
    if (summary.checks > 0) {
      summary.mean_temperature_k /= static_cast<double>(summary.checks);
      double sum = 0;
      for (double s : history) sum += s;
      summary.mean_uncertainty_ev_per_angstrom = sum / static_cast<double>(history.size());
      const std::uint64_t quarter = settings.steps_per_temperature * 3 / 4;
      double tail = 0;
      std::size_t n = 0;
      for (std::size_t k = 0; k < history.size(); ++k)
        if (history_steps[k] > quarter) tail += history[k], ++n;
      summary.final_quarter_mean_uncertainty_ev_per_angstrom =
          n > 0 ? tail / static_cast<double>(n) : 0.0;
    }
    result.segments.push_back(summary);
    if (summary.budget_exhausted) {
      cp.md = md->state();
      if (callbacks.checkpoint) callbacks.checkpoint(cp);
      break;
    }
    cp.segment_started = false;
    cp.md = atomistic::MdState{};
    if (callbacks.checkpoint) {
      OnTheFlyCheckpoint next = cp;
      ++next.segment;
      callbacks.checkpoint(next);
    }
  }
  return result;
}

}  // namespace ionhop::mlff
