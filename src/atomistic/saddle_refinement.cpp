// Saddle refinement: the reaction mode by tangent overlap, the band pushed along the other
// unstable modes, and the restart loop.
#include "ionhop/atomistic/saddle_refinement.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {

std::size_t interior_highest_image(const NebResult& band) {
  if (band.images.size() < 3 || band.highest_image == 0 ||
      band.highest_image + 1 >= band.images.size())
    throw InputError("", "", "saddle refinement needs a band whose highest image is interior");
  return band.highest_image;
}

}  // namespace

std::size_t reaction_mode_index(const NebResult& band, const HarmonicAnalysis& saddle,
                                const Eigen::VectorXd& masses_amu) {
  if (saddle.unstable_modes_angstrom.empty())
    throw InputError("", "", "saddle refinement needs the saddle's unstable modes");
  const std::size_t top = interior_highest_image(band);
  const Structure& before = band.images[top - 1];
  const Structure& after = band.images[top + 1];
  const auto atoms = band.images[top].free_atom_indices();
  const Eigen::Index n = static_cast<Eigen::Index>(3 * atoms.size());
  if (masses_amu.size() * 3 != n || saddle.unstable_modes_angstrom.front().size() != n)
    throw InputError("", "", "saddle modes and masses do not match the band's free atoms");
  Eigen::VectorXd tangent(n);
  for (std::size_t k = 0; k < atoms.size(); ++k)
    tangent.segment<3>(static_cast<Eigen::Index>(3 * k)) =
        after.minimum_image(after.positions_angstrom.col(static_cast<Eigen::Index>(atoms[k])) -
                            before.positions_angstrom.col(static_cast<Eigen::Index>(atoms[k])));
  Eigen::VectorXd m(n);  // mass per coordinate
  for (Eigen::Index c = 0; c < n; ++c) m[c] = masses_amu[c / 3];
  const double tangent_norm = std::sqrt(tangent.cwiseProduct(m).dot(tangent));
  std::size_t best = 0;
  double best_overlap = -1;
  for (std::size_t i = 0; i < saddle.unstable_modes_angstrom.size(); ++i) {
    const Eigen::VectorXd& x = saddle.unstable_modes_angstrom[i];
    const double overlap = std::abs(x.cwiseProduct(m).dot(tangent)) /
                           (std::sqrt(x.cwiseProduct(m).dot(x)) * tangent_norm);
    if (overlap > best_overlap) {
      best_overlap = overlap;
      best = i;
    }
  }
  return best;
}

std::vector<Structure> band_off_ridge(const NebResult& band, const HarmonicAnalysis& saddle,
                                      std::size_t reaction_mode, double displacement_angstrom) {
  const std::size_t top = interior_highest_image(band);
  if (saddle.unstable_modes_angstrom.size() < 2)
    throw InputError("", "", "the saddle has no unstable mode besides the reaction coordinate");
  if (!(displacement_angstrom > 0))
    throw InputError("", "", "saddle refinement displacement must be > 0 Å");
  const Eigen::Index n = saddle.unstable_modes_angstrom.front().size();
  Eigen::VectorXd direction = Eigen::VectorXd::Zero(n);
  for (std::size_t i = 0; i < saddle.unstable_modes_angstrom.size(); ++i)
    if (i != reaction_mode) direction += saddle.unstable_modes_angstrom[i];
  double largest = 0;
  for (Eigen::Index k = 0; k < n / 3; ++k)
    largest = std::max(largest, direction.segment<3>(3 * k).norm());
  if (!(largest > 0)) throw InputError("", "", "the extra unstable modes cancel out");
  direction *= displacement_angstrom / largest;

  std::vector<Structure> out = band.images;
  const auto atoms = band.images[top].free_atom_indices();
  if (static_cast<Eigen::Index>(3 * atoms.size()) != n)
    throw InputError("", "", "saddle modes do not match the band's free atoms");
  const double last = static_cast<double>(out.size() - 1);
  for (std::size_t i = 1; i + 1 < out.size(); ++i) {
    // Linear weight: 1 at the highest image, 0 at either endpoint.
    const double w = i <= top ? static_cast<double>(i) / static_cast<double>(top)
                              : (last - static_cast<double>(i)) / (last - static_cast<double>(top));
    for (std::size_t k = 0; k < atoms.size(); ++k)
      out[i].positions_angstrom.col(static_cast<Eigen::Index>(atoms[k])) +=
          w * direction.segment<3>(static_cast<Eigen::Index>(3 * k));
  }
  return out;
}

SaddleRefinement refine_saddle(const Potential& potential, NebResult band,
                               const NebSettings& band_settings, HarmonicSettings harmonic,
                               const SaddleRefinementSettings& settings) {
  harmonic.keep_unstable_modes = true;
  SaddleRefinement out;
  out.neb = std::move(band);
  if (!out.neb.converged || out.neb.stopped) return out;
  out.saddle = analyse_normal_modes(potential, out.neb.saddle, harmonic);
  while (out.saddle.imaginary_modes > 1 && out.refinements < settings.max_refinements) {
    const Eigen::VectorXd masses = free_atom_masses_amu(out.neb.saddle, harmonic);
    const std::size_t reaction = reaction_mode_index(out.neb, out.saddle, masses);
    const std::vector<Structure> moved =
        band_off_ridge(out.neb, out.saddle, reaction, settings.displacement_angstrom);
    out.neb = run_neb_band(potential, moved, band_settings);
    ++out.refinements;
    if (!out.neb.converged || out.neb.stopped) return out;
    out.saddle = analyse_normal_modes(potential, out.neb.saddle, harmonic);
  }
  return out;
}

}  // namespace ionhop::atomistic
