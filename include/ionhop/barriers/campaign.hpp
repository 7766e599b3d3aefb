// An environment-sampling campaign (issue 4 §5): for one vacancy hop, choose symmetry-
// distinct occupations of the surrounding sites, build each cell, run CI-NEB with any
// Potential and record E_KRA data (forward barrier, reaction energy, environment counts)
// as BarrierSamples for the environment-model fit. Files and resuming are the caller's
// (io + cli): this module only plans and computes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/barriers/barrier_sample.hpp"
#include "ionhop/barriers/hop_environment.hpp"
#include "ionhop/lattice/site_graph.hpp"

namespace ionhop::barriers {

enum class SamplingMode { exhaustive, stratified };

struct CampaignSettings {
  std::string defect_name;  // e.g. "V_X^+"
  std::string sublattice = "X";
  std::string hop_shell = "X-X";          // the hop
  std::string environment_shell = "X-X";  // whose neighbours are varied and counted
  // Host species of the varied sites (index 0 is the stratification base) and the species
  // of every other site of the sublattice (empty: the lattice's default occupant).
  std::vector<std::string> species;
  std::string background;
  std::vector<std::string> moving_species;  // ions that jump into the vacancy, e.g. I, Br
  SamplingMode mode = SamplingMode::stratified;
  std::size_t budget_per_moving_species = 24;  // stratified
  std::size_t max_exhaustive = 4096;           // exhaustive: refuse more raw occupations
  std::uint64_t seed = 1;
  // The hop: from this site (default: the sublattice's first site) along hop `hop` of the
  // site graph, which must be in hop_shell.
  std::int64_t from_site = -1;
  std::size_t hop = 0;
  atomistic::NebSettings neb;
  // Common random displacement of both endpoints before relaxation (σ, Å; 0: none), to
  // break the cubic symmetry (atomistic/rattle.hpp). The seed is the sampling seed.
  double rattle_angstrom = 0.05;
  // Each occupation is computed this many times, with rattle streams seed, seed + 1, …
  // (different symmetry-breaking starts; their spread is part of the fit's residual).
  std::size_t repeats = 1;
};

struct CampaignPlan {
  HopEnvironment environment;
  std::vector<EnvironmentOccupation> occupations;  // in the order they are computed
};

// Throws InputError (no file) for unknown species/shells/sites, a hop outside hop_shell,
// or a moving species not in `species`.
CampaignPlan plan_campaign(const lattice::SiteGraph& graph, const CampaignSettings& settings);

struct SampleOutcome {
  BarrierSample sample;
  atomistic::NebResult neb;  // empty images when the NEB could not start
  std::string failure;       // why the sample is not converged ("" when converged)
};

// Per-site occupants of the initial state of one occupation ("" on the vacant site).
std::vector<std::string> initial_site_occupants(const lattice::SiteGraph& graph,
                                                const CampaignSettings& settings,
                                                const HopEnvironment& environment,
                                                const EnvironmentOccupation& occupation);

// Builds the two endpoints of the occupation, runs CI-NEB and returns the sample. A NEB
// that does not converge, or endpoints that do not relax, give a sample with
// converged = false and the reason; it is kept on file but never fitted.
SampleOutcome run_sample(const lattice::SiteGraph& graph, const atomistic::Potential& potential,
                         const CampaignSettings& settings, const HopEnvironment& environment,
                         const EnvironmentOccupation& occupation);

// Sample id: "<defect>/<canonical key>", plus "#r" for repeat r > 0 (unique, stable).
std::string sample_id(const CampaignSettings& settings, const EnvironmentOccupation& occupation);

}  // namespace ionhop::barriers
