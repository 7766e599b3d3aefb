// `ionhop fit-barriers CONFIG --samples FILE --out RATES.json`: least-squares fit of the
// local-environment barrier model to a campaign's samples (LOO cross-validated) and the
// rate table the KMC reads, with full provenance.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "ionhop/barriers/environment_fit.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"
#include "ionhop/io/barrier_samples_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/rates/compiled_rates.hpp"

namespace ionhop::cli {

namespace {
struct FitBarrierArgs {
  std::string config, samples, out;
  double ridge = 0;
};

void print_fit(const barriers::EnvironmentFit& fit) {
  std::printf(
      "Environment model of %s (gauge: e = k = 0 for %s), %zu samples used, %zu not "
      "converged (excluded)\n",
      fit.defect.c_str(), fit.reference_species.c_str(), fit.samples_used,
      fit.samples_not_converged);
  for (const auto& [m, c] : fit.kra_ev)
    std::printf("  E_KRA(%s)            %.4f ± %.4f eV\n", m.c_str(), c.value_ev,
                c.standard_error_ev);
  for (const auto& [s, c] : fit.site_energy_ev)
    std::printf("  e_%-3s (site energy)  %+.4f ± %.4f eV per neighbour\n", s.c_str(), c.value_ev,
                c.standard_error_ev);
  for (const auto& [s, c] : fit.kra_per_neighbour_ev)
    std::printf("  k_%-3s (KRA)          %+.4f ± %.4f eV per neighbour\n", s.c_str(), c.value_ev,
                c.standard_error_ev);
  for (const auto& [s, c] : fit.saddle_kra_ev)
    std::printf("  q_%-3s (saddle)       %+.4f ± %.4f eV per common neighbour\n", s.c_str(),
                c.value_ev, c.standard_error_ev);
  for (const auto* f : {&fit.site_energy_fit, &fit.kra_fit})
    std::printf("  %-22s RMSE %.4f eV, leave-one-out CV RMSE %.4f eV (%zu samples)\n",
                f == &fit.kra_fit ? "fit E_b - dE/2:" : "fit dE:", f->rmse_ev, f->cv_rmse_ev,
                f->samples);
  if (!fit.kra_fit.largest_residuals.empty()) {
    std::printf("  largest residuals (E_b - dE/2):");
    for (const auto& r : fit.kra_fit.largest_residuals)
      std::printf(" %s %+.4f", r.sample.c_str(), r.residual_ev);
    std::printf("\n");
  }
}
}  // namespace

Action add_fit_barriers_command(CLI::App& app) {
  auto a = std::make_shared<FitBarrierArgs>();
  auto* sub = app.add_subcommand(
      "fit-barriers", "Fit the environment barrier model to sampled CI-NEB barriers -> rate table");
  sub->add_option("config", a->config, "the campaign config (schema ionhop.barrier_campaign/1)")
      ->required();
  sub->add_option("--samples", a->samples, "samples file written by sample-barriers")->required();
  sub->add_option("--out", a->out, "rate table to write (schema ionhop.rates/1)")->required();
  sub->add_option("--ridge", a->ridge, "ridge regularisation of the e_s, k_s (default 0)")
      ->check(CLI::NonNegativeNumber);
  sub->footer(
      "Example:\n  ionhop fit-barriers examples/barriers/cspbi3_vacancy_campaign.json \\\n"
      "      --samples results/campaign/samples.json --out results/campaign/rates.json");
  return [a]() {
    const io::BarrierCampaignConfig config = io::load_barrier_campaign(a->config);
    const io::BarrierSampleSet set = io::load_barrier_samples(a->samples);
    barriers::FitOptions options;
    options.defect = config.settings.defect_name;
    options.reference_species = config.reference_species;
    options.ridge = a->ridge;
    barriers::EnvironmentFit fit;
    try {
      fit = barriers::fit_environment_model(set.samples, options);
    } catch (const InputError& e) {
      throw InputError(a->samples, e.json_path(), e.problem());
    }
    print_fit(fit);

    barriers::SpeciesSpec spec;
    spec.name = config.settings.defect_name;
    spec.charge = config.charge;
    spec.sublattice = config.settings.sublattice;
    spec.hop_shell = config.settings.hop_shell;
    spec.environment_shell = config.settings.environment_shell;
    spec.attempt_frequency_hz = config.attempt_frequency_hz;
    spec.attempt_frequency_by_moving_hz = config.attempt_frequency_by_moving_hz;
    nlohmann::json campaign = nlohmann::json::parse(set.provenance, nullptr, false);
    spec.provenance = {
        {"barrier_source", "CI-NEB over sampled local environments (ionhop sample-barriers)"},
        {"campaign", campaign.is_discarded() ? nlohmann::json(set.provenance) : campaign},
        {"samples_file", a->samples},
        {"attempt_frequency",
         "constant from the campaign config's /rate_table (not from harmonic TST)"}};
    rates::RateTable table;
    table.name = config.table_name;
    table.description = config.table_description;
    table.provenance = barriers::fit_provenance_json(fit, spec.provenance).dump();
    try {
      table.species.push_back(barriers::to_defect_species(fit, spec));
      rates::check_against_crystal(table, config.crystal);
    } catch (const InputError& e) {
      throw InputError(a->config, e.json_path(), e.problem());
    }
    io::write_file_atomically(a->out, io::rate_table_to_json(table).dump(2) + "\n");
    std::printf("Wrote %s\n", a->out.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
