// The supercell's site graph: every site of an n1×n2×n3 supercell as a vertex, every hop
// as a directed edge (Boost.Graph CSR) carrying its hop template (shell, displacement).
// Periodic boundaries: a hop's displacement is the template's, never a wrapped difference,
// so unwrapped trajectories follow directly.
#pragma once

#include <array>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ionhop/core/fast_divide.hpp"
#include "ionhop/lattice/crystal.hpp"

namespace ionhop::lattice {

using SiteIndex = std::uint32_t;

struct HopEdge {
  std::uint32_t template_index;  // index into hop_templates(basis of source)
};

using SiteGraphCsr =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, HopEdge,
                                       boost::no_property, SiteIndex, SiteIndex>;

// Throws InputError (no file, path "") when the supercell is not ≥ 1 along every axis or is
// too small for a hop shell (two hops from one site reach one site via different images).
void check_supercell_fits(const Crystal& crystal, std::array<int, 3> supercell);

class SiteGraph {
 public:
  // Throws InputError (no file, path "") when the supercell is too small for a hop shell:
  // two hops from one site would reach the same site through different periodic images.
  SiteGraph(const Crystal& crystal, std::array<int, 3> supercell);

  const Crystal& crystal() const { return crystal_; }
  std::array<int, 3> supercell() const { return supercell_; }
  std::size_t site_count() const { return site_count_; }
  std::size_t basis_count() const { return crystal_.basis.size(); }
  std::size_t basis_of(SiteIndex site) const { return basis_divider_.remainder(site); }
  Vec3 position_angstrom(SiteIndex site) const;
  // The site at a Cartesian position (any periodic image), if one lies within tolerance.
  std::optional<SiteIndex> site_at(const Vec3& position_angstrom,
                                   double tolerance_angstrom = 1e-4) const;

  // Hops out of `site`, in the order of hop_templates(basis_of(site)).
  std::span<const SiteIndex> hop_targets(SiteIndex site) const {
    // Every cell has the same hops, so the CSR row of a site follows from (cell, basis)
    // without a row-offset array (which would cost a cache miss per look-up).
    const std::uint32_t cell = basis_divider_.quotient(site);
    const std::uint32_t b = site - cell * basis_divider_.divisor();
    return {
        targets_.data() + static_cast<std::size_t>(cell) * edges_per_cell_ + basis_edge_offset_[b],
        basis_degree_[b]};
  }
  const std::vector<HopTemplate>& hop_templates(std::size_t basis) const {
    return templates_[basis];
  }
  std::size_t max_hops_per_site() const { return max_degree_; }
  const std::vector<double>& shell_distances_angstrom() const { return shell_distances_; }

  // All sites whose basis site belongs to `sublattice`, in index order.
  std::vector<SiteIndex> sites_of_sublattice(const std::string& sublattice) const;

  // The Boost.Graph view (algorithms, connectivity checks); the flat arrays above are a
  // copy of its adjacency in the order the KMC hot loop reads it.
  const SiteGraphCsr& graph() const { return graph_; }

 private:
  SiteIndex site_index(const Eigen::Vector3i& cell, std::size_t basis) const;

  Crystal crystal_;
  std::array<int, 3> supercell_;
  std::size_t site_count_;
  std::vector<std::vector<HopTemplate>> templates_;
  std::vector<double> shell_distances_;
  SiteGraphCsr graph_;
  core::FastDivider basis_divider_;
  std::size_t edges_per_cell_ = 0;
  std::vector<std::size_t> basis_edge_offset_, basis_degree_;
  std::vector<SiteIndex> targets_;
  std::size_t max_degree_ = 0;
};

}  // namespace ionhop::lattice
