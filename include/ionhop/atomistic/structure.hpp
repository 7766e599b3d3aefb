// A periodic atomistic structure: cell, elements, positions, optional fixed atoms and
// metadata. The currency of the offline barrier stage (potentials, FIRE, CI-NEB, extxyz).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace ionhop::atomistic {

using Vec3 = Eigen::Vector3d;

struct Structure {
  // Rows are the lattice vectors a1, a2, a3 (Å), the convention of lattice::Crystal and of
  // extxyz's Lattice="a1x a1y a1z a2x ...". Always periodic in all three directions.
  Eigen::Matrix3d cell_angstrom = Eigen::Matrix3d::Identity();
  std::vector<std::string> elements;          // chemical symbol per atom, e.g. "Pb", "I"
  Eigen::Matrix3Xd positions_angstrom{3, 0};  // column k = Cartesian position of atom k
  // Atoms that relaxation and NEB must not move (empty = none fixed, else one per atom).
  std::vector<bool> fixed;
  // Total charge of the cell in e (metadata for charged defect cells: DFT's CHARGE; a
  // point-charge potential gets its charges from its own parameters).
  int charge_e = 0;
  // Free-form key=value metadata, carried through extxyz comment lines.
  std::map<std::string, std::string> info;

  std::size_t size() const { return elements.size(); }
  double volume_angstrom3() const { return std::abs(cell_angstrom.determinant()); }
  bool is_fixed(std::size_t atom) const { return !fixed.empty() && fixed[atom]; }
  // Indices of the atoms that are not fixed, ascending (the coordinates of Hessians and modes).
  std::vector<std::size_t> free_atom_indices() const {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < size(); ++k)
      if (!is_fixed(k)) out.push_back(k);
    return out;
  }

  // Fractional coordinates of a Cartesian vector: r = Hᵀ s with H = cell_angstrom.
  Vec3 fractional(const Vec3& cartesian) const;
  Vec3 cartesian(const Vec3& fractional) const { return cell_angstrom.transpose() * fractional; }
  // Shortest periodic image of a displacement (exact for cells whose perpendicular widths
  // are at least twice the displacement; searches the 27 neighbouring images).
  Vec3 minimum_image(const Vec3& displacement) const;
  // Minimum-image vector from atom i to atom j.
  Vec3 displacement(std::size_t i, std::size_t j) const {
    return minimum_image(positions_angstrom.col(j) - positions_angstrom.col(i));
  }
  // Largest minimum-image displacement of any atom from this structure to `other` (Å; the
  // same atoms in the same order, this cell's periodicity). Throws std::invalid_argument for
  // structures of different sizes.
  double largest_displacement_angstrom(const Structure& other) const;
  // Smallest perpendicular width of the cell (Å): distance between opposite faces.
  double min_perpendicular_width_angstrom() const;
  // Maps every atom back into the cell (fractional coordinates in [0, 1)).
  void wrap_positions();
  void append(const std::string& element, const Vec3& position_angstrom);
  void remove(std::size_t atom);
};

}  // namespace ionhop::atomistic
