// Hops through an intermediate near the mirror plane: seeding and the plane crossing (header).
#include "ionhop/barriers/midpoint_hop.hpp"

#include <algorithm>

#include "ionhop/atomistic/frozen_host.hpp"
#include "ionhop/core/error.hpp"

namespace ionhop::barriers {

atomistic::Structure seeded_midpoint(const atomistic::Structure& seed,
                                     const atomistic::HopMirror& mirror,
                                     const atomistic::Structure& built_initial,
                                     const atomistic::Structure* rattled_initial) {
  atomistic::Structure m = built_initial;
  atomistic::seed_free_atoms(m, seed);
  const double asymmetry = mirror.asymmetry_angstrom(m);
  if (asymmetry > kMidpointSeedToleranceAngstrom)
    throw InputError("", "",
                     "not its own mirror image (an atom is " + std::to_string(asymmetry) +
                         " A from its mirror partner, tolerance " +
                         std::to_string(kMidpointSeedToleranceAngstrom) +
                         " A): the state must lie near the hop's mirror plane");
  m = mirror.symmetrize(m);
  if (rattled_initial)
    for (std::size_t k = 0; k < m.size(); ++k) {
      if (m.is_fixed(k)) continue;
      const auto i = static_cast<Eigen::Index>(k);
      m.positions_angstrom.col(i) += built_initial.minimum_image(
          rattled_initial->positions_angstrom.col(i) - built_initial.positions_angstrom.col(i));
    }
  return m;
}

double midpoint_plane_crossing_ev(const atomistic::Potential& potential,
                                  const atomistic::HopMirror& mirror,
                                  const atomistic::NebResult& half_band,
                                  const atomistic::NebSettings& band, double tolerance_ev,
                                  const std::string& guard_reason) {
  const double e_a = half_band.energies_ev.front();
  const double saddle_ev = half_band.forward_barrier_ev;
  const std::string remedy =
      ": the hop's highest point is on its mirror plane (run it without midpoint_start)";
  const atomistic::Structure& m = half_band.images.back();
  const double midpoint_ev = half_band.energies_ev.back() - e_a;
  if (midpoint_ev > saddle_ev - tolerance_ev)
    throw InputError("", "",
                     "the midpoint state (" + std::to_string(midpoint_ev) +
                         " eV) is the half band's maximum" + remedy);
  if (mirror.asymmetry_angstrom(m) < kSelfMirrorAngstrom) return midpoint_ev;  // M' = M

  const atomistic::NebResult flip = atomistic::run_neb(potential, m, mirror.apply(m), band);
  if (flip.stopped)
    throw InputError(
        "", "", "the band from the midpoint state to its mirror image stopped: " + guard_reason);
  if (!flip.converged)
    throw InputError("", "",
                     "the band from the midpoint state to its mirror image did not converge: max "
                     "force " +
                         std::to_string(flip.max_force_ev_per_angstrom) + " eV/Å after " +
                         std::to_string(flip.steps) + " steps");
  const double crossing_ev =
      *std::max_element(flip.energies_ev.begin(), flip.energies_ev.end()) - e_a;
  if (crossing_ev > saddle_ev - tolerance_ev)
    throw InputError("", "",
                     "the crossing of the mirror plane between the midpoint state and its image (" +
                         std::to_string(crossing_ev) +
                         " eV) is not below the half band's saddle (" + std::to_string(saddle_ev) +
                         " eV)" + remedy);
  return crossing_ev;
}

}  // namespace ionhop::barriers
