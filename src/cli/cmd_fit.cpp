// `ionhop fit TABLE.csv`: weighted Arrhenius fits of a D(T) table, per species.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/diffusion_table_file.hpp"

namespace ionhop::cli {

namespace {
struct FitArgs {
  std::string table;
  double temperature_k = 300;
  bool json = false;
};
}  // namespace

Action add_fit_command(CLI::App& app) {
  auto a = std::make_shared<FitArgs>();
  auto* sub = app.add_subcommand("fit", "Arrhenius fit (with covariance) of a D(T) table");
  sub->add_option(
         "table", a->table,
         "CSV with columns temperature_k, diffusion_cm2_s, diffusion_err_cm2_s [, species]")
      ->required();
  sub->add_option("--temperature", a->temperature_k,
                  "also report D at this temperature in K (default 300)");
  sub->add_flag("--json", a->json, "print JSON");
  sub->footer("Example:\n  ionhop fit results/cspbi3/points.csv --temperature 320");
  return [a]() {
    if (!(a->temperature_k > 0) || !std::isfinite(a->temperature_k))
      throw InputError("command line", "--temperature", "must be a finite number > 0");
    const auto groups = io::load_diffusion_table(a->table);
    nlohmann::json out = nlohmann::json::array();
    if (!a->json)
      std::printf(
          "%-9s %-20s %-26s %-10s %s\n", "species", "Ea (eV)", "D0 (cm^2/s)", "chi2/dof",
          ("D(" + std::to_string(static_cast<int>(a->temperature_k)) + " K) (cm^2/s)").c_str());
    for (const auto& [species, points] : groups) {
      analysis::ArrheniusFit fit;
      try {
        fit = analysis::fit_arrhenius(points);
      } catch (const std::invalid_argument& e) {
        throw InputError(a->table, species.empty() ? "" : "species " + species, e.what());
      }
      const auto d = fit.diffusion_at(a->temperature_k);
      if (a->json) {
        out.push_back({{"species", species},
                       {"points", fit.points},
                       {"activation_energy_ev", fit.activation_energy_ev},
                       {"activation_energy_err_ev", fit.activation_energy_err_ev()},
                       {"prefactor_cm2_s", fit.prefactor()},
                       {"prefactor_err_cm2_s", fit.prefactor_err()},
                       {"cov_ln_prefactor_activation_energy", fit.cov_ln_prefactor_activation},
                       {"chi2", fit.chi2},
                       {"degrees_of_freedom", fit.degrees_of_freedom},
                       {"temperature_k", a->temperature_k},
                       {"diffusion_cm2_s", d.value},
                       {"diffusion_err_cm2_s", d.error}});
      } else {
        char ea[64], d0[64], chi[32], dt[64];
        std::snprintf(ea, sizeof ea, "%.4f ± %.4f", fit.activation_energy_ev,
                      fit.activation_energy_err_ev());
        std::snprintf(d0, sizeof d0, "%.3e ± %.3e", fit.prefactor(), fit.prefactor_err());
        std::snprintf(chi, sizeof chi, "%.2f",
                      fit.degrees_of_freedom > 0 ? fit.chi2 / fit.degrees_of_freedom : NAN);
        std::snprintf(dt, sizeof dt, "%.3e ± %.3e", d.value, d.error);
        std::printf("%-9s %-21s %-27s %-10s %s\n", species.empty() ? "-" : species.c_str(), ea, d0,
                    chi, dt);
      }
    }
    if (a->json) std::cout << out.dump(2) << "\n";
    return 0;
  };
}

}  // namespace ionhop::cli
