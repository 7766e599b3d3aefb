// `ionhop validate MODEL.json TEST.extxyz`: errors of a fitted MLFF on labelled frames,
// overall and for atoms near the defect (info defect_position, written by
// make-training-structures).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
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
  bool json = false;
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
  sub->footer("Example:\n  ionhop validate mlff.json test_dft.extxyz --near-defect-angstrom 5");
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
    mlff::ValidationMetrics m;
    try {
      m = mlff::validation_metrics(mlff::predict_frames(
          model, io::training_frames_from_extxyz(frames), defects, a->near_defect_angstrom));
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
      std::cout << j.dump(2) << "\n";
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
    return 0;
  };
}

}  // namespace ionhop::cli
