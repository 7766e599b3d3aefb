// The mirror plane of a hop and the renumbering that maps initial onto final.
#include "ionhop/atomistic/hop_mirror.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ionhop/core/error.hpp"

namespace ionhop::atomistic {

namespace {
[[noreturn]] void fail(const std::string& problem) {
  throw InputError("", "", "symmetric NEB endpoints: " + problem);
}
}  // namespace

Structure HopMirror::apply(const Structure& s) const {
  Structure out = s;
  for (std::size_t k = 0; k < source_atom.size(); ++k) {
    const Vec3 x = s.positions_angstrom.col(static_cast<Eigen::Index>(source_atom[k]));
    out.positions_angstrom.col(static_cast<Eigen::Index>(k)) =
        reflection * (x - origin_angstrom) + origin_angstrom;
    if (!s.fixed.empty()) out.fixed[k] = s.fixed[source_atom[k]];
  }
  return out;
}

Structure HopMirror::symmetrize_displacements(const Structure& displaced,
                                              const Structure& ideal) const {
  Structure out = ideal;
  const auto u = [&](std::size_t k) {
    const auto i = static_cast<Eigen::Index>(k);
    return Vec3(
        ideal.minimum_image(displaced.positions_angstrom.col(i) - ideal.positions_angstrom.col(i)));
  };
  for (std::size_t k = 0; k < source_atom.size(); ++k)
    out.positions_angstrom.col(static_cast<Eigen::Index>(k)) +=
        0.5 * (u(k) + reflection * u(source_atom[k]));
  return out;
}

double HopMirror::asymmetry_angstrom(const Structure& s) const {
  const Structure image = apply(s);
  double worst = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const auto i = static_cast<Eigen::Index>(k);
    worst = std::max(
        worst,
        s.minimum_image(image.positions_angstrom.col(i) - s.positions_angstrom.col(i)).norm());
  }
  return worst;
}

Structure HopMirror::symmetrize(const Structure& s) const {
  const Structure image = apply(s);
  Structure out = s;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const auto i = static_cast<Eigen::Index>(k);
    out.positions_angstrom.col(i) +=
        0.5 * s.minimum_image(image.positions_angstrom.col(i) - s.positions_angstrom.col(i));
  }
  return out;
}

void HopMirror::require_one_atom_hop() const {
  if (moved_atoms != 1)
    fail(
        "shared-host endpoints reflect only the hopping atom: they need a one-atom (vacancy) "
        "hop, and this one moves " +
        std::to_string(moved_atoms) + " atoms (use \"mirror\" or \"independent\")");
}

Structure HopMirror::reflect_moving_atom(const Structure& s) const {
  require_one_atom_hop();
  Structure out = s;
  const auto k = static_cast<Eigen::Index>(moving_atom);
  const Vec3 x = s.positions_angstrom.col(k);
  out.positions_angstrom.col(k) = reflection * (x - origin_angstrom) + origin_angstrom;
  return out;
}

EndpointMode parse_endpoint_mode(const std::string& text) {
  if (text == "independent") return EndpointMode::kIndependent;
  if (text == "mirror") return EndpointMode::kMirror;
  if (text == "shared_host") return EndpointMode::kSharedHost;
  throw InputError(
      "", "",
      "unknown endpoint mode '" + text + "' (use \"independent\", \"mirror\" or \"shared_host\")");
}

std::string endpoint_mode_name(EndpointMode mode) {
  switch (mode) {
    case EndpointMode::kIndependent:
      return "independent";
    case EndpointMode::kMirror:
      return "mirror";
    case EndpointMode::kSharedHost:
      return "shared_host";
  }
  return "independent";
}

HopMirror find_hop_mirror(const Structure& ideal_initial, const Structure& ideal_final,
                          double tolerance_angstrom) {
  const std::size_t n = ideal_initial.size();
  if (ideal_final.size() != n) fail("the endpoints have different atom counts");
  if ((ideal_initial.cell_angstrom - ideal_final.cell_angstrom).cwiseAbs().maxCoeff() > 1e-9)
    fail("the endpoints have different cells");
  // The atoms whose positions differ between the endpoints.
  const auto col = [](const Structure& s, std::size_t k) {
    return Vec3(s.positions_angstrom.col(static_cast<Eigen::Index>(k)));
  };
  // The hopping atom moves farthest (a split interstitial's hosts only shift by δ).
  HopMirror m;
  m.moved_atoms = 0;
  double longest = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (ideal_initial.elements[k] != ideal_final.elements[k])
      fail("atom " + std::to_string(k) + " is " + ideal_initial.elements[k] + " in the initial " +
           "endpoint and " + ideal_final.elements[k] + " in the final");
    const double d =
        ideal_initial.minimum_image(col(ideal_final, k) - col(ideal_initial, k)).norm();
    if (d <= tolerance_angstrom) continue;
    ++m.moved_atoms;
    if (d > longest + 1e-9) longest = d, m.moving_atom = k;
  }
  if (m.moved_atoms == 0) fail("the endpoints are the same structure");
  const Vec3 a = col(ideal_initial, m.moving_atom);
  const Vec3 hop = ideal_initial.minimum_image(col(ideal_final, m.moving_atom) - a);
  const Vec3 normal = hop.normalized();
  m.reflection = Eigen::Matrix3d::Identity() - 2 * normal * normal.transpose();
  m.origin_angstrom = a + 0.5 * hop;

  // The cell must map onto itself: R a_i must be an integer combination of the a_j.
  const Eigen::Matrix3d h_t = ideal_initial.cell_angstrom.transpose();  // columns a_i
  const Eigen::Matrix3d integer = h_t.inverse() * m.reflection * h_t;
  if ((integer - integer.array().round().matrix()).cwiseAbs().maxCoeff() > 1e-6)
    fail("the mirror plane perpendicular to the hop is not a symmetry of the cell");

  // Renumbering: atom j of the initial endpoint, mirrored, is atom k of the final one.
  m.source_atom.assign(n, n);
  for (std::size_t j = 0; j < n; ++j) {
    const Vec3 image =
        m.reflection * (col(ideal_initial, j) - m.origin_angstrom) + m.origin_angstrom;
    std::size_t match = n;
    for (std::size_t k = 0; k < n; ++k) {
      if (ideal_final.elements[k] != ideal_initial.elements[j]) continue;
      if (ideal_initial.minimum_image(image - col(ideal_final, k)).norm() <= tolerance_angstrom) {
        match = k;
        break;
      }
    }
    if (match == n || m.source_atom[match] != n)
      fail("the mirror image of atom " + std::to_string(j) + " (" + ideal_initial.elements[j] +
           ") is not an atom of the final endpoint: the hop's mirror plane is not a symmetry of "
           "this structure (a mixed environment or a distorted cell?)");
    m.source_atom[match] = j;
  }
  // The hopping atom is its own image; for a several-atom hop the others may trade places
  // (a split interstitial: the host of one site is the mirror image of the other's).
  if (m.source_atom[m.moving_atom] != m.moving_atom)
    fail("the hop's mirror does not map the hopping atom " + std::to_string(m.moving_atom) +
         " onto itself");
  return m;
}

}  // namespace ionhop::atomistic
