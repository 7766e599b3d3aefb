// `ionhop validate MODEL.json TEST.extxyz`: errors of a fitted MLFF on labelled frames,
// overall and for atoms near the defect (info defect_position, written by
// make-training-structures).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/validation.hpp"

namespace ionhop::cli {

namespace {
struct ValidateArgs {
  std::string model, test;
  double near_defect_angstrom = 5.0;
  bool json = false, path = false;
};
}  // namespace

Action add_validate_command(CLI::App& app) {
  auto a = std::make_shared<ValidateArgs>();
  auto* sub = app.add_subcommand("validate", "Errors of an MLFF model on labelled extxyz frames");
  sub->add_option("model", a->model, "model file (schema ionhop.mlff/1)")->required();
  sub->add_option("test", a->test, "labelled extxyz (energy + forces)")->required();
  sub->add_option("--near-defect-angstrom", a->near_defect_angstrom,
                  "radius around info defect_position for the near-defect force MAE (default 5)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--json", a->json, "print the metrics as JSON");
  sub->add_flag("--path", a->path,
                "the frames are one reaction path in order (e.g. NEB images with DFT single "
                "points): also compare the energy profile and the barriers; the hopping atom "
                "marks the defect where frames have no defect_position");
  sub->footer(
      "Examples:\n  ionhop validate mlff.json test_dft.extxyz --near-defect-angstrom 5\n"
      "  ionhop validate mlff.json neb_path_dft.extxyz --path");
  return [a]() {
    const mlff::LinearModel model = io::load_mlff_model(a->model);
    if (!std::filesystem::exists(a->test)) throw InputError(a->test, "", "no such file");
    const auto frames = io::read_extxyz(a->test);
    if (frames.empty()) throw InputError(a->test, "", "no frame");
    std::vector<std::optional<atomistic::Vec3>> defects;
    for (std::size_t k = 0; k < frames.size(); ++k) {
      const auto& s = frames[k].structure;
      const std::string where = "frame " + std::to_string(k + 1);
      for (const auto& e : s.elements)
        if (model.descriptor().species_of(e) < 0) {
          std::string known;
          for (const auto& m : model.elements()) known += " " + m;
          throw InputError(a->test, "",
                           where + " has element " + e + ", which the model " + a->model +
                               " does not know (elements:" + known + ")");
        }
      if (!frames[k].energy_ev || !frames[k].forces_ev_per_angstrom)
        throw InputError(a->test, "", where + " has no energy or no forces label");
      defects.emplace_back();
      const auto it = s.info.find("defect_position");
      if (it != s.info.end()) {
        std::istringstream in(it->second);
        atomistic::Vec3 p;
        if (!(in >> p.x() >> p.y() >> p.z()))
          throw InputError(a->test, "",
                           where + ": defect_position '" + it->second + "' is not three numbers");
        defects.back() = p;
      }
    }
    const auto labelled = io::training_frames_from_extxyz(frames);
    mlff::ValidationMetrics m;
    std::optional<mlff::PathBarrierComparison> path;
    try {
      if (a->path) {
        if (frames.size() < 2)
          throw InputError(a->test, "", "--path needs at least 2 frames (one reaction path)");
        const std::size_t mover = mlff::moving_atom(labelled);
        for (std::size_t k = 0; k < frames.size(); ++k)
          if (!defects[k])
            defects[k] = atomistic::Vec3(
                frames[k].structure.positions_angstrom.col(static_cast<Eigen::Index>(mover)));
      }
      const auto predictions =
          mlff::predict_frames(model, labelled, defects, a->near_defect_angstrom);
      m = mlff::validation_metrics(predictions);
      if (a->path) path = mlff::compare_path_barriers(predictions);
    } catch (const InputError& e) {
      if (!e.file().empty()) throw;
      throw InputError(a->test, "", e.problem());
    }
    if (a->json) {
      const nlohmann::json j = {
          {"schema", "ionhop.mlff_validation/1"},
          {"model", a->model},
          {"test", a->test},
          {"structures", m.structures},
          {"atoms", m.force_atoms},
          {"energy_mae_mev_per_atom", 1e3 * m.energy_mae_ev_per_atom},
          {"energy_rmse_mev_per_atom", 1e3 * m.energy_rmse_ev_per_atom},
          {"energy_max_error_mev_per_atom", 1e3 * m.energy_max_error_ev_per_atom},
          {"force_mae_mev_per_angstrom", 1e3 * m.force_mae_ev_per_angstrom},
          {"force_rmse_mev_per_angstrom", 1e3 * m.force_rmse_ev_per_angstrom},
          {"force_max_error_mev_per_angstrom", 1e3 * m.force_max_error_ev_per_angstrom},
          {"force_r2", m.force_r2},
          {"near_defect_angstrom", a->near_defect_angstrom},
          {"near_defect_atoms", m.near_defect_atoms},
          {"near_defect_force_mae_mev_per_angstrom",
           m.near_defect_atoms > 0 ? nlohmann::json(1e3 * m.near_defect_force_mae_ev_per_angstrom)
                                   : nlohmann::json(nullptr)}};
      nlohmann::json out = j;
      if (path)
        out["path"] = {{"reference_profile_ev", path->reference_ev},
                       {"predicted_profile_ev", path->predicted_ev},
                       {"reference_forward_barrier_ev", path->reference_forward_barrier_ev},
                       {"predicted_forward_barrier_ev", path->predicted_forward_barrier_ev},
                       {"forward_barrier_error_ev", path->forward_error_ev},
                       {"reference_backward_barrier_ev", path->reference_backward_barrier_ev},
                       {"predicted_backward_barrier_ev", path->predicted_backward_barrier_ev},
                       {"backward_barrier_error_ev", path->backward_error_ev},
                       {"profile_mae_ev", path->profile_mae_ev}};
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::printf("%s on %s: %zu frames, %zu atoms\n", a->model.c_str(), a->test.c_str(),
                m.structures, m.force_atoms);
    std::printf("  energy MAE  %9.3f meV/atom (RMSE %.3f, max %.3f)\n",
                1e3 * m.energy_mae_ev_per_atom, 1e3 * m.energy_rmse_ev_per_atom,
                1e3 * m.energy_max_error_ev_per_atom);
    std::printf("  force MAE   %9.2f meV/A (RMSE %.2f, max %.2f), R^2 %.4f\n",
                1e3 * m.force_mae_ev_per_angstrom, 1e3 * m.force_rmse_ev_per_angstrom,
                1e3 * m.force_max_error_ev_per_angstrom, m.force_r2);
    if (m.near_defect_atoms > 0)
      std::printf("  force MAE   %9.2f meV/A within %.2f A of the defect (%zu atoms)\n",
                  1e3 * m.near_defect_force_mae_ev_per_angstrom, a->near_defect_angstrom,
                  m.near_defect_atoms);
    else
      std::printf("  (no defect_position in the frames: no near-defect MAE)\n");
    if (path) {
      std::printf("  path profile (eV, relative to frame 1):\n  %5s %12s %12s %10s\n", "frame",
                  "reference", "model", "error");
      for (std::size_t k = 0; k < path->reference_ev.size(); ++k)
        std::printf("  %5zu %12.4f %12.4f %+10.4f\n", k + 1, path->reference_ev[k],
                    path->predicted_ev[k], path->predicted_ev[k] - path->reference_ev[k]);
      std::printf("  forward barrier:  reference %.4f eV, model %.4f eV, error %+.4f eV\n",
                  path->reference_forward_barrier_ev, path->predicted_forward_barrier_ev,
                  path->forward_error_ev);
      std::printf("  backward barrier: reference %.4f eV, model %.4f eV, error %+.4f eV\n",
                  path->reference_backward_barrier_ev, path->predicted_backward_barrier_ev,
                  path->backward_error_ev);
      std::printf("  profile MAE %.4f eV\n", path->profile_mae_ev);
    }
    return 0;
  };
}

}  // namespace ionhop::cli
