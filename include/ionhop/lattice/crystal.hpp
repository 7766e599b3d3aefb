// A crystal: periodic cell, basis sites (sublattice, default occupant) and the hop shells
// along which defects move. Generic: perovskites, simple cubic, bcc, fcc are all data.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::lattice {

using Vec3 = Eigen::Vector3d;

struct BasisSite {
  std::string label;       // unique within the crystal, e.g. "X1"
  std::string sublattice;  // sites that defects of one species can occupy, e.g. "X"
  std::string occupant;    // default host ion, e.g. "I"
  Vec3 frac;               // fractional coordinates in the cell
};

// Hops connect sites of one sublattice at one neighbour distance: given either directly
// (distance_angstrom) or as the n-th distinct neighbour distance (neighbour_shell = n).
struct HopShellSpec {
  std::string name;
  std::string sublattice;
  std::optional<double> distance_angstrom;
  int neighbour_shell = 0;  // used when distance_angstrom is empty; 1 = nearest
  double tolerance_angstrom = 1e-3;
};

struct Crystal {
  std::string name;
  Eigen::Matrix3d cell_angstrom;  // rows are the lattice vectors a1, a2, a3
  std::vector<BasisSite> basis;
  std::vector<HopShellSpec> hop_shells;

  Vec3 cartesian(const Vec3& frac) const { return cell_angstrom.transpose() * frac; }
  std::optional<std::size_t> basis_index(const std::string& label) const;
  std::optional<std::size_t> shell_index(const std::string& name) const;
  bool has_sublattice(const std::string& sublattice) const;
};

// One hop available from every site of a basis: to basis site `target_basis` in the cell
// displaced by `cell_offset`, with Cartesian displacement `displacement_angstrom`.
struct HopTemplate {
  std::size_t target_basis;
  Eigen::Vector3i cell_offset;
  Vec3 displacement_angstrom;
  std::size_t shell;  // index into Crystal::hop_shells
};

// Resolved distance of each hop shell (Å), in the order of Crystal::hop_shells.
// Throws InputError (no file) naming the shell when none or no such neighbour exists.
std::vector<double> resolve_shell_distances(const Crystal& crystal);

// Hop templates per basis site (outer index = basis index), every shell, sorted by shell
// then displacement so the order is reproducible.
std::vector<std::vector<HopTemplate>> build_hop_templates(const Crystal& crystal);

}  // namespace ionhop::lattice
