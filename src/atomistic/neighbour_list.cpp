// Cell-list neighbour search for triclinic periodic cells (see neighbour_list.hpp).
#include "ionhop/atomistic/neighbour_list.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {

std::string angstrom_text(double x) {
  std::ostringstream out;
  out.precision(6);
  out << x;
  return out.str();
}

int floor_div(int a, int n) { return a >= 0 ? a / n : -((-a + n - 1) / n); }

bool shift_less(const Eigen::Vector3i& a, const Eigen::Vector3i& b) {
  return std::lexicographical_compare(a.data(), a.data() + 3, b.data(), b.data() + 3);
}

}  // namespace

NeighbourList build_neighbour_list(const Structure& structure, double cutoff_angstrom,
                                   NeighbourListKind kind) {
  if (!(cutoff_angstrom > 0) || !std::isfinite(cutoff_angstrom))
    throw InputError("", "", "cutoff " + angstrom_text(cutoff_angstrom) + " Å must be positive");
  const double width = structure.min_perpendicular_width_angstrom();
  if (cutoff_angstrom > 0.5 * width)
    throw InputError("", "",
                     "cutoff " + angstrom_text(cutoff_angstrom) +
                         " Å is larger than half the cell's smallest perpendicular width " +
                         angstrom_text(width) + " Å");

  const std::size_t n = structure.size();
  for (std::size_t i = 0; i < n; ++i)
    if (!structure.positions_angstrom.col(static_cast<Eigen::Index>(i)).allFinite())
      throw InputError("", "", "atom " + std::to_string(i) + " has a non-finite position");
  const Eigen::Matrix3d& h = structure.cell_angstrom;
  const Eigen::Matrix3d to_fractional = h.transpose().inverse();

  // Bins are slabs of the cell in fractional coordinates: along a_k there are
  // floor(w_k / cutoff) of them, w_k the width across the faces spanned by the other two
  // vectors, so each bin is at least `cutoff` thick in every direction and a neighbour of
  // an atom lies in its own bin or one of the 26 around it (|Δs_k| ≤ cutoff / w_k).
  std::array<int, 3> bins{};
  const double volume = structure.volume_angstrom3();
  for (int k = 0; k < 3; ++k) {
    const Vec3 aj = h.row((k + 1) % 3).transpose(), ak = h.row((k + 2) % 3).transpose();
    const double w = volume / aj.cross(ak).norm();
    bins[k] = std::max(1, static_cast<int>(std::min(std::floor(w / cutoff_angstrom), 1e6)));
  }
  // A huge cell with a short cutoff would make more bins than atoms: merge bins (they only
  // get thicker, so the 27-bin search stays complete) to keep memory O(N).
  const double wanted = 2.0 * static_cast<double>(n) + 27.0;
  const double total = static_cast<double>(bins[0]) * bins[1] * bins[2];
  if (total > wanted) {
    const double factor = std::cbrt(total / wanted);
    for (int& b : bins) b = std::max(1, static_cast<int>(std::floor(b / factor)));
  }

  // Wrapped fractional coordinates, the cell each atom was wrapped from, and its bin.
  std::vector<Vec3> wrapped(n);
  std::vector<Eigen::Vector3i> home(n);
  std::vector<std::array<int, 3>> bin_of(n);
  std::vector<std::size_t> bin_size(static_cast<std::size_t>(bins[0]) * bins[1] * bins[2] + 1, 0);
  auto flat = [&](int x, int y, int z) {
    return (static_cast<std::size_t>(x) * bins[1] + y) * bins[2] + z;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Vec3 s = to_fractional * structure.positions_angstrom.col(static_cast<Eigen::Index>(i));
    for (int k = 0; k < 3; ++k) {
      const double f = std::floor(s[k]);
      home[i][k] = static_cast<int>(f);
      wrapped[i][k] = s[k] - f;
      // s − floor(s) can round to exactly 1 for tiny negative s: clamp into the last bin.
      bin_of[i][k] = std::min(bins[k] - 1, static_cast<int>(wrapped[i][k] * bins[k]));
    }
    ++bin_size[flat(bin_of[i][0], bin_of[i][1], bin_of[i][2]) + 1];
  }
  // Counting sort of atoms by bin (CSR), in index order within a bin.
  std::vector<std::size_t> bin_start(bin_size.size(), 0);
  for (std::size_t b = 1; b < bin_size.size(); ++b) bin_start[b] = bin_start[b - 1] + bin_size[b];
  std::vector<std::size_t> bin_atoms(n), fill(bin_start.begin(), bin_start.end() - 1);
  for (std::size_t i = 0; i < n; ++i)
    bin_atoms[fill[flat(bin_of[i][0], bin_of[i][1], bin_of[i][2])]++] = i;

  const double cutoff2 = cutoff_angstrom * cutoff_angstrom;
  std::vector<std::size_t> offsets(n + 1, 0);
  std::vector<Neighbour> entries;
  std::vector<Neighbour> mine;
  for (std::size_t i = 0; i < n; ++i) {
    mine.clear();
    const Vec3 ri = structure.positions_angstrom.col(static_cast<Eigen::Index>(i));
    for (int dx = -1; dx <= 1; ++dx)
      for (int dy = -1; dy <= 1; ++dy)
        for (int dz = -1; dz <= 1; ++dz) {
          // Unwrapped bin ordinal u: distinct (dx, dy, dz) give distinct u, hence distinct
          // (bin, image) pairs even when there are fewer than three bins along an axis.
          const std::array<int, 3> u{bin_of[i][0] + dx, bin_of[i][1] + dy, bin_of[i][2] + dz};
          Eigen::Vector3i image;
          std::array<int, 3> b{};
          for (int k = 0; k < 3; ++k) {
            image[k] = floor_div(u[k], bins[k]);
            b[k] = u[k] - image[k] * bins[k];
          }
          const std::size_t cell = flat(b[0], b[1], b[2]);
          for (std::size_t p = bin_start[cell]; p < bin_start[cell + 1]; ++p) {
            const std::size_t j = bin_atoms[p];
            if (kind == NeighbourListKind::half ? j <= i : j == i && image.isZero()) continue;
            // r_j + shift·H − r_i with shift in terms of the stored (unwrapped) positions.
            const Eigen::Vector3i shift = image - home[j] + home[i];
            const Vec3 v = structure.positions_angstrom.col(static_cast<Eigen::Index>(j)) +
                           h.transpose() * shift.cast<double>() - ri;
            const double d2 = v.squaredNorm();
            if (d2 < cutoff2) mine.push_back({j, v, shift, std::sqrt(d2)});
          }
        }
    std::sort(mine.begin(), mine.end(), [](const Neighbour& a, const Neighbour& b) {
      return a.atom != b.atom ? a.atom < b.atom : shift_less(a.shift, b.shift);
    });
    entries.insert(entries.end(), mine.begin(), mine.end());
    offsets[i + 1] = entries.size();
  }
  return NeighbourList(cutoff_angstrom, kind, std::move(offsets), std::move(entries));
}

}  // namespace ionhop::atomistic
