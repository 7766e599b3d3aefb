#include "ionhop/lattice/crystal.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "ionhop/core/error.hpp"

namespace ionhop::lattice {

std::optional<std::size_t> Crystal::basis_index(const std::string& label) const {
  for (std::size_t i = 0; i < basis.size(); ++i)
    if (basis[i].label == label) return i;
  return std::nullopt;
}

std::optional<std::size_t> Crystal::shell_index(const std::string& shell_name) const {
  for (std::size_t i = 0; i < hop_shells.size(); ++i)
    if (hop_shells[i].name == shell_name) return i;
  return std::nullopt;
}

bool Crystal::has_sublattice(const std::string& sublattice) const {
  return std::any_of(basis.begin(), basis.end(),
                     [&](const BasisSite& b) { return b.sublattice == sublattice; });
}

namespace {

// Smallest distance between opposite faces of the cell: a sphere of radius r fits in
// ceil(r / h_min) cells along every axis.
double min_face_spacing(const Eigen::Matrix3d& cell) {
  const double volume = std::abs(cell.determinant());
  double h = INFINITY;
  for (int i = 0; i < 3; ++i) {
    const Vec3 n = cell.row((i + 1) % 3).cross(cell.row((i + 2) % 3)).transpose();
    h = std::min(h, volume / n.norm());
  }
  return h;
}

struct Neighbour {
  std::size_t source_basis, target_basis;
  Eigen::Vector3i offset;
  Vec3 displacement;
  double distance;
};

// All same-sublattice neighbours within `radius` of every basis site in `sublattice`.
std::vector<Neighbour> neighbours_within(const Crystal& c, const std::string& sublattice,
                                         double radius) {
  const int reach = static_cast<int>(std::ceil(radius / min_face_spacing(c.cell_angstrom))) + 1;
  std::vector<Neighbour> out;
  for (std::size_t s = 0; s < c.basis.size(); ++s) {
    if (c.basis[s].sublattice != sublattice) continue;
    for (std::size_t t = 0; t < c.basis.size(); ++t) {
      if (c.basis[t].sublattice != sublattice) continue;
      for (int i = -reach; i <= reach; ++i)
        for (int j = -reach; j <= reach; ++j)
          for (int k = -reach; k <= reach; ++k) {
            const Eigen::Vector3i off(i, j, k);
            const Vec3 d = c.cartesian(c.basis[t].frac + off.cast<double>() - c.basis[s].frac);
            const double r = d.norm();
            if (r > 1e-9 && r <= radius) out.push_back({s, t, off, d, r});
          }
    }
  }
  return out;
}

}  // namespace

std::vector<double> resolve_shell_distances(const Crystal& c) {
  std::vector<double> distances;
  const double search_radius = 3.0 * min_face_spacing(c.cell_angstrom);
  for (std::size_t i = 0; i < c.hop_shells.size(); ++i) {
    const auto& shell = c.hop_shells[i];
    const std::string where = "/hop_shells/" + std::to_string(i);
    if (shell.distance_angstrom) {
      distances.push_back(*shell.distance_angstrom);
      continue;
    }
    auto nb = neighbours_within(c, shell.sublattice, search_radius);
    std::vector<double> r;
    for (const auto& n : nb) r.push_back(n.distance);
    std::sort(r.begin(), r.end());
    std::vector<double> distinct;
    for (double x : r)
      if (distinct.empty() || x - distinct.back() > shell.tolerance_angstrom) distinct.push_back(x);
    if (static_cast<std::size_t>(shell.neighbour_shell) > distinct.size())
      throw InputError("", where + "/neighbour_shell",
                       "sublattice '" + shell.sublattice + "' has only " +
                           std::to_string(distinct.size()) + " neighbour shells within " +
                           std::to_string(search_radius) + " Å");
    distances.push_back(distinct[shell.neighbour_shell - 1]);
  }
  return distances;
}

std::vector<std::vector<HopTemplate>> build_hop_templates(const Crystal& c) {
  const auto distances = resolve_shell_distances(c);
  std::vector<std::vector<HopTemplate>> templates(c.basis.size());
  for (std::size_t sh = 0; sh < c.hop_shells.size(); ++sh) {
    const auto& shell = c.hop_shells[sh];
    const double d = distances[sh];
    std::size_t found = 0;
    for (const auto& n : neighbours_within(c, shell.sublattice, d + shell.tolerance_angstrom)) {
      if (std::abs(n.distance - d) > shell.tolerance_angstrom) continue;
      templates[n.source_basis].push_back({n.target_basis, n.offset, n.displacement, sh});
      ++found;
    }
    if (found == 0)
      throw InputError("", "/hop_shells/" + std::to_string(sh),
                       "no pair of '" + shell.sublattice + "' sites is " + std::to_string(d) +
                           " Å apart (within " + std::to_string(shell.tolerance_angstrom) + " Å)");
  }
  for (auto& list : templates) {
    std::sort(list.begin(), list.end(), [](const HopTemplate& a, const HopTemplate& b) {
      if (a.shell != b.shell) return a.shell < b.shell;
      for (int i = 0; i < 3; ++i)
        if (std::abs(a.displacement_angstrom[i] - b.displacement_angstrom[i]) > 1e-9)
          return a.displacement_angstrom[i] < b.displacement_angstrom[i];
      return a.target_basis < b.target_basis;
    });
  }
  return templates;
}

}  // namespace ionhop::lattice
