#include "ionhop/kmc/replica_observables.hpp"

#include <algorithm>

namespace ionhop::kmc {

ReplicaObservables replica_observables(const RunResult& run, std::size_t species,
                                       bool vacancy_mechanism) {
  ReplicaObservables o;
  const SpeciesTally& t = run.species.at(species);
  if (t.defects == 0 || !(run.time_s > 0)) return o;
  const double n = static_cast<double>(t.defects);

  double msd = 0, time = 0, msd_half = 0, time_half = 0;
  const std::size_t blocks = run.block_time_s.size();
  for (std::size_t b = 0; b < blocks; ++b) {
    msd += t.block_msd_sum_angstrom2[b];
    time += run.block_time_s[b];
    if (2 * b < blocks - (blocks % 2)) {  // first ⌊B/2⌋ blocks
      msd_half += t.block_msd_sum_angstrom2[b];
      time_half += run.block_time_s[b];
    }
  }
  if (time > 0) o.diffusion_angstrom2_s = msd / (6.0 * n * time);
  if (time_half > 0) o.diffusion_first_half_angstrom2_s = msd_half / (6.0 * n * time_half);
  const std::size_t groups = std::min<std::size_t>(10, blocks);
  for (std::size_t g = 0; g < groups; ++g) {
    double m = 0, t_g = 0;
    for (std::size_t b = g * blocks / groups; b < (g + 1) * blocks / groups; ++b) {
      m += t.block_msd_sum_angstrom2[b];
      t_g += run.block_time_s[b];
    }
    if (t_g > 0) o.diffusion_block_groups_angstrom2_s.push_back(m / (6.0 * n * t_g));
  }
  o.drift_velocity_angstrom_s = t.final_displacement_sum_angstrom / (n * run.time_s);
  for (double x : t.z_profile_time_s) o.z_profile_fraction.push_back(x / (n * run.time_s));
  if (time > 0) {
    Eigen::Vector3d axes = Eigen::Vector3d::Zero();
    for (std::size_t b = 0; b < blocks; ++b) axes += t.block_msd_axes_angstrom2[b];
    o.diffusion_axes_angstrom2_s = axes / (2.0 * n * time);
  }
  {
    double collective = 0;
    for (std::size_t b = 0; b < blocks; ++b)
      collective += t.block_displacement_sum_angstrom[b].squaredNorm();
    if (time > 0) o.collective_diffusion_angstrom2_s = collective / (6.0 * n * time);
    if (o.collective_diffusion_angstrom2_s > 0)
      o.haven_ratio = o.diffusion_angstrom2_s / o.collective_diffusion_angstrom2_s;
  }
  {
    const Eigen::Vector3d v = o.drift_velocity_angstrom_s;
    double sum = 0, time_sum = 0;
    std::size_t used = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      const double tb = run.block_time_s[b];
      if (!(tb > 0)) continue;
      sum += t.block_msd_sum_angstrom2[b] - 2.0 * tb * v.dot(t.block_displacement_sum_angstrom[b]) +
             n * tb * tb * v.squaredNorm();
      time_sum += tb;
      ++used;
    }
    const double samples = n * static_cast<double>(used);
    if (time_sum > 0 && samples > 1)
      o.diffusion_drift_corrected_angstrom2_s =
          sum / (6.0 * n * time_sum) * samples / (samples - 1.0);
  }
  for (const InterfaceTally& it : t.interfaces) {
    ReplicaObservables::InterfaceCrossing c;
    c.z_angstrom = it.z_angstrom;
    c.arrivals = it.arrivals_from_below + it.arrivals_from_above;
    const auto through = static_cast<double>(it.transmitted_up + it.transmitted_down);
    if (c.arrivals > 0) c.transmission_probability = through / static_cast<double>(c.arrivals);
    if (it.arrivals_from_below > 0)
      c.transmission_probability_up =
          static_cast<double>(it.transmitted_up) / static_cast<double>(it.arrivals_from_below);
    if (it.arrivals_from_above > 0)
      c.transmission_probability_down =
          static_cast<double>(it.transmitted_down) / static_cast<double>(it.arrivals_from_above);
    c.crossing_rate_per_defect_hz = through / (n * run.time_s);
    o.interfaces.push_back(c);
  }
  if (!t.state_time_s.empty()) {
    for (double x : t.state_time_s) o.state_fraction.push_back(x / (n * run.time_s));
    o.transitions_per_defect_hz = static_cast<double>(t.transitions) / (n * run.time_s);
  }
  o.diffusion_single_origin_angstrom2_s = t.final_msd_sum_angstrom2 / (6.0 * n * run.time_s);
  o.diffusion_uncorrelated_angstrom2_s = t.jump_length2_sum_angstrom2 / (6.0 * n * run.time_s);
  o.hop_rate_per_defect_hz = static_cast<double>(t.hops) / (n * run.time_s);

  if (vacancy_mechanism) {
    for (const HostTally& h : run.hosts) {
      ReplicaObservables::HostTracer ht;
      ht.occupant = h.occupant;
      ht.ions = h.ions;
      if (h.ions > 0)
        ht.tracer_diffusion_angstrom2_s =
            h.displacement2_sum_angstrom2 / (6.0 * h.ions * run.time_s);
      if (h.jump_length2_sum_angstrom2 > 0)
        ht.correlation_factor = h.displacement2_sum_angstrom2 / h.jump_length2_sum_angstrom2;
      o.hosts.push_back(ht);
    }
    if (!o.hosts.empty()) {
      o.host_occupant = o.hosts.front().occupant;
      o.tracer_diffusion_angstrom2_s = o.hosts.front().tracer_diffusion_angstrom2_s;
      o.correlation_factor = o.hosts.front().correlation_factor;
    }
  }
  return o;
}

}  // namespace ionhop::kmc
