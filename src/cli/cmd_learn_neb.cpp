// `ionhop learn-neb CONFIG.json --out DIR`: on-the-fly MLFF learning along a CI-NEB band
// (mlff::run_band_learning): relax the endpoints and optimise the band with the current
// model, label the most uncertain image with CP2K, refit, restart from the last trusted band;
// within a budget of reference calls. Resumable: DIR holds
//   labelled.extxyz   every label so far (rewritten atomically after each label)
//   checkpoint.json   the trusted endpoints and band and the budget used, after each label
//   model.json        the latest model (after each refit)
//   uncertainty.csv   one line per checked structure (a log, appended)
//   learning.json     the outcome (labels, budget, trusted or why not), written at the end
//   path.extxyz, neb.json   the final band with the final model (once a band exists)
//   reference/label-k CP2K work directories
// Rerunning the same command continues where a killed run stopped; a different config in
// the same DIR is refused.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "dft_labelling.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/band_learning_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/band_learning.hpp"
#include "learning_run_directory.hpp"
#include "neb_endpoints.hpp"
#include "neb_output.hpp"

namespace ionhop::cli {

namespace {
namespace fs = std::filesystem;

struct LearnNebArgs {
  std::string config, out;
};

nlohmann::json positions_json(const atomistic::Structure& s) {
  return columns_json(s.positions_angstrom);
}

atomistic::Structure positions_from_json(const io::JsonInput& list,
                                         const atomistic::Structure& like) {
  atomistic::Structure s = like;
  s.positions_angstrom = columns_from_json(list, like.size());
  return s;
}

nlohmann::json checkpoint_json(const mlff::BandLearningCheckpoint& cp,
                               const std::string& config_sha) {
  nlohmann::json band = nlohmann::json::array();
  for (const auto& image : cp.band) band.push_back(positions_json(image));
  return {{"schema", "ionhop.neb_learning_checkpoint/1"},
          {"config_sha256", config_sha},
          {"reference_calls", cp.reference_calls},
          {"failures", cp.failures},
          {"initial_positions_angstrom", positions_json(cp.initial)},
          {"final_positions_angstrom", positions_json(cp.final_structure)},
          {"band_positions_angstrom", band},
          {"endpoint_refinements", cp.refinements},
          {"final_start_from_band", cp.final_start_from_band}};
}

mlff::BandLearningCheckpoint checkpoint_from_file(const std::string& path,
                                                  const atomistic::Structure& like,
                                                  const std::string& config_sha) {
  nlohmann::json doc;
  const io::JsonInput root = io::JsonInput::parse_file(path, doc);
  root.require_object({"schema", "config_sha256", "reference_calls", "failures",
                       "initial_positions_angstrom", "final_positions_angstrom",
                       "band_positions_angstrom", "endpoint_refinements", "final_start_from_band"});
  if (root.at("schema").string() != "ionhop.neb_learning_checkpoint/1")
    root.at("schema").fail("must be \"ionhop.neb_learning_checkpoint/1\"");
  if (root.at("config_sha256").string() != config_sha)
    root.at("config_sha256")
        .fail("this directory belongs to a run with another config: use a new --out directory");
  mlff::BandLearningCheckpoint cp;
  cp.reference_calls = static_cast<std::size_t>(root.at("reference_calls").integer_at_least(0));
  cp.failures = static_cast<std::size_t>(root.at("failures").integer_at_least(0));
  cp.initial = positions_from_json(root.at("initial_positions_angstrom"), like);
  cp.final_structure = positions_from_json(root.at("final_positions_angstrom"), like);
  for (const auto& image : root.at("band_positions_angstrom").array())
    cp.band.push_back(positions_from_json(image, like));
  if (auto v = root.find("endpoint_refinements"))
    cp.refinements = static_cast<std::size_t>(v->integer_at_least(0));
  if (auto v = root.find("final_start_from_band")) cp.final_start_from_band = v->boolean();
  return cp;
}
}  // namespace

Action add_learn_neb_command(CLI::App& app) {
  auto a = std::make_shared<LearnNebArgs>();
  auto* sub = app.add_subcommand(
      "learn-neb",
      "On-the-fly MLFF learning along a CI-NEB band: DFT where an image is uncertain, refit, "
      "restart (resumable)");
  sub->add_option("config", a->config, "config file (schema ionhop.neb_learning/1)")->required();
  sub->add_option("--out", a->out, "output directory (resumed if it holds a checkpoint)")
      ->required();
  sub->footer(
      "DIR gets labelled.extxyz (the new labels), model.json (latest model), checkpoint.json,\n"
      "uncertainty.csv (every check), and at the end path.extxyz and neb.json (the final band\n"
      "and each image's force uncertainty). Rerun the same command to resume.\n"
      "Exit status 0: the band converged with every image inside the threshold; 3: it did not\n"
      "(budget used up, a failed label, an endpoint that did not relax, or the step limit;\n"
      "results written, reason in neb.json); 2: bad input.\n"
      "Example:\n"
      "  ionhop learn-neb examples/mlff/active_learning/cspbi3_vi_plus_neb.json --out nl");
  return [a]() {
    const io::BandLearningConfig config = io::load_band_learning_config(a->config);
    const std::vector<mlff::TrainingFrame> training =
        io::read_training_frames(config.training_paths);
    auto [initial, final_structure] = neb_endpoints(config.neb);
    initial.charge_e = final_structure.charge_e = config.neb.charge_e;
    if (initial.charge_e != training.front().structure.charge_e)
      throw InputError(config.neb.path, "/charge_e",
                       "the hop has cell charge " + std::to_string(initial.charge_e) +
                           " e, the training frames " +
                           std::to_string(training.front().structure.charge_e) +
                           " e (one model per charge state)");
    mlff::BandLearningSettings settings = config.settings;
    if (config.endpoints != atomistic::EndpointMode::kIndependent) {
      try {
        settings.mirror = atomistic::find_hop_mirror(initial, final_structure);
        if (config.endpoints == atomistic::EndpointMode::kSharedHost)
          settings.mirror->require_one_atom_hop();
      } catch (const InputError& e) {
        throw InputError(config.path, "/endpoints", e.problem());
      }
    }
    apply_frozen_host(config.neb, initial, final_structure);
    const atomistic::Structure ideal_initial = initial;
    atomistic::rattle_endpoints(initial, final_structure, config.neb.rattle_angstrom,
                                config.neb.rattle_seed);
    const bool symmetrized =
        config.endpoints == atomistic::EndpointMode::kMirror && config.symmetrize_rattle;
    if (symmetrized) initial = settings.mirror->symmetrize_displacements(initial, ideal_initial);
    apply_initial_start(config.neb, initial);
    std::set<std::string> elements(initial.elements.begin(), initial.elements.end());
    for (const auto& f : training)
      elements.insert(f.structure.elements.begin(), f.structure.elements.end());
    settings.descriptor.elements.assign(elements.begin(), elements.end());

    // The reference is checked before anything is written (bad input: no output).
    const mlff::Labeller labeller =
        ReferenceLabeller(config.reference, a->out, initial, config.neb.path);
    LearningRunDirectory run(a->out, "learn-neb",
                             "stage,step,image,max_force_uncertainty_ev_per_angstrom");
    std::optional<mlff::BandLearningCheckpoint> resume;
    if (run.resuming()) {
      resume = checkpoint_from_file(run.checkpoint_path(), initial, config.sha256);
      std::printf("resuming: %zu labels, %zu reference calls used\n", run.previous_labels().size(),
                  resume->reference_calls);
    }
    const std::string model_path = run.model_path();

    mlff::BandLearningCallbacks callbacks;
    callbacks.labelled = [&](const mlff::TrainingFrame& f, const std::string& where,
                             std::size_t step, double sigma) {
      run.append_label(f, {{"al_source", "learn-neb " + where},
                           {"al_step", std::to_string(step)},
                           {"al_force_uncertainty_ev_per_angstrom", shortest_number(sigma)}});
      std::printf("  label of the %s at step %zu: sigma_F %.3f eV/A, E_ref = %.6f eV\n",
                  where.c_str(), step, sigma, f.energy_ev.value_or(0));
      std::fflush(stdout);
    };
    callbacks.failed = [&](const std::string& why, const std::string& where) {
      std::printf("  label of the %s FAILED: %s\n", where.c_str(), why.c_str());
      std::fflush(stdout);
    };
    callbacks.checkpoint = [&](const mlff::BandLearningCheckpoint& cp) {
      run.write_checkpoint(checkpoint_json(cp, config.sha256).dump() + "\n");
    };
    callbacks.refitted = [&](const mlff::LinearModel& model, std::size_t frames) {
      run.report_refit(model, frames);
    };
    callbacks.escaped = [&](const std::string& where, double curvature) {
      std::printf("  the relaxed %s has negative curvature (%.3g eV/A^2): stepping off it\n",
                  where.c_str(), curvature);
      std::fflush(stdout);
    };
    callbacks.refined = [&](const atomistic::EndpointRefinement& refine,
                            const atomistic::NebResult& band) {
      const std::size_t i = refine.initial_from ? *refine.initial_from : *refine.final_from;
      std::printf(
          "  converged band has image %zu %.3f eV below its %s endpoint: relaxing that "
          "endpoint again from it\n",
          i,
          (refine.initial_from ? band.energies_ev.front() : band.energies_ev.back()) -
              band.energies_ev[i],
          refine.initial_from ? "initial" : "final");
      std::fflush(stdout);
    };
    callbacks.checked = [&](const std::string& stage, std::size_t step,
                            const std::vector<double>& sigma) {
      for (std::size_t i = 0; i < sigma.size(); ++i) {
        char line[160];
        std::snprintf(line, sizeof line, "%s,%zu,%zu,%.6g", stage.c_str(), step,
                      stage == "band" ? i + 1 : 0, sigma[i]);
        run.log_line(line);
      }
    };
    std::printf(
        "learn-neb: %zu initial frames, endpoints %s%s, threshold %.3f eV/A every %zu steps, "
        "budget %zu reference calls (%s)\n",
        training.size(), atomistic::endpoint_mode_name(config.endpoints).c_str(),
        symmetrized ? " (symmetrised rattle)" : "",
        settings.force_uncertainty_threshold_ev_per_angstrom, settings.check_every_steps,
        settings.reference_budget, config.reference.code.c_str());
    const mlff::BandLearningResult result =
        mlff::run_band_learning(training, run.previous_labels(), initial, final_structure, settings,
                                labeller, callbacks, resume);

    std::string outcome = result.trusted ? "converged, every image inside the threshold" : "";
    if (!result.trusted) {
      if (!result.failure.empty())
        outcome = result.failure;
      else if (result.budget_exhausted)
        outcome = "the reference budget is used up";
      else if (result.neb && !result.neb->converged)
        outcome = "the band did not converge within the step limit";
      else
        outcome = "stopped";
    }
    // learning.json always (also when no band was reached); neb.json and path.extxyz with a band.
    const nlohmann::json learning = {
        {"schema", "ionhop.neb_learning_result/1"},
        {"config", config.path},
        {"endpoints", atomistic::endpoint_mode_name(config.endpoints)},
        {"initial_frames", training.size()},
        {"labelled_frames", result.labelled.size()},
        {"reference_calls", result.reference_calls},
        {"reference_failures", result.failures},
        {"band_starts", result.rounds},
        {"endpoint_refinements", result.endpoint_refinements},
        {"refinement_limit_reached", result.refinement_limit_reached},
        {"budget_exhausted", result.budget_exhausted},
        {"band", result.neb.has_value()},
        {"trusted", result.trusted},
        {"outcome", outcome},
        {"ionhop", {{"version", core::version()}, {"commit", core::git_commit()}}}};
    io::write_file_atomically(run.file("learning.json"), learning.dump(2) + "\n");
    if (result.neb) {
      nlohmann::json summary = neb_result_to_json(*result.neb);
      summary["schema"] = "ionhop.neb_result/1";
      summary["config"] = config.path;
      summary["neb_config"] = config.neb.path;
      summary["settings"] = io::neb_settings_to_json(config.neb.neb);
      summary["settings"]["rattle_angstrom"] = config.neb.rattle_angstrom;
      summary["settings"]["rattle_seed"] = config.neb.rattle_seed;
      summary["settings"]["fix_beyond_angstrom"] = config.neb.fix_beyond_angstrom;
      summary["settings"]["fix_elements"] = config.neb.fix_elements;
      summary["settings"]["endpoints"] = atomistic::endpoint_mode_name(config.endpoints);
      summary["settings"]["symmetrize_rattle"] = symmetrized;
      if (!config.neb.initial_start_path.empty())
        summary["settings"]["initial_start"] = config.neb.initial_start_path;
      summary["potential"] = {{"name", "mlff (learn-neb)"}, {"file", model_path}};
      summary["atoms"] = initial.size();
      summary["mlff_domain"] = {
          {"threshold_ev_per_angstrom", settings.force_uncertainty_threshold_ev_per_angstrom},
          {"max_force_uncertainty_ev_per_angstrom", result.image_uncertainty_ev_per_angstrom}};
      summary["learning"] = learning;
      summary["ionhop"] = {{"version", core::version()}, {"commit", core::git_commit()}};
      io::write_file_atomically(run.file("path.extxyz"), neb_path_extxyz(*result.neb));
      io::write_file_atomically(run.file("neb.json"), summary.dump(2) + "\n");
      print_neb_profile(std::cout, *result.neb);
      std::printf("band: forward barrier %.4f eV, backward %.4f eV; image sigma_F:",
                  result.neb->forward_barrier_ev, result.neb->backward_barrier_ev);
      for (double s : result.image_uncertainty_ev_per_angstrom) std::printf(" %.3f", s);
      std::printf(" eV/A\n");
    }
    std::printf("%s; %zu labels in total (%zu reference calls, %zu failed); model %s\n",
                outcome.c_str(), result.labelled.size(), result.reference_calls, result.failures,
                model_path.c_str());
    return result.trusted ? 0 : 3;
  };
}

}  // namespace ionhop::cli
