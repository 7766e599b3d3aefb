// Per-replica observables from one run's tallies: D of the defects from the unwrapped MSD
// averaged over block origins, the same from the first half of the run (convergence),
// and for the vacancy mechanism the host ions' tracer D and correlation factor.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/kmc/run_result.hpp"

namespace ionhop::kmc {

struct ReplicaObservables {
  // D = Σ_blocks Σ_defects |Δr|² / (6 N Σ_blocks t), Å²/s (PHYSICS.md: D = ⟨|Δr|²⟩/6t).
  double diffusion_angstrom2_s = NAN;
  double diffusion_first_half_angstrom2_s = NAN;     // blocks in the first half of the run
  double diffusion_single_origin_angstrom2_s = NAN;  // |r(t_end) − r(0)|² / 6t
  // Σ d² / (6 N t): what D would be if successive hops were uncorrelated.
  double diffusion_uncorrelated_angstrom2_s = NAN;
  double hop_rate_per_defect_hz = NAN;
  // D from each of (up to) 10 consecutive groups of blocks: their scatter gives the
  // block-averaging error within one run (PHYSICS.md, "Diffusion and its uncertainty").
  std::vector<double> diffusion_block_groups_angstrom2_s;
  // Vacancy mechanism: tracer D and correlation factor of every host species present
  // (I and Br separately in an alloy), and, for convenience, the first of them below.
  struct HostTracer {
    std::string occupant;
    std::size_t ions = 0;
    double tracer_diffusion_angstrom2_s = NAN;
    double correlation_factor = NAN;
  };
  std::vector<HostTracer> hosts;
  std::string host_occupant;
  double tracer_diffusion_angstrom2_s = NAN;  // Σ_ions |R|² / (6 N_ions t)
  double correlation_factor = NAN;            // f = Σ_ions |R|² / Σ_jumps d²

  // Drift: mean velocity of the defects, Σ_defects Δr / (N t) (Å/s), and D about the drift,
  // Σ_blocks Σ_defects |Δr − v t_b|² / (6 N Σ t_b), scaled by NB/(NB − 1) because v is
  // estimated from the same N·B displacements (unbiased for a uniform drift).
  Eigen::Vector3d drift_velocity_angstrom_s = Eigen::Vector3d::Constant(NAN);
  double diffusion_drift_corrected_angstrom2_s = NAN;

  // Collective (charge) diffusion of the defects: Σ_blocks |Σ_defects Δr|² / (6 N Σ t_b),
  // and the Haven ratio H_R = D / D_σ (1 for independent defects; < 1 or > 1 when the
  // defects' motions are correlated, e.g. by site exclusion at high concentration).
  double collective_diffusion_angstrom2_s = NAN;
  // Time-averaged fraction of the defects in each plane along a3 (sums to 1); empty unless
  // the run tracked the z profile.
  std::vector<double> z_profile_fraction;
  // D along x, y and z: Σ_blocks Σ_defects Δx² / (2 N Σ t_b), etc. (D = mean of the three;
  // in a (001) heterojunction D_z is perpendicular to the interface, D_x and D_y parallel).
  Eigen::Vector3d diffusion_axes_angstrom2_s = Eigen::Vector3d::Constant(NAN);
  double haven_ratio = NAN;

  // Fraction of the time these defects spent in each species (charge state); empty when
  // charge transitions were off.
  std::vector<double> state_fraction;
  // Per tracked interface: transmission probability (transmissions per finished arrival,
  // both directions pooled and each direction) and crossings per defect per second.
  struct InterfaceCrossing {
    double z_angstrom = 0;
    std::uint64_t arrivals = 0;
    double transmission_probability = NAN;
    double transmission_probability_up = NAN;    // arrivals from below
    double transmission_probability_down = NAN;  // arrivals from above
    double crossing_rate_per_defect_hz = NAN;
  };
  std::vector<InterfaceCrossing> interfaces;
  double transitions_per_defect_hz = NAN;
};

ReplicaObservables replica_observables(const RunResult& run, std::size_t species,
                                       bool vacancy_mechanism);

}  // namespace ionhop::kmc
