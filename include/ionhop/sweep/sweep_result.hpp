// What a sweep produces: per point, estimates over replicas; per (species, supercell,
// defect count), an Arrhenius fit; and the comparison with an MD reference.
#pragma once

#include <string>
#include <vector>

#include "ionhop/analysis/arrhenius.hpp"
#include "ionhop/analysis/estimate.hpp"
#include "ionhop/analysis/md_comparison.hpp"
#include "ionhop/sweep/sweep_config.hpp"

namespace ionhop::sweep {

struct PointResult {
  SweepPoint point;
  std::string mechanism;
  int charge = 0;
  bool immobile = false;  // species has no hops: D = 0 exactly, not simulated
  std::size_t replicas = 0;
  std::uint64_t hops = 0;  // over all replicas
  // All diffusion estimates in cm²/s; errors are standard errors over replicas.
  analysis::Estimate diffusion, diffusion_first_half, diffusion_single_origin;
  analysis::Estimate diffusion_uncorrelated;  // Σd²/(6Nt)
  double diffusion_block_err = NAN;           // SE from block-grouped values pooled over replicas
  analysis::Estimate hop_rate_per_defect_hz;
  analysis::Estimate collective_diffusion;           // D_σ of the defects (cm²/s)
  std::array<analysis::Estimate, 3> diffusion_axes;  // D_x, D_y, D_z (cm²/s)
  analysis::Estimate haven_ratio;                    // per replica D/D_σ, mean ± SE
  std::vector<double> z_planes_angstrom;  // plane positions along a3 (with SweepConfig::z_profile)
  std::vector<analysis::Estimate> z_profile_fraction;  // fraction of the defects per plane
  // Interfaces (explicit, or the layer boundaries of a heterojunction): transmission
  // probability per arrival (pooled and per direction) and crossings per defect per second.
  struct Interface {
    double z_angstrom = 0;
    double arrivals = 0;  // finished arrivals, summed over replicas
    analysis::Estimate transmission_probability, transmission_probability_up,
        transmission_probability_down, crossing_rate_per_defect_hz;
  };
  std::vector<Interface> interfaces;
  analysis::Estimate simulated_time_s;  // physical time reached per replica
  double min_simulated_time_s = NAN;
  // Vacancy mechanism: tracer D of the host ions and correlation factor f.
  std::string host_occupant;
  analysis::Estimate tracer_diffusion, correlation_factor;
  struct Tracer {
    std::string occupant;
    analysis::Estimate ions, tracer_diffusion, correlation_factor;
  };
  std::vector<Tracer> tracers;  // every host species (I and Br separately in an alloy)
  double wall_time_s = 0;       // summed over replicas (provenance only: not reproducible)

  // Under a field (has_field): drift velocity along the field (cm/s), mobility
  // μ = sign(q) v·Ê/|E| (cm²/(V·s)), D about the drift, and the Nernst–Einstein ratio
  // μ k_B T / (|q| D) per replica (1 in linear response; NaN for q = 0).
  analysis::Estimate drift_velocity_cm_s, mobility_cm2_v_s, diffusion_drift_corrected,
      nernst_einstein_ratio;

  // With a Fermi level: time fraction in each charge state of the defect's family, the
  // equilibrium fractions from the transition levels, and the fast-switching limit
  // D_fast = Σ_s p_s D_s with D_s = Σ_k Γ_k d_k²/6 of each state (uncorrelated walk).
  struct ChargeState {
    std::string species;
    int charge = 0;
    analysis::Estimate time_fraction;
    double equilibrium_fraction = NAN;
    double diffusion_uncorrelated_cm2_s = NAN;
  };
  std::vector<ChargeState> charge_states;
  // Without a Fermi level, when the defect can change species anyway (kick-out turns I_i
  // into Br_i): fraction of the time spent as each species, mean ± SE over replicas.
  struct SpeciesTime {
    std::string species;
    analysis::Estimate time_fraction;
  };
  std::vector<SpeciesTime> species_time;
  double diffusion_fast_switching_cm2_s = NAN;
  analysis::Estimate transitions_per_defect_hz;
};

struct ArrheniusResult {
  std::string species;
  std::array<int, 3> supercell{};
  std::size_t defects = 0;
  std::array<double, 3> field_v_per_cm{0.0, 0.0, 0.0};
  double fermi_level_ev = NAN;
  std::string composition_label;
  analysis::ArrheniusFit fit;  // prefactor in cm²/s
  double report_temperature_k = 300;
  analysis::Estimate diffusion_at_report_temperature;
};

struct SweepResult {
  std::vector<PointResult> points;
  std::vector<ArrheniusResult> arrhenius;
  std::vector<analysis::Comparison> comparison;
  std::vector<std::string> notes;  // e.g. species skipped in the fit and why
};

}  // namespace ionhop::sweep
