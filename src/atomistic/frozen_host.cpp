// Frozen host beyond a radius from the hop (see the header).
#include "ionhop/atomistic/frozen_host.hpp"

#include <algorithm>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

std::size_t fix_atoms_beyond(Structure& initial, Structure& final_structure,
                             double radius_angstrom) {
  if (!(radius_angstrom > 0)) throw InputError("", "", "the frozen-host radius must be positive");
  if (initial.size() != final_structure.size())
    throw InputError("", "", "the endpoints have different atom counts");
  const auto n = static_cast<Eigen::Index>(initial.size());
  Eigen::Index moving = 0;
  double longest = -1;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double d = initial
                         .minimum_image(final_structure.positions_angstrom.col(k) -
                                        initial.positions_angstrom.col(k))
                         .norm();
    if (d > longest) longest = d, moving = k;
  }
  const Vec3 a = initial.positions_angstrom.col(moving);
  const Vec3 centre =
      a + 0.5 * initial.minimum_image(Vec3(final_structure.positions_angstrom.col(moving)) - a);
  if (initial.fixed.empty()) initial.fixed.assign(initial.size(), false);
  if (final_structure.fixed.empty()) final_structure.fixed.assign(final_structure.size(), false);
  std::size_t count = 0;
  for (Eigen::Index k = 0; k < n; ++k) {
    const auto i = static_cast<std::size_t>(k);
    const bool far =
        initial.minimum_image(Vec3(initial.positions_angstrom.col(k)) - centre).norm() >
        radius_angstrom;
    if (far && k != moving) {
      initial.fixed[i] = final_structure.fixed[i] = true;
      ++count;
    }
  }
  return count;
}

std::size_t fix_elements(Structure& initial, Structure& final_structure,
                         const std::vector<std::string>& elements) {
  if (initial.size() != final_structure.size())
    throw InputError("", "", "the endpoints have different atom counts");
  if (initial.fixed.empty()) initial.fixed.assign(initial.size(), false);
  if (final_structure.fixed.empty()) final_structure.fixed.assign(final_structure.size(), false);
  std::size_t count = 0;
  for (const std::string& element : elements) {
    bool present = false;
    for (std::size_t k = 0; k < initial.size(); ++k) {
      if (initial.elements[k] != element) continue;
      present = true;
      const auto col = static_cast<Eigen::Index>(k);
      const double moved = initial
                               .minimum_image(final_structure.positions_angstrom.col(col) -
                                              initial.positions_angstrom.col(col))
                               .norm();
      if (moved > 1e-6)
        throw InputError("", "",
                         "element '" + element + "' takes part in the hop (atom " +
                             std::to_string(k) + " moves " + std::to_string(moved) +
                             " A between the endpoints) and cannot be fixed");
      if (!initial.fixed[k]) ++count;
      initial.fixed[k] = final_structure.fixed[k] = true;
    }
    if (!present) throw InputError("", "", "no atom of element '" + element + "' in the hop");
  }
  return count;
}

void seed_free_atoms(Structure& initial, const Structure& start) {
  if (start.size() != initial.size())
    throw InputError("", "",
                     "the start has " + std::to_string(start.size()) + " atoms, the hop " +
                         std::to_string(initial.size()));
  for (std::size_t k = 0; k < start.size(); ++k)
    if (start.elements[k] != initial.elements[k])
      throw InputError("", "",
                       "start atom " + std::to_string(k) + " is " + start.elements[k] +
                           ", the hop's is " + initial.elements[k] + " (same order needed)");
  // 1e-3 Å: the frozen host of a start relaxed with the same mask is bit-identical; anything
  // larger is another host.
  constexpr double kHostToleranceAngstrom = 1e-3;
  for (std::size_t k = 0; k < start.size(); ++k) {
    if (!initial.is_fixed(k)) continue;
    const auto col = static_cast<Eigen::Index>(k);
    const double moved =
        initial
            .minimum_image(start.positions_angstrom.col(col) - initial.positions_angstrom.col(col))
            .norm();
    if (moved > kHostToleranceAngstrom)
      throw InputError("", "",
                       "start atom " + std::to_string(k) + " (" + start.elements[k] +
                           ") is in the frozen host but " + std::to_string(moved) +
                           " A from the hop's position (the start must keep the frozen host)");
  }
  for (std::size_t k = 0; k < start.size(); ++k)
    if (!initial.is_fixed(k)) {
      const auto col = static_cast<Eigen::Index>(k);
      initial.positions_angstrom.col(col) = start.positions_angstrom.col(col);
    }
}

std::size_t fix_atoms_farther_than(Structure& structure, std::size_t centre,
                                   double radius_angstrom) {
  if (structure.fixed.empty()) structure.fixed.assign(structure.size(), false);
  std::size_t fixed = 0;
  for (std::size_t k = 0; k < structure.size(); ++k) {
    if (structure.displacement(centre, k).norm() > radius_angstrom) structure.fixed[k] = true;
    fixed += structure.fixed[k] ? 1 : 0;
  }
  return fixed;
}

}  // namespace ionhop::atomistic
