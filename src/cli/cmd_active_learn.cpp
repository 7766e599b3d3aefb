// `ionhop active-learn CONFIG.json --out DIR`: on-the-fly learning of the linear MLFF
// (mlff::run_on_the_fly): Langevin MD with the current model at the training temperatures,
// CP2K labels wherever the model's force uncertainty is above the threshold, refit, go on;
// within a budget of reference calls. Resumable: DIR holds
//   labelled.extxyz   every label so far (rewritten atomically after each label)
//   checkpoint.json   where the run stands (MD state, budget used), after each label
//   model.json        the latest model (after each refit)
//   uncertainty.csv   one line per uncertainty check (a log, appended)
//   summary.json      per-segment statistics of the last invocation, written at its end
//   reference/label-k CP2K work directories
// Rerunning the same command continues where a killed run stopped; a different config in
// the same DIR is refused.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/active_learning_file.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/io/potential_file.hpp"
#include "ionhop/mlff/on_the_fly.hpp"
#include "ionhop/reference/cp2k_input.hpp"
#include "ionhop/reference/cp2k_runner.hpp"
#include "learning_run_directory.hpp"

namespace ionhop::cli {

namespace {
namespace fs = std::filesystem;

struct ActiveLearnArgs {
  std::string config, out;
};

nlohmann::json checkpoint_json(const mlff::OnTheFlyCheckpoint& cp, const std::string& config_sha) {
  return {{"schema", "ionhop.active_learning_checkpoint/1"},
          {"config_sha256", config_sha},
          {"segment", cp.segment},
          {"segment_started", cp.segment_started},
          {"md_step", cp.md.step},
          {"md_time_fs", cp.md.time_fs},
          {"positions_angstrom", columns_json(cp.md.structure.positions_angstrom)},
          {"velocities_angstrom_per_fs", columns_json(cp.md.velocities_angstrom_per_fs)},
          {"last_label_step", cp.last_label_step},
          {"reference_calls", cp.reference_calls},
          {"failures", cp.failures}};
}

mlff::OnTheFlyCheckpoint checkpoint_from_file(const std::string& path,
                                              const atomistic::Structure& start,
                                              const std::string& config_sha) {
  nlohmann::json doc;
  const io::JsonInput root = io::JsonInput::parse_file(path, doc);
  root.require_object({"schema", "config_sha256", "segment", "segment_started", "md_step",
                       "md_time_fs", "positions_angstrom", "velocities_angstrom_per_fs",
                       "last_label_step", "reference_calls", "failures"});
  if (root.at("schema").string() != "ionhop.active_learning_checkpoint/1")
    root.at("schema").fail("must be \"ionhop.active_learning_checkpoint/1\"");
  if (root.at("config_sha256").string() != config_sha)
    root.at("config_sha256")
        .fail("this directory belongs to a run with another config: use a new --out directory");
  mlff::OnTheFlyCheckpoint cp;
  cp.segment = static_cast<std::size_t>(root.at("segment").integer_at_least(0));
  cp.segment_started = root.at("segment_started").boolean();
  cp.md.structure = start;
  cp.md.step = static_cast<std::uint64_t>(root.at("md_step").integer_at_least(0));
  cp.md.time_fs = root.at("md_time_fs").non_negative();
  if (cp.segment_started) {
    cp.md.structure.positions_angstrom =
        columns_from_json(root.at("positions_angstrom"), start.size());
    cp.md.velocities_angstrom_per_fs =
        columns_from_json(root.at("velocities_angstrom_per_fs"), start.size());
  }
  cp.last_label_step = static_cast<std::uint64_t>(root.at("last_label_step").integer_at_least(0));
  cp.reference_calls = static_cast<std::size_t>(root.at("reference_calls").integer_at_least(0));
  cp.failures = static_cast<std::size_t>(root.at("failures").integer_at_least(0));
  return cp;
}

nlohmann::json segment_json(const mlff::SegmentSummary& s) {
  return {{"temperature_k", s.temperature_k},
          {"md_steps", s.steps},
          {"uncertainty_checks", s.checks},
          {"checks_above_threshold", s.above_threshold},
          {"labelled", s.labelled},
          {"failed", s.failed},
          {"max_force_uncertainty_ev_per_angstrom", s.max_uncertainty_ev_per_angstrom},
          {"mean_force_uncertainty_ev_per_angstrom", s.mean_uncertainty_ev_per_angstrom},
          {"final_quarter_mean_force_uncertainty_ev_per_angstrom",
           s.final_quarter_mean_uncertainty_ev_per_angstrom},
          {"mean_kinetic_temperature_k", s.mean_temperature_k},
          {"unstable", s.unstable},
          {"budget_exhausted", s.budget_exhausted}};
}
}  // namespace

Action add_active_learn_command(CLI::App& app) {
  auto a = std::make_shared<ActiveLearnArgs>();
  auto* sub = app.add_subcommand(
      "active-learn",
      "On-the-fly MLFF learning: MD with the model, DFT where it is uncertain, refit (resumable)");
  sub->add_option("config", a->config, "config file (schema ionhop.active_learning/1)")->required();
  sub->add_option("--out", a->out, "output directory (resumed if it holds a checkpoint)")
      ->required();
  sub->footer(
      "DIR gets labelled.extxyz (the new labels), model.json (latest model), checkpoint.json,\n"
      "uncertainty.csv (every check) and summary.json. Rerun the same command to resume.\n"
      "Example:\n"
      "  ionhop active-learn examples/mlff/active_learning/cspbi3_vi_plus.json --out al_vi_plus");
  return [a]() {
    const io::ActiveLearningConfig config = io::load_active_learning_config(a->config);
    const std::vector<mlff::TrainingFrame> training =
        io::read_training_frames(config.training_paths);
    const auto start_frames = io::read_extxyz(config.start_path);
    if (config.start_frame >= start_frames.size())
      throw InputError(config.path, "/start/frame",
                       "no frame " + std::to_string(config.start_frame) + " in " +
                           config.start_path + " (it has " + std::to_string(start_frames.size()) +
                           ", counted from 0)");
    const atomistic::Structure start = start_frames[config.start_frame].structure;
    if (start.charge_e != training.front().structure.charge_e)
      throw InputError(config.path, "/start/structure",
                       "the start structure has cell charge " + std::to_string(start.charge_e) +
                           " e, the training frames " +
                           std::to_string(training.front().structure.charge_e) +
                           " e (one model per charge state)");

    mlff::OnTheFlySettings settings = config.settings;
    std::set<std::string> elements(start.elements.begin(), start.elements.end());
    for (const auto& f : training)
      elements.insert(f.structure.elements.begin(), f.structure.elements.end());
    settings.descriptor.elements.assign(elements.begin(), elements.end());

    // The reference is checked before anything is written (bad input: no output).
    const mlff::Labeller labeller =
        ReferenceLabeller(config.reference, a->out, start, config.start_path);
    LearningRunDirectory run(a->out, "active-learn",
                             "segment,temperature_k,md_step,time_fs,kinetic_temperature_k,"
                             "potential_ev,max_force_uncertainty_ev_per_angstrom");
    std::optional<mlff::OnTheFlyCheckpoint> resume;
    if (run.resuming()) {
      resume = checkpoint_from_file(run.checkpoint_path(), start, config.sha256);
      std::printf("resuming: segment %zu, MD step %llu, %zu labels, %zu reference calls used\n",
                  resume->segment, static_cast<unsigned long long>(resume->md.step),
                  run.previous_labels().size(), resume->reference_calls);
    }
    const std::string model_path = run.model_path();
    const std::string summary_path = run.file("summary.json");

    mlff::OnTheFlyCallbacks callbacks;
    callbacks.labelled = [&](const mlff::TrainingFrame& f, double temperature, std::uint64_t step,
                             double sigma) {
      run.append_label(f, {{"al_temperature_k", shortest_number(temperature)},
                           {"al_md_step", std::to_string(step)},
                           {"al_force_uncertainty_ev_per_angstrom", shortest_number(sigma)}});
      std::printf("  label at %.0f K, step %llu: sigma_F %.3f eV/A, E_ref = %.6f eV\n", temperature,
                  static_cast<unsigned long long>(step), sigma, f.energy_ev.value_or(0));
      std::fflush(stdout);
    };
    callbacks.failed = [&](const std::string& why, std::uint64_t step) {
      std::printf("  label FAILED at step %llu: %s\n", static_cast<unsigned long long>(step),
                  why.c_str());
      std::fflush(stdout);
    };
    callbacks.checkpoint = [&](const mlff::OnTheFlyCheckpoint& cp) {
      run.write_checkpoint(checkpoint_json(cp, config.sha256).dump() + "\n");
    };
    callbacks.refitted = [&](const mlff::LinearModel& model, std::size_t frames) {
      run.report_refit(model, frames);
    };
    callbacks.checked = [&](const mlff::OnTheFlyCallbacks::Check& c) {
      char line[256];
      std::snprintf(line, sizeof line, "%zu,%.17g,%llu,%.17g,%.6f,%.9f,%.6g", c.segment,
                    c.temperature_k, static_cast<unsigned long long>(c.state.step), c.state.time_fs,
                    c.kinetic_temperature_k, c.potential_energy_ev, c.uncertainty_ev_per_angstrom);
      run.log_line(line);
    };
    std::printf(
        "active-learn: %zu initial frames, %zu temperatures x %llu steps, threshold %.3f eV/A, "
        "budget %zu reference calls (%s)\n",
        training.size(), settings.temperatures_k.size(),
        static_cast<unsigned long long>(settings.steps_per_temperature),
        settings.force_uncertainty_threshold_ev_per_angstrom, settings.reference_budget,
        config.reference.code.c_str());
    const mlff::OnTheFlyResult result = mlff::run_on_the_fly(training, run.previous_labels(), start,
                                                             settings, labeller, callbacks, resume);

    nlohmann::json segments = nlohmann::json::array();
    std::printf("%8s %7s %7s %6s %6s %10s %10s %12s %8s\n", "T (K)", "steps", "checks", "above",
                "labels", "max sigma", "mean sigma", "last-1/4 sig", "T_kin");
    for (const auto& s : result.segments) {
      segments.push_back(segment_json(s));
      std::printf("%8.0f %7llu %7zu %6zu %6zu %10.3f %10.3f %12.3f %8.0f%s%s\n", s.temperature_k,
                  static_cast<unsigned long long>(s.steps), s.checks, s.above_threshold, s.labelled,
                  s.max_uncertainty_ev_per_angstrom, s.mean_uncertainty_ev_per_angstrom,
                  s.final_quarter_mean_uncertainty_ev_per_angstrom, s.mean_temperature_k,
                  s.unstable ? "  UNSTABLE" : "", s.budget_exhausted ? "  budget used up" : "");
    }
    const nlohmann::json summary = {{"schema", "ionhop.active_learning_summary/1"},
                                    {"config", config.path},
                                    {"config_sha256", config.sha256},
                                    {"ionhop_version", core::version()},
                                    {"initial_frames", training.size()},
                                    {"labelled_frames", result.labelled.size()},
                                    {"reference_calls", result.reference_calls},
                                    {"reference_failures", result.failures},
                                    {"budget_exhausted", result.budget_exhausted},
                                    {"segments", segments}};
    io::write_file_atomically(summary_path, summary.dump(2) + "\n");
    std::printf("%zu labels in total (%zu reference calls, %zu failed)%s; model %s\n",
                result.labelled.size(), result.reference_calls, result.failures,
                result.budget_exhausted ? ", budget used up" : "", model_path.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
