// Raw tallies of one KMC run (one replica). Estimators with uncertainties are built from
// many of these by the analysis module; nothing here is averaged over replicas.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "ionhop/kmc/interface_crossings.hpp"

namespace ionhop::kmc {

// Tallies of the defects *placed* as one species. With charge transitions a defect may
// spend time in other charge states (other species); its displacement stays in the tally
// of the species it was placed as, so D here is the effective D of that defect.
struct SpeciesTally {
  std::size_t defects = 0;
  std::uint64_t hops = 0;
  double jump_length2_sum_angstrom2 = 0;                  // Σ d² over the species' hops
  std::vector<double> block_msd_sum_angstrom2;            // Σ_defects |Δr|² within each block
  std::vector<Eigen::Vector3d> block_msd_axes_angstrom2;  // Σ_defects (Δx², Δy², Δz²) per block
  std::vector<Eigen::Vector3d> block_displacement_sum_angstrom;  // Σ_defects Δr per block
  double final_msd_sum_angstrom2 = 0;                            // Σ_defects |r(t_end) − r(0)|²
  Eigen::Vector3d final_displacement_sum_angstrom = Eigen::Vector3d::Zero();
  std::vector<double> occupancy_time_s;  // per basis: Σ_defects time spent there
  std::vector<double> z_profile_time_s;  // per plane along a3: Σ_defects time spent there
  // Per species (charge state) s: Σ over these defects of the time spent as s.
  std::vector<double> state_time_s;
  std::uint64_t transitions = 0;           // charge-state changes of these defects
  std::vector<InterfaceTally> interfaces;  // one per tracked interface
};

// Host ions of one occupant species moved by vacancy hops (tracer diffusion).
struct HostTally {
  std::string occupant;
  std::size_t ions = 0;
  std::uint64_t jumps = 0;
  double displacement2_sum_angstrom2 = 0;  // Σ_ions |R_ion|²
  double jump_length2_sum_angstrom2 = 0;   // Σ over ion jumps d²
};

struct RunResult {
  double time_s = 0;
  std::uint64_t hops = 0;
  bool stopped_by_time = false;
  bool frozen = false;  // no event possible (all rates zero) before the stop condition
  std::vector<double> block_time_s;
  std::vector<double> z_planes_angstrom;  // plane positions along a3 (with track_z_profile)
  std::vector<SpeciesTally> species;      // indexed like the rate table
  std::vector<HostTally> hosts;
};

}  // namespace ionhop::kmc
