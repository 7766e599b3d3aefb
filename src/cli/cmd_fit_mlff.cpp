// `ionhop fit-mlff TRAIN.extxyz --out MODEL.json`: fits the linear MLFF
// (mlff::fit_linear_model) to labelled frames and reports train (and test) errors.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/fit.hpp"
#include "ionhop/mlff/validation.hpp"

namespace ionhop::cli {

namespace {
struct FitMlffArgs {
  std::vector<std::string> train, test;
  std::string out;
  double cutoff_angstrom = 5.5;
  int radial_order = 8, angular_radial_order = 4, angular_order = 3;
  double inner_radius_angstrom = 0;
  double sigma_energy = 0.002, sigma_force = 0.05, ridge = 1e-3, high_force_scale = 0;
  std::vector<double> core_repulsion;  // [inner, outer] (Å) or empty
};

void print_metrics(const char* what, const mlff::ValidationMetrics& m) {
  std::printf(
      "%-5s %4zu frames: energy MAE %8.3f meV/atom, force MAE %8.2f meV/A, force R^2 %.4f\n", what,
      m.structures, 1e3 * m.energy_mae_ev_per_atom, 1e3 * m.force_mae_ev_per_angstrom, m.force_r2);
}
}  // namespace

Action add_fit_mlff_command(CLI::App& app) {
  auto a = std::make_shared<FitMlffArgs>();
  auto* sub = app.add_subcommand("fit-mlff", "Fit the linear MLFF to labelled extxyz frames");
  sub->add_option("train", a->train, "labelled extxyz file(s) (energy + forces per frame)")
      ->required();
  sub->add_option("--test", a->test, "held-out labelled extxyz file(s) (errors reported only)");
  sub->add_option("--out", a->out, "model file to write (schema ionhop.mlff/1)")->required();
  sub->add_option("--cutoff", a->cutoff_angstrom, "descriptor cutoff in A (default 5.5)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--radial-order", a->radial_order, "two-body radial functions (default 8)")
      ->check(CLI::Range(1, 32));
  sub->add_option("--angular-radial-order", a->angular_radial_order,
                  "radial functions of the three-body terms (default 4)")
      ->check(CLI::Range(1, 16));
  sub->add_option("--angular-order", a->angular_order, "Legendre channels 0..L (default 3)")
      ->check(CLI::Range(0, 8));
  sub->add_option("--inner-radius-angstrom", a->inner_radius_angstrom,
                  "radial basis flat below this distance (A, default 0: off; below --cutoff)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--sigma-energy-ev-per-atom", a->sigma_energy,
                  "energy noise per atom (default 0.002)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--sigma-force-ev-per-angstrom", a->sigma_force,
                  "force noise per component (default 0.05)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--high-force-scale-ev-per-angstrom", a->high_force_scale,
                  "F0: noise of atom k's force x max(1, |F_k|/F0), of a frame's energy x "
                  "max(1, max|F|/F0) (default 0: off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--ridge", a->ridge, "ridge lambda on standardised features (default 1e-3)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--core-repulsion-angstrom", a->core_repulsion,
                  "INNER OUTER: a fixed ZBL repulsion under the model, full below INNER, "
                  "switched off smoothly at OUTER (keep OUTER below the training data's shortest "
                  "distances; default: none)")
      ->expected(2);
  sub->footer(
      "Elements: those of the training frames. Stresses are not fitted. All frames must have one\n"
      "cell charge (one model per defect charge state); the model refuses other charges.\n"
      "Example:\n  ionhop fit-mlff train_dft.extxyz --test test_dft.extxyz --out mlff.json");
  return [a]() {
    const auto train = io::read_training_frames(a->train);
    std::vector<mlff::TrainingFrame> test;
    if (!a->test.empty()) test = io::read_training_frames(a->test);
    mlff::DescriptorSettings descriptor;
    std::set<std::string> elements;
    for (const auto& f : train)
      elements.insert(f.structure.elements.begin(), f.structure.elements.end());
    descriptor.elements.assign(elements.begin(), elements.end());
    descriptor.cutoff_angstrom = a->cutoff_angstrom;
    descriptor.radial_order = a->radial_order;
    descriptor.angular_radial_order = a->angular_radial_order;
    descriptor.angular_order = a->angular_order;
    descriptor.inner_radius_angstrom = a->inner_radius_angstrom;
    if (descriptor.inner_radius_angstrom >= descriptor.cutoff_angstrom)
      throw InputError("command line", "--inner-radius-angstrom", "must be below --cutoff");
    mlff::FitSettings settings;
    settings.energy_sigma_ev_per_atom = a->sigma_energy;
    settings.force_sigma_ev_per_angstrom = a->sigma_force;
    settings.stress_sigma_ev_per_angstrom3 = 0;
    settings.ridge_lambda = a->ridge;
    settings.high_force_scale_ev_per_angstrom = a->high_force_scale;
    if (!a->core_repulsion.empty()) {
      settings.core_repulsion = {a->core_repulsion[0], a->core_repulsion[1]};
      if (!(settings.core_repulsion.inner_angstrom >= 0 &&
            settings.core_repulsion.inner_angstrom < settings.core_repulsion.outer_angstrom))
        throw InputError("command line", "--core-repulsion-angstrom", "needs 0 <= INNER < OUTER");
    }
    const auto model = [&]() {
      try {
        return mlff::fit_linear_model(descriptor, train, settings);
      } catch (const InputError& e) {
        if (!e.file().empty()) throw;
        throw InputError(a->train.front(), "", e.problem());
      }
    }();
    std::printf(
        "fitted %zu parameters (%zu elements, %zu features each) on %zu frames, %zu atoms\n",
        model.parameter_count(), model.elements().size(), model.descriptor().feature_count(),
        model.training().structures, model.training().atoms);
    print_metrics("train", mlff::validation_metrics(mlff::predict_frames(model, train)));
    if (!test.empty()) {
      try {
        print_metrics("test", mlff::validation_metrics(mlff::predict_frames(model, test)));
      } catch (const InputError& e) {
        if (!e.file().empty()) throw;
        throw InputError(a->test.front(), "", e.problem());
      }
    }
    io::write_mlff_model(a->out, model);
    std::printf("wrote %s\n", a->out.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
