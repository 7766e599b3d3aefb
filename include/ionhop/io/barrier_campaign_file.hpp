// Config files of the offline barrier stage: a barrier campaign (schema
// "ionhop.barrier_campaign/1": lattice, potential, supercell, defect and hop, varied
// environment, sampling, CI-NEB settings, rate-table output) and a single CI-NEB run
// ("ionhop.neb/1"), with precise one-line errors.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ionhop/atomistic/neb.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/lattice/crystal.hpp"

namespace ionhop::io {

// {"images": 5, "spring_constant_ev_per_angstrom2": 5, "force_tolerance_ev_per_angstrom":
//  0.05, "max_steps": 1000, "climb": true, "interpolation": "idpp" | "linear",
//  "relax_endpoints": true, "endpoint_force_tolerance_ev_per_angstrom": 0.01,
//  "endpoint_max_steps": 2000}; every key optional (defaults as in NebSettings).
atomistic::NebSettings parse_neb_settings(const JsonInput& neb);
nlohmann::json neb_settings_to_json(const atomistic::NebSettings& settings);

struct BarrierCampaignConfig {
  std::string path, sha256, description;
  std::string lattice_path, lattice_sha256;
  std::string initial_start_sha256;   // of /sampling/initial_start's file ("" without it)
  std::string midpoint_start_sha256;  // of /sampling/midpoint_start's file ("" without it)
  lattice::Crystal crystal;
  std::string potential_path;  // loaded with load_potential by the caller
  std::array<int, 3> supercell{};
  barriers::CampaignSettings settings;
  // Rate-table output of the fit.
  int charge = 0;
  std::string table_name, table_description, reference_species;
  double attempt_frequency_hz = 0;  // 0 when attempt_frequency_from_vineyard
  // "/rate_table/attempt_frequency_hz": "vineyard" (needs settings.vineyard): ν per moving
  // species from the samples' Vineyard prefactors (resolve_attempt_frequencies).
  bool attempt_frequency_from_vineyard = false;
  std::map<std::string, double> attempt_frequency_by_moving_hz;
  // "/rate_table/ground_state_tolerance_ev": fit only the samples whose relaxed initial state
  // is within this of the lowest one found for their occupation
  // (barriers::drop_metastable_starts). Absent: every converged sample is fitted.
  std::optional<double> ground_state_tolerance_ev;
  // Optional top-level "training_domain": {"stop_band_above_ev_per_angstrom": 0.25,
  // "check_every_steps": 10}: with an MLFF potential, a band is stopped (the sample fails)
  // once an image's max-atom force uncertainty exceeds this (settings.band_guard, set by the
  // caller, which loads the potential; check_every_steps → settings.band_guard_every_steps).
  // 0: no guard.
  double stop_band_above_force_uncertainty_ev_per_angstrom = 0;
};

// Optional top-level "vineyard": {"enabled": true, "hessian_step_angstrom": 0.005,
// "imaginary_tolerance_thz": 0.05} → settings.vineyard and settings.harmonic (the object
// alone enables it; "enabled": false turns it off). "/rate_table/attempt_frequency_hz" is a
// number (Hz) or the string "vineyard" (then /vineyard must be enabled).
BarrierCampaignConfig load_barrier_campaign(const std::string& path);

// The attempt frequencies of the fitted rate table.
struct AttemptFrequencies {
  double default_hz = 0;                       // every moving species not in by_moving_hz
  std::map<std::string, double> by_moving_hz;  // per moving species
  std::set<std::string> from_vineyard;         // species whose ν is the samples' mean ν*
  // The samples' prefactors per moving species (barriers::vineyard_statistics of the
  // campaign's defect), recorded in the provenance whichever source is used.
  std::map<std::string, barriers::VineyardStatistics> vineyard;
};

// With a numeric /rate_table/attempt_frequency_hz: the config's numbers, unchanged. With
// "vineyard": for each of `moving_species`, /rate_table/attempt_frequency_by_moving_hz when it
// names the species, else the geometric mean of its converged samples' Vineyard prefactors.
// Throws InputError(config.path, "/rate_table/attempt_frequency_hz", ...) for a species with
// neither (naming `samples_path` when given).
AttemptFrequencies resolve_attempt_frequencies(const BarrierCampaignConfig& config,
                                               const std::vector<barriers::BarrierSample>& samples,
                                               const std::vector<std::string>& moving_species,
                                               const std::string& samples_path = "");

// One CI-NEB: a vacancy or split-interstitial hop built from a lattice, or two extxyz
// endpoint files.
struct NebConfig {
  std::string path, description;
  std::string potential_path;  // "" when the config has none (learn-neb fits its own)
  // Either endpoints from files...
  std::string initial_path, final_path;
  // ... or a hop built from a lattice.
  std::string lattice_path;
  lattice::Crystal crystal;
  std::array<int, 3> supercell{};
  std::string mechanism = "vacancy";  // "vacancy" | "interstitial"
  std::string sublattice = "X", hop_shell = "X-X";
  std::int64_t from_site = -1;  // default: the sublattice's first site
  std::size_t hop = 0;
  std::string interstitial_element, axis_sublattice;
  double interstitial_delta_angstrom = 0;
  std::map<std::string, std::string> occupants;  // site index (as text) → occupant override
  int charge_e = 0;                              // metadata written into the extxyz
  atomistic::NebSettings neb;
  double rattle_angstrom = 0.05;  // common displacement of both endpoints (atomistic/rattle)
  std::uint64_t rattle_seed = 1;
  // > 0: atoms farther than this from the hop are fixed at their positions (frozen host,
  // atomistic/frozen_host.hpp); 0: all atoms free.
  double fix_beyond_angstrom = 0;
  // Elements whose atoms are all fixed at their positions (e.g. {"Pb", "Cs"}: only the
  // halides relax, so a band cannot rearrange the cation framework); empty: none.
  std::vector<std::string> fix_elements;
  // Optional (built hops only): an extxyz whose last frame replaces the rattled initial
  // endpoint's free atoms before it is relaxed, e.g. the lowest state `ionhop relax` found,
  // which a rattled start of the built hop may miss. Same atoms in the same order; the
  // frozen host (fix_beyond_angstrom) must be at the built positions.
  std::string initial_start_path;
  bool from_files() const { return !initial_path.empty(); }
};

NebConfig load_neb_config(const std::string& path);

}  // namespace ionhop::io
