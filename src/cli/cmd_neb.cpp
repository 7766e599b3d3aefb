// `ionhop neb CONFIG --out DIR`: one climbing-image NEB (a vacancy or split-interstitial hop
// built from a lattice, or two extxyz endpoints) with any potential; writes the path as
// extxyz and the energy profile as JSON; with --vineyard also the harmonic-TST attempt
// frequency (Vineyard 1957) from the relaxed initial endpoint and the saddle.
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/rattle.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/potential_file.hpp"
#include "ionhop/io/results_writer.hpp"
#include "ionhop/mlff/domain_check.hpp"
#include "neb_endpoints.hpp"
#include "neb_output.hpp"

namespace ionhop::cli {

namespace {
struct NebArgs {
  std::string config, out;
  int threads = 0;
  bool quiet = false;
  bool vineyard = false;
  double hessian_step_angstrom = 0.005;
  double uncertainty_warning = mlff::kDefaultUncertaintyWarningEvPerAngstrom;
};

}  // namespace

Action add_neb_command(CLI::App& app) {
  auto a = std::make_shared<NebArgs>();
  auto* sub = app.add_subcommand("neb", "Climbing-image NEB of one hop with a potential");
  sub->add_option("config", a->config, "NEB config (schema ionhop.neb/1)")->required();
  sub->add_option("--out", a->out, "output directory (path.extxyz, neb.json)")->required();
  sub->add_option("--threads", a->threads, "threads for the images (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--quiet", a->quiet, "no progress or table");
  auto* vineyard =
      sub->add_flag("--vineyard", a->vineyard,
                    "after a converged band, the Vineyard (harmonic TST) attempt frequency from "
                    "finite-difference Hessians of the relaxed initial endpoint and the saddle "
                    "(12 N force calls)");
  sub->add_option("--hessian-step-angstrom", a->hessian_step_angstrom,
                  "central-difference step of the Hessians (default 0.005)")
      ->check(CLI::PositiveNumber)
      ->needs(vineyard);
  sub->add_option("--uncertainty-warning-ev-per-angstrom", a->uncertainty_warning,
                  "MLFF potentials: warn when an image's max-atom force uncertainty exceeds "
                  "this (default 0.25, the active-learn threshold)")
      ->check(CLI::PositiveNumber);
  sub->footer(
      "Exit status 0: converged; 3: the band did not converge (results written, marked);\n"
      "4: --vineyard: the minimum or saddle failed the mode check (results written, reason\n"
      "in neb.json); 2: bad input.\n"
      "Example:\n  ionhop neb examples/barriers/cspbi3_vacancy_neb.json --out results/neb");
  return [a]() {
    const io::NebConfig config = io::load_neb_config(a->config);
    if (config.potential_path.empty())
      throw InputError(config.path, "/potential", "missing: ionhop neb needs a potential file");
    const io::LoadedPotential potential = io::load_potential(config.potential_path);
    auto [initial, final_structure] = neb_endpoints(config);
    initial.charge_e = final_structure.charge_e = config.charge_e;
    apply_frozen_host(config, initial, final_structure);
    atomistic::rattle_endpoints(initial, final_structure, config.rattle_angstrom,
                                config.rattle_seed);
    apply_initial_start(config, initial);
    atomistic::NebSettings settings = config.neb;
    if (!a->quiet)
      settings.progress = [](std::size_t step, double max_force, bool climbing) {
        if (step % 25 == 0)
          std::fprintf(stderr, "\r  step %5zu  max force %.4f eV/A %s", step, max_force,
                       climbing ? "(climbing)" : "          ");
      };
    atomistic::HarmonicSettings harmonic;
    harmonic.displacement_angstrom = a->hessian_step_angstrom;
    if (a->vineyard) {
      // Masses are needed only after the band; an element without one fails before it.
      try {
        (void)atomistic::free_atom_masses_amu(initial, harmonic);
      } catch (const InputError& e) {
        throw InputError(config.from_files() ? config.initial_path : a->config, "",
                         e.problem() + " (needed by --vineyard)");
      }
    }
    std::unique_ptr<tbb::global_control> limit;
    if (a->threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    a->threads);
    const auto start = std::chrono::steady_clock::now();
    if (config.from_files()) {
      // Evaluate each endpoint once so an element the potential lacks or overlapping atoms
      // are reported against the file that holds them.
      const std::pair<const atomistic::Structure*, const std::string*> ends[] = {
          {&initial, &config.initial_path}, {&final_structure, &config.final_path}};
      for (const auto& [structure, file] : ends) {
        try {
          (void)potential.potential->compute(*structure);
        } catch (const InputError& e) {
          throw InputError(*file, e.json_path(), e.problem());
        }
      }
    }
    atomistic::NebResult result;
    try {
      result = atomistic::run_neb(*potential.potential, initial, final_structure, settings);
    } catch (const InputError& e) {
      throw InputError(a->config, e.json_path(), e.problem());
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!a->quiet) std::fprintf(stderr, "\n");

    // Vineyard prefactor: only from a converged band (the saddle is the climbing image then).
    std::optional<atomistic::VineyardResult> prefactor;
    std::string not_computed;
    double vineyard_wall = 0;
    if (a->vineyard) {
      if (!result.converged) {
        not_computed = "the NEB did not converge";
      } else {
        const auto vineyard_start = std::chrono::steady_clock::now();
        try {
          prefactor = atomistic::vineyard_prefactor(*potential.potential, result.images.front(),
                                                    result.saddle, harmonic);
          if (!result.climbing_image)
            prefactor->warning += std::string(prefactor->warning.empty() ? "" : "; ") +
                                  "no climbing image: the highest image only approximates "
                                  "the saddle";
        } catch (const InputError& e) {
          not_computed = e.problem();
        }
        vineyard_wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - vineyard_start)
                .count();
      }
    }

    nlohmann::json summary = neb_result_to_json(result);
    summary["schema"] = "ionhop.neb_result/1";
    summary["config"] = a->config;
    summary["settings"] = io::neb_settings_to_json(config.neb);
    summary["settings"]["rattle_angstrom"] = config.rattle_angstrom;
    summary["settings"]["fix_beyond_angstrom"] = config.fix_beyond_angstrom;
    summary["settings"]["fix_elements"] = config.fix_elements;
    summary["settings"]["rattle_seed"] = config.rattle_seed;
    if (!config.initial_start_path.empty())
      summary["settings"]["initial_start"] = config.initial_start_path;
    summary["potential"] = {{"name", potential.potential->name()},
                            {"file", potential.path},
                            {"file_sha256", potential.sha256}};
    summary["atoms"] = initial.size();
    summary["wall_time_s"] = wall;
    if (a->vineyard) {
      if (prefactor) {
        summary["vineyard"] = vineyard_to_json(*prefactor, harmonic);
        // Two Hessians of 2 × 3N_free displaced structures each.
        summary["vineyard"]["force_calls"] =
            4 * (static_cast<std::size_t>(prefactor->minimum.frequencies_thz.size()) +
                 prefactor->minimum.removed_zero_modes);
        summary["vineyard"]["wall_time_s"] = vineyard_wall;
      } else {
        summary["vineyard"] = {{"computed", false}, {"reason", not_computed}};
      }
    }
    // An MLFF's results are only as good as its data: flag images outside its domain.
    const mlff::DomainCheck domain = mlff::check_training_domain(
        *potential.potential, result.images, a->uncertainty_warning, "NEB image");
    if (domain.applicable)
      summary["mlff_domain"] = {
          {"threshold_ev_per_angstrom", domain.threshold_ev_per_angstrom},
          {"max_force_uncertainty_ev_per_angstrom", domain.max_force_uncertainty_ev_per_angstrom},
          {"images_outside", domain.outside},
          {"warning", domain.warning}};
    summary["ionhop"] = {{"version", core::version()}, {"commit", core::git_commit()}};
    io::write_output_directory(
        a->out, {{"path.extxyz", neb_path_extxyz(result)}, {"neb.json", summary.dump(2) + "\n"}});
    if (!a->quiet) print_neb_profile(std::cout, result);
    std::printf("%s: forward barrier %.4f eV, backward %.4f eV, %zu steps, %.2f s; wrote %s\n",
                result.converged ? "converged" : "NOT CONVERGED", result.forward_barrier_ev,
                result.backward_barrier_ev, result.steps, wall, a->out.c_str());
    if (!domain.warning.empty()) std::printf("WARNING: %s\n", domain.warning.c_str());
    if (!a->vineyard) return result.converged ? 0 : 3;
    if (!prefactor) {
      std::printf("Vineyard prefactor not computed: %s\n", not_computed.c_str());
      return result.converged ? 4 : 3;
    }
    std::printf("Vineyard prefactor: %.4g THz (imaginary mode %.4g THz), %.2f s\n",
                prefactor->prefactor_thz, prefactor->imaginary_frequency_thz, vineyard_wall);
    if (!prefactor->warning.empty())
      std::printf("Vineyard warning: %s\n", prefactor->warning.c_str());
    return 0;
  };
}

}  // namespace ionhop::cli
