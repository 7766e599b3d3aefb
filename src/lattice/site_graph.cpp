#include "ionhop/lattice/site_graph.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "ionhop/core/error.hpp"

namespace ionhop::lattice {

namespace {
int wrap(int i, int n) { return ((i % n) + n) % n; }

std::string supercell_text(const std::array<int, 3>& n) {
  return "[" + std::to_string(n[0]) + ", " + std::to_string(n[1]) + ", " + std::to_string(n[2]) +
         "]";
}
}  // namespace

void check_supercell_fits(const Crystal& crystal, std::array<int, 3> supercell) {
  for (int n : supercell)
    if (n < 1)
      throw InputError("", "",
                       "supercell " + supercell_text(supercell) + " must be >= 1 along every axis");
  const auto templates = build_hop_templates(crystal);
  const auto distances = resolve_shell_distances(crystal);
  auto image = [&](const Eigen::Vector3i& off, std::size_t basis) {
    std::array<int, 4> key{wrap(off[0], supercell[0]), wrap(off[1], supercell[1]),
                           wrap(off[2], supercell[2]), static_cast<int>(basis)};
    return key;
  };
  // Every hop from a basis site must reach a distinct site other than the source itself,
  // or periodic images alias and the walk is no longer the crystal's.
  for (std::size_t b = 0; b < templates.size(); ++b) {
    std::set<std::array<int, 4>> reached;
    const auto source = image(Eigen::Vector3i::Zero(), b);
    for (const auto& t : templates[b]) {
      const auto target = image(t.cell_offset, t.target_basis);
      if (target == source || !reached.insert(target).second) {
        const auto& shell = crystal.hop_shells[t.shell];
        throw InputError(
            "", "",
            "supercell " + supercell_text(supercell) + " is too small for hop shell '" +
                shell.name + "' (" + std::to_string(distances[t.shell]) +
                " Å): hops from basis site '" + crystal.basis[b].label +
                "' reach the same site through different periodic images; use more cells");
      }
    }
  }
}

SiteIndex SiteGraph::site_index(const Eigen::Vector3i& cell, std::size_t basis) const {
  const int i = wrap(cell[0], supercell_[0]);
  const int j = wrap(cell[1], supercell_[1]);
  const int k = wrap(cell[2], supercell_[2]);
  return static_cast<SiteIndex>(
      ((static_cast<std::size_t>(i) * supercell_[1] + j) * supercell_[2] + k) * basis_count() +
      basis);
}

std::optional<SiteIndex> SiteGraph::site_at(const Vec3& position_angstrom,
                                            double tolerance_angstrom) const {
  const Vec3 frac = crystal_.cell_angstrom.transpose().partialPivLu().solve(position_angstrom);
  for (std::size_t b = 0; b < basis_count(); ++b) {
    const Vec3 offset = frac - crystal_.basis[b].frac;
    const Vec3 rounded = offset.array().round().matrix();
    if (crystal_.cartesian(offset - rounded).norm() > tolerance_angstrom) continue;
    return site_index(rounded.cast<int>(), b);
  }
  return std::nullopt;
}

Vec3 SiteGraph::position_angstrom(SiteIndex site) const {
  const std::size_t b = site % basis_count();
  std::size_t cell = site / basis_count();
  const int k = static_cast<int>(cell % supercell_[2]);
  cell /= supercell_[2];
  const int j = static_cast<int>(cell % supercell_[1]);
  const int i = static_cast<int>(cell / supercell_[1]);
  return crystal_.cartesian(crystal_.basis[b].frac + Vec3(i, j, k));
}

SiteGraph::SiteGraph(const Crystal& crystal, std::array<int, 3> supercell)
    : crystal_(crystal), supercell_(supercell) {
  check_supercell_fits(crystal, supercell);
  const std::size_t cells = static_cast<std::size_t>(supercell[0]) * supercell[1] * supercell[2];
  site_count_ = cells * crystal.basis.size();
  if (site_count_ >= static_cast<std::size_t>(UINT32_MAX))
    throw InputError("", "", "supercell " + supercell_text(supercell) + " has too many sites");
  templates_ = build_hop_templates(crystal);
  shell_distances_ = resolve_shell_distances(crystal);

  for (const auto& list : templates_) max_degree_ = std::max(max_degree_, list.size());
  basis_divider_ = core::FastDivider(static_cast<std::uint32_t>(crystal.basis.size()));
  for (const auto& list : templates_) {
    basis_edge_offset_.push_back(edges_per_cell_);
    basis_degree_.push_back(list.size());
    edges_per_cell_ += list.size();
  }

  // Edges sorted by source, in template order: CSR construction with sorted edges.
  std::vector<std::pair<SiteIndex, SiteIndex>> edges;
  std::vector<HopEdge> props;
  edges.reserve(cells * edges_per_cell_);
  props.reserve(cells * edges_per_cell_);
  for (std::size_t c = 0; c < cells; ++c) {
    const int k = static_cast<int>(c % supercell[2]);
    const int j = static_cast<int>((c / supercell[2]) % supercell[1]);
    const int i = static_cast<int>(c / (static_cast<std::size_t>(supercell[2]) * supercell[1]));
    const Eigen::Vector3i cell(i, j, k);
    for (std::size_t b = 0; b < crystal.basis.size(); ++b) {
      const SiteIndex s = site_index(cell, b);
      for (std::uint32_t t = 0; t < templates_[b].size(); ++t) {
        const auto& tpl = templates_[b][t];
        edges.emplace_back(s, site_index(cell + tpl.cell_offset, tpl.target_basis));
        props.push_back({t});
      }
    }
  }
  graph_ = SiteGraphCsr(boost::edges_are_sorted, edges.begin(), edges.end(), props.begin(),
                        static_cast<SiteIndex>(site_count_));

  // Flat copy of the adjacency in hop-template order, read from the graph so both agree.
  targets_.resize(cells * edges_per_cell_);
  for (SiteIndex s = 0; s < site_count_; ++s) {
    const std::size_t row = static_cast<std::size_t>(s / crystal.basis.size()) * edges_per_cell_ +
                            basis_edge_offset_[s % crystal.basis.size()];
    for (auto [it, end] = boost::out_edges(s, graph_); it != end; ++it)
      targets_[row + graph_[*it].template_index] = boost::target(*it, graph_);
  }
}

std::vector<SiteIndex> SiteGraph::sites_of_sublattice(const std::string& sublattice) const {
  std::vector<SiteIndex> out;
  for (SiteIndex s = 0; s < site_count_; ++s)
    if (crystal_.basis[basis_of(s)].sublattice == sublattice) out.push_back(s);
  return out;
}

}  // namespace ionhop::lattice
