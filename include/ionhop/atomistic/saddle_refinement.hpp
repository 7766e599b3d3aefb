// Leaving a higher-order saddle. A CI-NEB band that lies on a symmetry plane (mirror-symmetric
// endpoints in a frozen host) feels no force off that plane, and a band rattle smaller than
// force_tolerance / |curvature| does not grow before the band converges: the climbing image
// then sits on a ridge point with more than one unstable mode (V_I^0 in CsPbI3: three modes of
// −0.4 to −0.6 THz at a 0.01 eV/Å tolerance). The rate-limiting first-order saddle lies off
// the ridge, lower in energy. Refinement follows the extra unstable modes downhill, as
// eigenvector-following saddle searches do (Cerjan & Miller, JCP 75, 2800 (1981)): the band is
// displaced along them and optimised again, until its saddle has one unstable mode.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/neb.hpp"
#include "ionhop/atomistic/potential.hpp"
#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

struct SaddleRefinementSettings {
  std::size_t max_refinements = 0;  // band restarts off the ridge (0: off)
  // Largest atom displacement of the climbing image along the extra modes (Å). It must push
  // the image beyond where the unstable mode's force (|k| x) falls below the NEB tolerance.
  double displacement_angstrom = 0.1;
};

// Which of the saddle's unstable modes is the reaction coordinate: the one that overlaps most
// with the band's tangent at the saddle (central difference of its neighbouring images,
// minimum image per atom), in the mass-weighted metric where normal modes are orthogonal,
//   |cos θ| = |xᵀ M t| / (‖M^{1/2} x‖ ‖M^{1/2} t‖),  x a mode, t the tangent (free atoms).
// Needs `saddle` from keep_unstable_modes with ≥ 1 unstable mode, `masses_amu` per free
// atom, and a band whose highest image is interior. Throws InputError otherwise.
std::size_t reaction_mode_index(const NebResult& band, const HarmonicAnalysis& saddle,
                                const Eigen::VectorXd& masses_amu);

// The band moved off the ridge: every interior image i is displaced by
//   w_i · a · d / max_atom ‖d‖,   d = Σ_{m ≠ reaction} x_m,
// with w_i falling linearly from 1 at the highest image to 0 at the endpoints (which stay),
// so that the images near the saddle, which lie on the ridge as well, leave it together.
// Fixed atoms do not move. Throws InputError without extra modes.
std::vector<Structure> band_off_ridge(const NebResult& band, const HarmonicAnalysis& saddle,
                                      std::size_t reaction_mode, double displacement_angstrom);

struct SaddleRefinement {
  NebResult neb;            // the last band (the input band when nothing was refined)
  HarmonicAnalysis saddle;  // normal modes of neb.saddle (when neb converged)
  std::size_t refinements = 0;
};

// Normal modes of the converged band's saddle; while it has more than one unstable mode and
// refinements are left, band_off_ridge and run_neb_band (band_settings, endpoints kept) again.
// Stops early when a band does not converge or is stopped (the caller reads neb.converged
// and neb.stopped). `harmonic` is used with keep_unstable_modes on. Each refinement costs one
// band optimisation and one Hessian (6·N_free force calls).
SaddleRefinement refine_saddle(const Potential& potential, NebResult band,
                               const NebSettings& band_settings, HarmonicSettings harmonic,
                               const SaddleRefinementSettings& settings);

}  // namespace ionhop::atomistic
