// `ionhop fit-barriers CONFIG --samples FILE --out RATES.json`: least-squares fit of the
// local-environment barrier model to a campaign's samples (LOO cross-validated) and the
// rate table the KMC reads, with full provenance. The attempt frequency is the config's
// constant or, with "attempt_frequency_hz": "vineyard", the geometric mean of the samples'
// harmonic-TST prefactors per moving species.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/barriers/environment_fit.hpp"
#include "ionhop/barriers/metastable_starts.hpp"
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
    io::BarrierSampleSet set = io::load_barrier_samples(a->samples);
    // Samples from a metastable start (a repeat that relaxed into a higher minimum than
    // another repeat of its occupation) are not fitted, with the config's tolerance.
    std::vector<std::string> metastable;
    if (config.ground_state_tolerance_ev) {
      barriers::StartSelection starts =
          barriers::drop_metastable_starts(set.samples, *config.ground_state_tolerance_ev);
      set.samples = std::move(starts.kept);
      metastable = std::move(starts.removed);
      std::printf(
          "%zu sample(s) from a metastable start not fitted (more than %.4g eV above "
          "the lowest initial state of their occupation)\n",
          metastable.size(), *config.ground_state_tolerance_ev);
      for (const auto& line : metastable) std::printf("  %s\n", line.c_str());
    }
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
    // Converged bands whose endpoints relaxed into one state (e.g. a split vacancy): fitted
    // as they are (barrier ~0: the two sites exchange freely), but named, since the
    // environment model's one-barrier-per-hop picture does not hold for them.
    std::vector<std::string> merged;
    for (const auto& s : set.samples)
      if (barriers::endpoints_merged(s) && s.defect == options.defect) merged.push_back(s.id);
    if (!merged.empty()) {
      std::printf(
          "  %zu fitted sample(s) with endpoints relaxed into one state (< %.2g A apart; "
          "barrierless exchanges):",
          merged.size(), barriers::kMergedEndpointsAngstrom);
      for (const auto& id : merged) std::printf(" %s", id.c_str());
      std::printf("\n");
    }
    // The samples' prefactors whichever attempt frequency the table uses (a check of the
    // constant, or the values it will take).
    for (const auto& [m, st] : barriers::vineyard_statistics(set.samples, options.defect)) {
      if (st.samples == 0) continue;
      std::printf("  Vineyard nu*(%s)      %.4g THz, geometric mean of %zu samples (%.4g-%.4g THz",
                  m.c_str(), st.geometric_mean_hz / 1e12, st.samples, st.min_hz / 1e12,
                  st.max_hz / 1e12);
      if (st.samples > 1) std::printf("; SE factor %.3g", std::exp(st.log_standard_error));
      std::printf(")\n");
    }

    barriers::SpeciesSpec spec;
    spec.name = config.settings.defect_name;
    spec.charge = config.charge;
    spec.sublattice = config.settings.sublattice;
    spec.hop_shell = config.settings.hop_shell;
    spec.environment_shell = config.settings.environment_shell;
    spec.mechanism = config.settings.mechanism;
    if (spec.mechanism == rates::Mechanism::interstitial)
      spec.element = config.settings.interstitial.element;
    std::vector<std::string> moving;
    for (const auto& [m, _] : fit.kra_ev) moving.push_back(m);
    // Numeric /rate_table/attempt_frequency_hz: the config's numbers as they are; "vineyard":
    // the samples' geometric-mean ν* per moving species (throws naming the config pointer).
    const io::AttemptFrequencies nu =
        io::resolve_attempt_frequencies(config, set.samples, moving, a->samples);
    spec.attempt_frequency_hz = nu.default_hz;
    spec.attempt_frequency_by_moving_hz = nu.by_moving_hz;
    nlohmann::json campaign = nlohmann::json::parse(set.provenance, nullptr, false);
    spec.provenance = {
        {"barrier_source", "CI-NEB over sampled local environments (ionhop sample-barriers)"},
        {"campaign", campaign.is_discarded() ? nlohmann::json(set.provenance) : campaign},
        {"samples_file", a->samples},
        {"attempt_frequency",
         config.attempt_frequency_from_vineyard
             ? "harmonic TST (Vineyard 1957): per moving species the geometric mean of the "
               "converged samples' prefactors (vineyard_prefactors; a number in the campaign "
               "config's /rate_table/attempt_frequency_by_moving_hz takes precedence)"
             : "constant from the campaign config's /rate_table (not from harmonic TST)"}};
    // Recorded whenever the samples carry prefactors (a numeric table from samples without
    // any keeps today's provenance).
    bool any_prefactor = false;
    for (const auto& [m, st] : nu.vineyard) any_prefactor = any_prefactor || st.samples > 0;
    if (!merged.empty())
      spec.provenance["merged_endpoints"] = {
          {"separation_below_angstrom", barriers::kMergedEndpointsAngstrom},
          {"note",
           "fitted as barrierless exchanges: both endpoints relaxed into one state, so the two "
           "sites share it"},
          {"samples", merged}};
    if (config.ground_state_tolerance_ev)
      spec.provenance["metastable_starts_excluded"] = {
          {"ground_state_tolerance_ev", *config.ground_state_tolerance_ev},
          {"samples", metastable}};
    if (config.attempt_frequency_from_vineyard || any_prefactor) {
      nlohmann::json stats = nlohmann::json::object();
      for (const auto& [m, st] : nu.vineyard) {
        const bool have = st.samples > 0;
        // SE of the mean ln ν* (natural log); exp(SE) is the factor ν̄ is uncertain by.
        const bool se = st.samples > 1;
        stats[m] = {
            {"samples", st.samples},
            {"converged_without_prefactor", st.converged_without},
            {"geometric_mean_hz", have ? nlohmann::json(st.geometric_mean_hz) : nlohmann::json()},
            {"log_standard_error", se ? nlohmann::json(st.log_standard_error) : nlohmann::json()},
            {"standard_error_factor",
             se ? nlohmann::json(std::exp(st.log_standard_error)) : nlohmann::json()},
            {"min_hz", have ? nlohmann::json(st.min_hz) : nlohmann::json()},
            {"max_hz", have ? nlohmann::json(st.max_hz) : nlohmann::json()},
            {"used_in_rate_table", nu.from_vineyard.count(m) > 0}};
      }
      spec.provenance["vineyard_prefactors"] = stats;
    }
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
