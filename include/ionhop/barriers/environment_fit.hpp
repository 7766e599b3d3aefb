// Fit of the KMC's local-environment model (site energies e_s, KRA increments k_s, E_KRA
// per moving ion) to sampled CI-NEB barriers, and its conversion into a rate-table species.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ionhop/barriers/barrier_sample.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::barriers {

// The model (rates::DefectSpecies, engine.cpp rerate_environment), for a hop i → j' of a
// vacancy into which an ion of species m jumps:
//   E_i = Σ_s e_s n_s(i)                                         (site energy)
//   ΔE  = E_j' − E_i = Σ_s e_s (n_s(j') − n_s(i))                 (fit 1)
//   E_b = E_KRA(m) + Σ_s k_s (n_s(i) + n_s(j'))/2 + ΔE/2, i.e.
//   E_b − ΔE/2 = E_KRA(m) + Σ_s k_s (n_s(i) + n_s(j'))/2          (fit 2)
// With N = Σ_s n_s equal on every site (all neighbours are halides), adding c to every e_s
// changes no ΔE and adding c to every k_s shifts every E_KRA(m) by −N c: only differences
// from a reference species are identifiable, so the fit fixes e_ref = k_ref = 0 (the gauge).
struct FitOptions {
  std::string defect;             // fit the samples of this defect; "" = all (must agree)
  std::string reference_species;  // gauge species (e = k = 0); "" = first alphabetically
  std::vector<double> weights;    // one per input sample, > 0; empty = all 1
  double ridge = 0;  // λ ≥ 0: adds λ Σ β² over the e_s and k_s (not the E_KRA constants)
  std::size_t largest_residuals = 5;  // how many of the largest residuals to report
};

struct CoefficientEstimate {
  double value_ev = 0;
  double standard_error_ev = 0;  // 0 for the gauge-fixed reference
};

struct SampleResidual {
  std::string sample;          // the sample's id, or "#k" (k: index in the input vector)
  double residual_ev = 0;      // observed − fitted
  double loo_residual_ev = 0;  // leave-one-out residual e/(1 − h); ±inf when h = 1
  double leverage = 0;         // h_ii, diagonal of the hat matrix
};

// One weighted least-squares fit y ≈ Xβ.
struct LinearFitResult {
  std::vector<std::string> coefficient_names;  // order of values_ev and covariance_ev2
  Eigen::VectorXd values_ev;
  Eigen::MatrixXd covariance_ev2;  // σ̂² A⁻¹ XᵀWX A⁻¹, A = XᵀWX + λP (= σ̂² (XᵀWX)⁻¹, λ = 0)
  std::size_t samples = 0;
  double effective_parameters = 0;  // tr H (= number of coefficients when λ = 0)
  double residual_sd_ev = 0;        // σ̂ = √(Σ w e² / (n − tr H))
  double rmse_ev = 0;               // √(Σ w e² / Σ w)
  double cv_rmse_ev = 0;  // leave-one-out, √(Σ w (e/(1−h))² / Σ w); inf if some h = 1
  std::vector<SampleResidual> largest_residuals;  // by |residual|, largest first
};

struct EnvironmentFit {
  std::string defect;
  std::string reference_species;          // gauge: e_ref = k_ref = 0
  std::vector<std::string> host_species;  // every species counted, sorted
  int neighbour_count = 0;                // N = Σ_s n_s, the same for every site
  std::map<std::string, CoefficientEstimate> site_energy_ev;        // e_s (all host species)
  std::map<std::string, CoefficientEstimate> kra_per_neighbour_ev;  // k_s (all host species)
  // q_s of the saddle term Σ_s q_s n_s(saddle) (gauge q_ref = 0: the number of common
  // neighbours is the same for every hop); empty when the samples carry no saddle counts.
  std::map<std::string, CoefficientEstimate> saddle_kra_ev;
  std::map<std::string, CoefficientEstimate> kra_ev;  // E_KRA(m) per moving ion
  LinearFitResult site_energy_fit;                    // fit 1: ΔE
  LinearFitResult kra_fit;                            // fit 2: E_b − ΔE/2
  std::map<std::string, std::size_t> samples_per_moving_species;
  std::size_t samples_used = 0;
  std::size_t samples_not_converged = 0;  // excluded
  std::size_t samples_other_defect = 0;   // excluded (options.defect set)
  double ridge = 0;
};

// Throws InputError("", "", ...) when the samples cannot determine the model (naming the
// coefficients that are not identifiable), when neighbour totals differ between sites
// (the gauge would then bias the model), or for invalid samples or options.
EnvironmentFit fit_environment_model(const std::vector<BarrierSample>& samples,
                                     const FitOptions& options = {});

// The fitted model's ΔE and forward E_b for a sample's environments (the engine's formula).
double predicted_reaction_energy_ev(const EnvironmentFit& fit, const BarrierSample& sample);
double predicted_barrier_ev(const EnvironmentFit& fit, const BarrierSample& sample);

// What the fit cannot know about the rate-table species it becomes.
struct SpeciesSpec {
  std::string name;  // "" = the fit's defect name
  int charge = 0;
  std::string sublattice = "X";
  std::string hop_shell = "X-X";
  std::string environment_shell = "X-X";
  // Interstitial: the table's species tracks `element` (the extra atom) and its hops are
  // direct; the fitted environment (a pure host's, all zero) is not written, since the KMC's
  // environment model is for vacancies.
  rates::Mechanism mechanism = rates::Mechanism::vacancy;
  std::string element;
  double attempt_frequency_hz = 0;  // ν for every moving species not in the map below
  std::map<std::string, double> attempt_frequency_by_moving_hz;
  // The campaign's provenance (potential name and hash, cell size, NEB settings, ...): an
  // object whose keys are kept, or any other value (kept under "source").
  nlohmann::json provenance = nlohmann::json::object();
};

// Provenance object: the caller's, plus "environment_fit" (model, gauge, sample counts,
// coefficients with standard errors, RMSE, LOO-CV RMSE, largest residuals).
nlohmann::json fit_provenance_json(const EnvironmentFit& fit, const nlohmann::json& caller);

// A vacancy (or interstitial, spec.mechanism) species with one hop per moving species (barrier_ev =
// fitted E_KRA(m)) and the fitted environment maps, ready for rates::RateTable /
// io::rate_table_to_json. Throws InputError for a missing attempt frequency or a negative E_KRA
// (choose another gauge).
rates::DefectSpecies to_defect_species(const EnvironmentFit& fit, const SpeciesSpec& spec);

}  // namespace ionhop::barriers
