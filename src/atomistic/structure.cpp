// Periodic-structure geometry: fractional coordinates, minimum image, wrapping.
#include "ionhop/atomistic/structure.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ionhop::atomistic {

Vec3 Structure::fractional(const Vec3& cartesian) const {
  // r = Hᵀ s  ⇒  s = H⁻ᵀ r.
  return cell_angstrom.transpose().partialPivLu().solve(cartesian);
}

Vec3 Structure::minimum_image(const Vec3& displacement) const {
  Vec3 s = fractional(displacement);
  for (int a = 0; a < 3; ++a) s[a] -= std::round(s[a]);
  // Rounding in fractional space is exact for orthogonal cells; for skewed cells the
  // shortest image may sit one cell further, so check the 27 neighbours of the rounded one.
  Vec3 best = cartesian(s);
  double best_norm = best.squaredNorm();
  for (int i = -1; i <= 1; ++i)
    for (int j = -1; j <= 1; ++j)
      for (int k = -1; k <= 1; ++k) {
        if (i == 0 && j == 0 && k == 0) continue;
        const Vec3 candidate = cartesian(s + Vec3(i, j, k));
        const double n = candidate.squaredNorm();
        if (n < best_norm) best_norm = n, best = candidate;
      }
  return best;
}

double Structure::min_perpendicular_width_angstrom() const {
  // Width along a_i's face normal = V / |a_j × a_k|.
  const double volume = volume_angstrom3();
  double width = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 3; ++i) {
    const Vec3 aj = cell_angstrom.row((i + 1) % 3).transpose();
    const Vec3 ak = cell_angstrom.row((i + 2) % 3).transpose();
    width = std::min(width, volume / aj.cross(ak).norm());
  }
  return width;
}

void Structure::wrap_positions() {
  for (Eigen::Index k = 0; k < positions_angstrom.cols(); ++k) {
    Vec3 s = fractional(positions_angstrom.col(k));
    for (int a = 0; a < 3; ++a) s[a] -= std::floor(s[a]);
    positions_angstrom.col(k) = cartesian(s);
  }
}

void Structure::append(const std::string& element, const Vec3& position_angstrom) {
  elements.push_back(element);
  positions_angstrom.conservativeResize(3, positions_angstrom.cols() + 1);
  positions_angstrom.col(positions_angstrom.cols() - 1) = position_angstrom;
  if (!fixed.empty()) fixed.push_back(false);
}

void Structure::remove(std::size_t atom) {
  assert(atom < size());
  const auto n = static_cast<Eigen::Index>(size());
  const auto k = static_cast<Eigen::Index>(atom);
  Eigen::Matrix3Xd kept(3, n - 1);
  kept.leftCols(k) = positions_angstrom.leftCols(k);
  kept.rightCols(n - 1 - k) = positions_angstrom.rightCols(n - 1 - k);
  positions_angstrom = std::move(kept);
  elements.erase(elements.begin() + k);
  if (!fixed.empty()) fixed.erase(fixed.begin() + k);
}

double Structure::largest_displacement_angstrom(const Structure& other) const {
  if (other.size() != size())
    throw std::invalid_argument("largest_displacement_angstrom: structures of " +
                                std::to_string(size()) + " and " + std::to_string(other.size()) +
                                " atoms");
  double largest = 0;
  for (std::size_t k = 0; k < size(); ++k) {
    const auto c = static_cast<Eigen::Index>(k);
    largest = std::max(
        largest, minimum_image(other.positions_angstrom.col(c) - positions_angstrom.col(c)).norm());
  }
  return largest;
}

}  // namespace ionhop::atomistic
