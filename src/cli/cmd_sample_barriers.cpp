// `ionhop sample-barriers CONFIG --out DIR`: an environment-sampling campaign. Plans the
// symmetry-distinct occupations around one vacancy hop, runs CI-NEB for each with the
// configured potential, and appends every finished sample to DIR/samples.json at once, so
// a killed campaign resumes where it stopped (finished samples are never recomputed). With
// the config's "vineyard" enabled each converged sample also carries its harmonic-TST
// attempt frequency (Vineyard 1957).
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "commands.hpp"
#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"
#include "ionhop/io/barrier_samples_file.hpp"
#include "ionhop/io/potential_file.hpp"
#include "ionhop/mlff/domain_check.hpp"
#include "neb_output.hpp"

namespace ionhop::cli {

namespace fs = std::filesystem;

namespace {
struct SampleArgs {
  std::string config, out;
  int threads = 0;
  std::size_t limit = 0;
  bool plan_only = false;
};

// The campaign's harmonic-TST settings; the refinement keys only when refinement is on (the
// samples of campaigns without it keep their provenance, and so can be resumed).
nlohmann::json vineyard_provenance(const barriers::CampaignSettings& s) {
  if (!s.vineyard) return {{"enabled", false}};
  nlohmann::json v = {{"enabled", true},
                      {"hessian_step_angstrom", s.harmonic.displacement_angstrom},
                      {"imaginary_tolerance_thz", s.harmonic.imaginary_tolerance_thz}};
  if (s.saddle_refinement.max_refinements > 0) {
    v["saddle_refinements"] = s.saddle_refinement.max_refinements;
    v["saddle_refinement_angstrom"] = s.saddle_refinement.displacement_angstrom;
  }
  return v;
}

// Identifies the campaign a samples file belongs to: resuming with a different config or
// potential would mix incompatible barriers in one fit.
nlohmann::json campaign_provenance(const io::BarrierCampaignConfig& c, const io::LoadedPotential& p,
                                   const std::string& command_line) {
  nlohmann::json out = {{"campaign_config", c.path},
                        {"campaign_config_sha256", c.sha256},
                        {"lattice", c.lattice_path},
                        {"lattice_sha256", c.lattice_sha256},
                        {"potential",
                         {{"name", p.potential->name()},
                          {"file", p.path},
                          {"file_sha256", p.sha256},
                          {"parameters_sha256", core::sha256_hex(p.potential->parameters_json())}}},
                        {"supercell", c.supercell},
                        {"defect", c.settings.defect_name},
                        {"neb", io::neb_settings_to_json(c.settings.neb)},
                        {"vineyard", vineyard_provenance(c.settings)},
                        {"ionhop", {{"version", core::version()}, {"commit", core::git_commit()}}},
                        {"command_line", command_line}};
  // Only with the key, so that the samples of campaigns without it can still be resumed.
  if (c.settings.initial_start)
    out["initial_start"] = {{"file", c.settings.initial_start_path},
                            {"file_sha256", c.initial_start_sha256}};
  if (c.settings.midpoint_start)
    out["midpoint_start"] = {{"file", c.settings.midpoint_start_path},
                             {"file_sha256", c.midpoint_start_sha256}};
  return out;
}
}  // namespace

Action add_sample_barriers_command(CLI::App& app, const std::string& command_line) {
  auto a = std::make_shared<SampleArgs>();
  auto* sub = app.add_subcommand(
      "sample-barriers",
      "CI-NEB barriers over sampled local environments of a vacancy or interstitial hop");
  sub->add_option("config", a->config, "campaign config (schema ionhop.barrier_campaign/1)")
      ->required();
  sub->add_option("--out", a->out, "campaign directory (samples.json, paths/); resumed if present")
      ->required();
  sub->add_option("--threads", a->threads, "threads for the NEB images (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--limit", a->limit, "compute at most this many new samples, then stop")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--plan", a->plan_only,
                "print the planned occupations (with their non-default site occupants, as an "
                "ionhop.neb /hop/occupants) and exit");
  sub->footer(
      "Example:\n"
      "  ionhop sample-barriers examples/barriers/cspbi3_vacancy_campaign.json --out "
      "results/campaign\n"
      "  ionhop fit-barriers examples/barriers/cspbi3_vacancy_campaign.json \\\n"
      "      --samples results/campaign/samples.json --out results/campaign/rates.json");
  return [a, command_line]() {
    const io::BarrierCampaignConfig config = io::load_barrier_campaign(a->config);
    const io::LoadedPotential potential = io::load_potential(config.potential_path);
    const lattice::SiteGraph graph(config.crystal, config.supercell);
    barriers::CampaignPlan plan;
    try {
      plan = barriers::plan_campaign(graph, config.settings);
    } catch (const InputError& e) {
      throw InputError(a->config, e.json_path(), e.problem());
    }
    // Refuse a potential that cannot evaluate some species before any NEB runs (otherwise
    // every sample with that species would be recorded as failed).
    for (const std::string& species : config.settings.species) {
      std::vector<std::string> occupants(graph.site_count());
      for (lattice::SiteIndex s = 0; s < graph.site_count(); ++s) {
        const auto& basis = config.crystal.basis[graph.basis_of(s)];
        occupants[s] = basis.sublattice == config.settings.sublattice ? species : basis.occupant;
      }
      atomistic::Structure perfect = atomistic::SupercellBuilder(graph, occupants).perfect();
      perfect.charge_e = config.settings.cell_charge_e;  // as the campaign's defect cells
      try {
        (void)potential.potential->compute(perfect);
      } catch (const InputError& e) {
        throw InputError(a->config, "/environment/species", e.problem());
      }
      // Likewise an element without a mass, which only the Vineyard step after the band needs.
      if (config.settings.vineyard) {
        try {
          (void)atomistic::free_atom_masses_amu(perfect, config.settings.harmonic);
        } catch (const InputError& e) {
          throw InputError(a->config, "/vineyard", e.problem());
        }
      }
    }
    // /training_domain: stop a band once the MLFF is uncertain along it (CampaignSettings::
    // band_guard); only an MLFF with a posterior has that measure.
    barriers::CampaignSettings settings = config.settings;
    if (const double stop = config.stop_band_above_force_uncertainty_ev_per_angstrom; stop > 0) {
      const auto* model = dynamic_cast<const mlff::LinearModel*>(potential.potential.get());
      if (model == nullptr || !model->has_uncertainty())
        throw InputError(a->config, "/training_domain",
                         "needs an MLFF potential with a posterior (" + config.potential_path +
                             " has no force uncertainty)");
      settings.band_guard = [model, stop](const std::vector<atomistic::Structure>& band) {
        const mlff::DomainCheck d = mlff::check_training_domain(*model, band, stop, "NEB image");
        if (d.outside.empty()) return std::string();
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "%zu of %zu images left the MLFF's training domain (force uncertainty up "
                      "to %.3f eV/A > %.3f eV/A)",
                      d.outside.size(), band.size(),
                      *std::max_element(d.max_force_uncertainty_ev_per_angstrom.begin(),
                                        d.max_force_uncertainty_ev_per_angstrom.end()),
                      stop);
        return std::string(buf);
      };
    }
    std::printf(
        "Campaign %s: %zu occupations of %zu varied sites around the hop %u -> %u "
        "(%zu symmetry operations fix the hop)\n",
        config.settings.defect_name.c_str(), plan.occupations.size(), plan.environment.sites.size(),
        plan.environment.from, plan.environment.to, plan.environment.symmetries.size());
    if (a->plan_only) {
      // With each occupation, the sites whose occupant differs from the lattice's default,
      // in the form of an ionhop.neb config's /hop/occupants (from_site = the hop's origin):
      // a single environment can then be studied or learned with neb / learn-neb.
      for (const auto& o : plan.occupations) {
        const auto occupants =
            barriers::initial_site_occupants(graph, config.settings, plan.environment, o);
        nlohmann::json changed = nlohmann::json::object();
        for (lattice::SiteIndex s = 0; s < graph.site_count(); ++s)
          if (s != plan.environment.from &&
              occupants[s] != config.crystal.basis[graph.basis_of(s)].occupant)
            changed[std::to_string(s)] = occupants[s];
        std::printf("  %-28s occupants %s\n", barriers::sample_id(config.settings, o).c_str(),
                    changed.dump().c_str());
      }
      return 0;
    }

    const std::string samples_path = (fs::path(a->out) / "samples.json").string();
    const nlohmann::json provenance = campaign_provenance(config, potential, command_line);
    std::set<std::string> done;
    if (fs::exists(samples_path)) {
      const io::BarrierSampleSet existing = io::load_barrier_samples(samples_path);
      nlohmann::json previous = nlohmann::json::parse(existing.provenance, nullptr, false);
      // The config hash covers /vineyard too: turning the prefactor on or off, or changing its
      // Hessian step, is a different campaign (samples with and without ν* would mix).
      const bool same = previous.is_object() &&
                        previous.value("campaign_config_sha256", "") == config.sha256 &&
                        previous["potential"].value("file_sha256", "") == potential.sha256;
      if (!same)
        throw InputError(samples_path, "/provenance",
                         "belongs to a different campaign config or potential: use another --out "
                         "(resuming would mix incompatible barriers)");
      for (const auto& s : existing.samples) done.insert(s.id);
      std::printf("Resuming: %zu samples already in %s\n", done.size(), samples_path.c_str());
    }
    io::BarrierSampleSet header;
    header.description = "CI-NEB samples of campaign " + config.path;
    header.provenance = provenance.dump();

    std::unique_ptr<tbb::global_control> limit;
    if (a->threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    a->threads);
    // The inputs are checked: the directory may now appear (a first sample whose endpoints
    // do not relax writes no path, only its failure into samples.json).
    fs::create_directories(a->out);
    std::size_t computed = 0, failed = 0;
    std::size_t outside_domain = 0;
    for (std::size_t k = 0; k < plan.occupations.size(); ++k) {
      const auto& occupation = plan.occupations[k];
      if (done.count(barriers::sample_id(config.settings, occupation))) continue;
      if (a->limit > 0 && computed >= a->limit) break;
      const auto start = std::chrono::steady_clock::now();
      const barriers::SampleOutcome outcome =
          barriers::run_sample(graph, *potential.potential, settings, plan.environment, occupation);
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!outcome.neb.images.empty()) {
        char name[32];
        std::snprintf(name, sizeof name, "%04zu.extxyz", k);
        io::write_file_atomically((fs::path(a->out) / "paths" / name).string(),
                                  neb_path_extxyz(outcome.neb));
      }
      io::append_barrier_samples(samples_path, {outcome.sample}, header);
      ++computed;
      failed += !outcome.sample.converged;
      const auto& s = outcome.sample;
      if (s.converged) {
        std::printf("[%zu/%zu] %-28s moving %-3s E_b %.4f eV  dE %+.4f eV  %4zu steps  %.1f s\n",
                    k + 1, plan.occupations.size(), s.id.c_str(), s.moving_species.c_str(),
                    s.barrier_ev, s.reaction_energy_ev, outcome.neb.steps, wall);
        if (outcome.minimum_escapes > 0)
          std::printf("        endpoints stepped off negative curvature %zu time(s)\n",
                      outcome.minimum_escapes);
        if (outcome.endpoint_refinements > 0)
          std::printf("        endpoints relaxed again from band images %zu time(s)\n",
                      outcome.endpoint_refinements);
        if (barriers::endpoints_merged(s))
          std::printf(
              "        endpoints relaxed into one state (atoms at most %.3f A apart): no hop in "
              "this environment; fitted as a barrierless exchange\n",
              *s.endpoint_separation_angstrom);
        if (s.midpoint_energy_ev)
          std::printf(
              "        half band to the midpoint state (%+.4f eV; mirror-plane crossing %+.4f eV), "
              "the hop being it and its mirror image (prefactor: half the band's nu*)\n",
              *s.midpoint_energy_ev, s.mirror_plane_energy_ev.value_or(NAN));
        if (outcome.saddle_refinements > 0)
          std::printf("        band pushed off a higher-order saddle %zu time(s)\n",
                      outcome.saddle_refinements);
        if (s.attempt_frequency_hz)
          std::printf("        Vineyard prefactor %.4g THz (imaginary mode %.4g THz)%s%s\n",
                      *s.attempt_frequency_hz / 1e12, s.imaginary_frequency_thz.value_or(0),
                      s.vineyard_warning.empty() ? "" : "; warning: ", s.vineyard_warning.c_str());
        else if (config.settings.vineyard)
          std::printf("        Vineyard %s\n", s.vineyard_warning.c_str());
      } else
        std::printf("[%zu/%zu] %-28s FAILED: %s\n", k + 1, plan.occupations.size(), s.id.c_str(),
                    outcome.failure.c_str());
      // An MLFF's barrier is only as good as its data: flag paths outside its domain.
      const mlff::DomainCheck domain =
          mlff::check_training_domain(*potential.potential, outcome.neb.images,
                                      mlff::kDefaultUncertaintyWarningEvPerAngstrom, "NEB image");
      if (!domain.warning.empty()) {
        ++outside_domain;
        std::printf("        WARNING: %s\n", domain.warning.c_str());
      }
      std::fflush(stdout);
    }
    if (outside_domain > 0)
      std::printf("WARNING: %zu new sample(s) have NEB images outside the MLFF's training domain\n",
                  outside_domain);
    const std::size_t total = done.size() + computed;
    std::printf("%zu new samples (%zu not converged); %zu of %zu in %s%s\n", computed, failed,
                total, plan.occupations.size(), samples_path.c_str(),
                total < plan.occupations.size() ? " (run again to resume)" : "");
    return 0;
  };
}

}  // namespace ionhop::cli
