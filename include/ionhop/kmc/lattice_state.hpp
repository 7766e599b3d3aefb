// A configuration of the lattice: the host ion on every site and where each defect sits
// (with its species). An engine can start from one (RunSettings::initial_state) and hand
// out its current one (Engine::state()); io/lattice_state_file.hpp reads and writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ionhop::lattice {
using SiteIndex = std::uint32_t;  // as in site_graph.hpp
class SiteGraph;
}  // namespace ionhop::lattice

namespace ionhop::rates {
struct RateTable;
}  // namespace ionhop::rates

namespace ionhop::kmc {

struct LatticeState {
  // One entry per site of the supercell (site index order): the host ion's name, "" for
  // no ion (a vacancy, or a site that holds nothing).
  std::vector<std::string> occupants;
  // (site, species index into the rate table), in defect order.
  std::vector<std::pair<lattice::SiteIndex, std::size_t>> defects;

  bool operator==(const LatticeState&) const = default;
};

// What is wrong with a state for a graph and rate table, if anything: the defect (index
// into state.defects) or site it concerns, where there is one, and a one-line problem.
struct LatticeStateProblem {
  std::optional<std::size_t> defect;
  std::optional<lattice::SiteIndex> site;
  std::string problem;
};

// Checks: one occupant per site; every defect on a site of the graph, of a known species,
// on a site of its species' sublattice, alone on its site; a vacancy-mechanism defect on a
// site that holds no ion; every other site of a sublattice that hosts a vacancy species
// holds an ion (a vacancy hop needs an ion to exchange with).
std::optional<LatticeStateProblem> find_lattice_state_problem(const lattice::SiteGraph& graph,
                                                              const rates::RateTable& table,
                                                              const LatticeState& state);

}  // namespace ionhop::kmc
