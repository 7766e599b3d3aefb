// Hops through an intermediate near the hop's mirror plane (CampaignSettings::midpoint_start):
// the I_i^- hop from one double bridge to the next passes a face state between the two sites,
// with a saddle on either side. The band runs from the initial endpoint A to the relaxed
// intermediate M; the hop A -> M -> M' -> B is that band, the crossing of the plane between M
// and its mirror image M', and the band mirrored (docs/mlff.md). This module seeds M and
// checks that the crossing lies below the half band's saddle.
#pragma once

#include <string>

#include "ionhop/atomistic/hop_mirror.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/potential.hpp"

namespace ionhop::barriers {

// A seed further than this from its mirror image (largest atom distance) is a state of
// another hop or site, not a near-symmetric intermediate of this one (the I_i^- face state is
// symmetric to 0.66 Å: two axial iodides tilt off the plane).
inline constexpr double kMidpointSeedToleranceAngstrom = 1.0;
// A relaxed intermediate closer than this to its mirror image lies on the plane (M' = M).
inline constexpr double kSelfMirrorAngstrom = 0.01;

// The unrelaxed intermediate: `built_initial` (the built initial endpoint, frozen host marked)
// with its free atoms from `seed`, made exactly self-mirror (HopMirror::symmetrize), plus, when
// given, the displacement of `rattled_initial` from `built_initial` on its free atoms (a
// mirror-symmetric field, e.g. the sample's symmetrised rattle, keeps it symmetric). Throws
// InputError (no file or pointer: the caller adds them) when the seed has other atoms or another
// frozen host (atomistic::seed_free_atoms), or lies more than kMidpointSeedToleranceAngstrom from
// its mirror image.
atomistic::Structure seeded_midpoint(const atomistic::Structure& seed,
                                     const atomistic::HopMirror& mirror,
                                     const atomistic::Structure& built_initial,
                                     const atomistic::Structure* rattled_initial = nullptr);

// For a converged half band A -> M (M its last image): the energy above A of the hop's
// crossing of the mirror plane between M and M' — M's own energy when M lies on the plane,
// else the highest point of a CI-NEB band M -> M' run with `band` (endpoints held). Throws
// InputError with the reason when M or the crossing is not below the half band's saddle by
// tolerance_ev (the hop's highest point is then on the plane), or when the band M -> M' does
// not converge or is stopped (`guard_reason`: what its monitor said, read after the run).
double midpoint_plane_crossing_ev(const atomistic::Potential& potential,
                                  const atomistic::HopMirror& mirror,
                                  const atomistic::NebResult& half_band,
                                  const atomistic::NebSettings& band, double tolerance_ev,
                                  const std::string& guard_reason);

}  // namespace ionhop::barriers
