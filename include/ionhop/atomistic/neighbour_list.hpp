// Cell-list neighbour list of a periodic Structure (any triclinic cell): for every atom the
// atoms within a cutoff, with their periodic image vectors. O(N) for large cells.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <span>
#include <vector>

#include "ionhop/atomistic/structure.hpp"

namespace ionhop::atomistic {

struct Neighbour {
  std::size_t atom;  // j
  // r_j + shift·H − r_i (Å), H = cell_angstrom (rows a1, a2, a3), with the positions as
  // stored in the Structure (not wrapped).
  Vec3 vector_angstrom;
  Eigen::Vector3i shift;  // lattice image of j, in cells along a1, a2, a3
  double distance_angstrom;
};

enum class NeighbourListKind {
  full,  // every pair twice: j in the list of i and i in the list of j
  half,  // every pair once, in the list of the smaller index (what pair potentials sum)
};

// Neighbours stored flat (CSR): the list of atom i is entries[offsets[i], offsets[i + 1]).
class NeighbourList {
 public:
  NeighbourList() = default;
  NeighbourList(double cutoff_angstrom, NeighbourListKind kind, std::vector<std::size_t> offsets,
                std::vector<Neighbour> entries)
      : cutoff_angstrom_(cutoff_angstrom),
        kind_(kind),
        offsets_(std::move(offsets)),
        entries_(std::move(entries)) {}

  double cutoff_angstrom() const { return cutoff_angstrom_; }
  NeighbourListKind kind() const { return kind_; }
  std::size_t atom_count() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // Number of entries: pairs for a half list, twice the pairs for a full list.
  std::size_t entry_count() const { return entries_.size(); }
  std::span<const Neighbour> of(std::size_t atom) const {
    return {entries_.data() + offsets_[atom], offsets_[atom + 1] - offsets_[atom]};
  }

 private:
  double cutoff_angstrom_ = 0;
  NeighbourListKind kind_ = NeighbourListKind::full;
  std::vector<std::size_t> offsets_{0};
  std::vector<Neighbour> entries_;
};

// All pairs closer than cutoff_angstrom (strictly), each list sorted by (atom, shift).
// The cutoff must not exceed half the smallest perpendicular width of the cell: then every
// pair is seen through at most one image and no atom is its own neighbour, which is what
// the minimum-image pair potentials assume. Throws InputError (no file) otherwise, or for
// a cutoff that is not positive.
NeighbourList build_neighbour_list(const Structure& structure, double cutoff_angstrom,
                                   NeighbourListKind kind = NeighbourListKind::full);

}  // namespace ionhop::atomistic
