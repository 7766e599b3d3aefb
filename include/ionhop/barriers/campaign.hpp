// An environment-sampling campaign (issue 4 §5): for one vacancy or split-interstitial hop,
// choose symmetry-distinct occupations of the surrounding sites, build each cell, run CI-NEB with
// any Potential and record E_KRA data (forward barrier, reaction energy, environment counts) as
// BarrierSamples for the environment-model fit. Files and resuming are the caller's (io + cli):
// this module only plans and computes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/minimum_check.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/saddle_refinement.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/barriers/barrier_sample.hpp"
#include "ionhop/barriers/hop_environment.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::barriers {

enum class SamplingMode { exhaustive, stratified };

struct CampaignSettings {
  std::string defect_name;  // e.g. "V_X^+"
  // A vacancy (the host ion on `to` jumps into it) or a split interstitial: the pair
  // `interstitial` (element, delta, axis) on `from` whose extra atom hops to the split position
  // on `to` (atomistic::SupercellBuilder::interstitial_hop). Interstitial campaigns vary no
  // environment (one host species; the moving species is the interstitial's element): the
  // KMC's environment model is for vacancies.
  rates::Mechanism mechanism = rates::Mechanism::vacancy;
  atomistic::SplitInterstitialSpec interstitial;
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
  // > 0: atoms farther than this from the hop are fixed at their ideal positions (frozen
  // host, atomistic/frozen_host.hpp); 0: all atoms free.
  double fix_beyond_angstrom = 0;
  // Elements whose atoms are all fixed at their ideal positions (e.g. {"Pb", "Cs"}: only the
  // halides relax; atomistic::fix_elements). Each must be the default occupant of a sublattice
  // other than the hop's (plan_campaign checks): the varied and moving species never are.
  std::vector<std::string> fix_elements;
  // Optional (pure-host campaigns: one varied species): the free atoms of every sample's
  // initial endpoint start from this structure (atomistic::seed_free_atoms; e.g. the minimum
  // `ionhop relax` found with the campaign's mask, which rattled starts of the built hop
  // miss), then get the sample's rattle. initial_start_path names its file in errors.
  std::optional<atomistic::Structure> initial_start;
  std::string initial_start_path;
  // Optional (pure hosts, "mirror" endpoints): a state near the hop's mirror plane through
  // which the hop passes, e.g. the I_i^- face state midway between two split-interstitial
  // sites. Its free atoms (from the file, made exactly mirror-symmetric, plus the sample's
  // symmetrised rattle) are relaxed like an endpoint into the intermediate M, which may break
  // the symmetry (confirm_minima steps a symmetric saddle off its unstable mode), and the band
  // runs from the relaxed initial endpoint A to M. The hop is A -> M -> M' -> B with M', B the
  // mirror images of M, A: M' -> B is the band reversed and mirrored, and M -> M' crosses the
  // plane (a CI-NEB band of its own when M is not on the plane). So
  //   E_b = max over the half band − E_A,   ΔE = E_B − E_A = 0,
  // provided M and the crossing M -> M' are both below the half band's saddle (by
  // refine_tolerance_ev), else the sample fails: the hop's highest point is then on the plane,
  // which the plain mirror band measures. From the intermediate basin the ion goes on to B or
  // back to A with equal probability, so the hop A -> B has half the rate of A -> M: the
  // sample's attempt_frequency_hz is ν*/2, ν* the Vineyard prefactor of the half band.
  // (barriers/midpoint_hop.hpp)
  std::optional<atomistic::Structure> midpoint_start;
  std::string midpoint_start_path;
  // How the endpoints are made (atomistic/hop_mirror.hpp): kIndependent (both relaxed from
  // the rattle), kMirror (final = mirror image of the relaxed initial; the rattle is
  // symmetrised) or kSharedHost (final = relaxed initial with the hopping ion reflected,
  // relaxed: one host tilt pattern; one-atom hops only, so not for interstitials). The last
  // two apply to occupations the hop's mirror maps onto themselves; other occupations keep
  // independent endpoints. A split-interstitial hop has a mirror too (it swaps the two hosts).
  atomistic::EndpointMode endpoints = atomistic::EndpointMode::kIndependent;
  // Endpoint refinement (atomistic::endpoints_to_refine): a converged band with an image
  // more than refine_tolerance_ev below an endpoint on its side of the saddle has that
  // endpoint relaxed again from the image and the band recomputed; at most this many times
  // (0, the default: off, as the campaigns computed before it existed).
  std::size_t max_endpoint_refinements = 0;
  double refine_tolerance_ev = 0.01;
  // Relaxed endpoints must be minima (atomistic/minimum_check.hpp: escape along negative
  // curvature, at most minimum.max_escapes times, else the sample fails). Off by default
  // (the committed campaigns were computed without it).
  bool confirm_minima = false;
  atomistic::MinimumSettings minimum;
  // Total charge of the defect cell (Structure::charge_e of both endpoints): the defect's
  // charge, one defect per cell. A charged-defect MLFF refuses cells of another charge.
  int cell_charge_e = 0;
  // Harmonic-TST attempt frequency per sample (atomistic/harmonic_tst): after a converged
  // band, ν* from finite-difference Hessians of the relaxed initial endpoint and the saddle
  // (12 N_free extra force calls per sample; `harmonic.displacement_angstrom` is the step).
  bool vineyard = false;
  atomistic::HarmonicSettings harmonic;
  // With vineyard: a converged band whose saddle has more than one unstable mode is pushed off
  // the ridge along the extra modes and optimised again, up to max_refinements times
  // (atomistic/saddle_refinement), so that ν* and the barrier belong to a first-order saddle.
  // A refined band that does not converge, or that band_guard stops, is the sample's result:
  // it fails, and its band is the path (for select-uncertain), rather than keeping the
  // ridge's barrier, which is not the hop's.
  atomistic::SaddleRefinementSettings saddle_refinement;
  // Optional check of every band, on the starting band and then every band_guard_every_steps
  // FIRE updates: returns "" while the band is acceptable, else why it is not. The band then
  // stops there, and the sample fails with that reason; its images are the band as it was
  // when checked. Endpoint relaxations are checked the same way, each structure as a band of
  // one: a stopped endpoint fails the sample ("NEB endpoint initial stopped at relaxation
  // step N: reason") and is the sample's one-image path. The CLI uses it to stop bands that
  // leave an MLFF's training domain: the images where the model first became uncertain are
  // what batch learning should send to DFT, not the structures (atoms on top of each other,
  // energies hundreds of eV low) an optimiser reaches thousands of steps later in the model's
  // unphysical extrapolation.
  using BandGuard = std::function<std::string(const std::vector<atomistic::Structure>& band)>;
  BandGuard band_guard;
  std::size_t band_guard_every_steps = 10;
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
  atomistic::NebResult neb;              // empty images when the NEB could not start
  std::string failure;                   // why the sample is not converged ("" when converged)
  std::size_t endpoint_refinements = 0;  // endpoints relaxed again from band images
  std::size_t minimum_escapes = 0;       // steps off negative curvature (confirm_minima)
  std::size_t saddle_refinements = 0;    // bands restarted off a higher-order saddle
  // settings.vineyard and a converged band whose minimum and saddle passed the mode checks
  // (sample.attempt_frequency_hz is its prefactor in Hz).
  std::optional<atomistic::VineyardResult> vineyard;
};

// Per-site occupants of the initial state of one occupation ("" on the vacant site).
std::vector<std::string> initial_site_occupants(const lattice::SiteGraph& graph,
                                                const CampaignSettings& settings,
                                                const HopEnvironment& environment,
                                                const EnvironmentOccupation& occupation);

// Builds the two endpoints of the occupation, runs CI-NEB and returns the sample. A NEB
// that does not converge, or endpoints that do not relax, give a sample with
// converged = false and the reason; it is kept on file but never fitted. With
// settings.vineyard, a converged sample also gets the Vineyard prefactor of
// vineyard_prefactor(potential, neb.images.front(), neb.saddle, settings.harmonic); when that
// throws (not a first-order saddle, a zero mode, a missing mass) the sample stays converged
// with no prefactor and the reason in vineyard_warning.
SampleOutcome run_sample(const lattice::SiteGraph& graph, const atomistic::Potential& potential,
                         const CampaignSettings& settings, const HopEnvironment& environment,
                         const EnvironmentOccupation& occupation);

// Sample id: "<defect>/<canonical key>", plus "#r" for repeat r > 0 (unique, stable).
std::string sample_id(const CampaignSettings& settings, const EnvironmentOccupation& occupation);

// The samples' Vineyard prefactors of one moving species, aggregated in log space: ν* spans
// orders of magnitude between environments and enters the rate as a factor, so the
// representative value is the geometric mean
//   ν̄ = exp(x̄),  x̄ = (1/n) Σ_k ln ν*_k,
// with the standard error of x̄, s/√n, s² = Σ_k (ln ν*_k − x̄)² / (n − 1) (a relative error:
// ν̄ is uncertain by a factor exp(±SE)).
struct VineyardStatistics {
  std::size_t samples = 0;  // converged samples with a prefactor (n)
  double geometric_mean_hz = 0;
  double log_standard_error = 0;  // SE of x̄ (natural log); NaN for n = 1
  double min_hz = 0, max_hz = 0;
  std::size_t converged_without = 0;  // converged samples without a prefactor (not used)
};

// Per moving species: the converged samples of `defect` ("" = every defect) that carry an
// attempt_frequency_hz. A species with converged samples but no prefactor is listed with
// samples = 0; non-converged samples are ignored.
std::map<std::string, VineyardStatistics> vineyard_statistics(
    const std::vector<BarrierSample>& samples, const std::string& defect = "");

}  // namespace ionhop::barriers
