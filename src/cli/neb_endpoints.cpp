// The two endpoints of an ionhop.neb/1 config (built from the lattice or read from files).
#include "neb_endpoints.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "ionhop/atomistic/frozen_host.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/lattice/site_graph.hpp"

namespace ionhop::cli {

std::pair<atomistic::Structure, atomistic::Structure> neb_endpoints(const io::NebConfig& c) {
  if (c.from_files()) {
    const auto initial = io::read_extxyz(c.initial_path);
    const auto final_frames = io::read_extxyz(c.final_path);
    if (initial.empty()) throw InputError(c.initial_path, "", "no frame");
    if (final_frames.empty()) throw InputError(c.final_path, "", "no frame");
    return {initial.back().structure, final_frames.back().structure};
  }
  const lattice::SiteGraph graph(c.crystal, c.supercell);
  std::vector<std::string> occupants(graph.site_count());
  for (lattice::SiteIndex s = 0; s < graph.site_count(); ++s)
    occupants[s] = c.crystal.basis[graph.basis_of(s)].occupant;
  for (const auto& [key, occupant] : c.occupants) {
    const auto site = std::stoull(key);
    if (site >= graph.site_count())
      throw InputError(
          c.path, "/hop/occupants/" + key,
          "no such site (the supercell has " + std::to_string(graph.site_count()) + " sites)");
    occupants[site] = occupant;
  }
  const auto sites = graph.sites_of_sublattice(c.sublattice);
  const lattice::SiteIndex from =
      c.from_site >= 0 ? static_cast<lattice::SiteIndex>(c.from_site) : sites.front();
  if (from >= graph.site_count())
    throw InputError(
        c.path, "/hop/from_site",
        "no such site (the supercell has " + std::to_string(graph.site_count()) + " sites)");
  if (std::find(sites.begin(), sites.end(), from) == sites.end())
    throw InputError(
        c.path, "/hop/from_site",
        "site " + std::to_string(from) + " is not on sublattice '" + c.sublattice + "'");
  const auto targets = graph.hop_targets(from);
  if (c.hop >= targets.size())
    throw InputError(
        c.path, "/hop/hop",
        "site " + std::to_string(from) + " has " + std::to_string(targets.size()) + " hops");
  const atomistic::SupercellBuilder builder(graph, occupants);
  try {
    atomistic::HopEndpoints ends;
    if (c.mechanism == "vacancy") {
      ends = builder.vacancy_hop(from, targets[c.hop], c.hop_shell);
    } else {
      ends = builder.interstitial_hop(
          from, targets[c.hop], c.hop_shell,
          {c.sublattice, c.interstitial_element, c.interstitial_delta_angstrom, c.axis_sublattice});
    }
    return {ends.initial, ends.final};
  } catch (const InputError& e) {
    throw InputError(c.path, "/hop", e.problem());
  }
}

void apply_frozen_host(const io::NebConfig& c, atomistic::Structure& initial,
                       atomistic::Structure& final_structure) {
  if (c.fix_beyond_angstrom > 0)
    atomistic::fix_atoms_beyond(initial, final_structure, c.fix_beyond_angstrom);
  if (c.fix_elements.empty()) return;
  try {
    atomistic::fix_elements(initial, final_structure, c.fix_elements);
  } catch (const InputError& e) {
    throw InputError(c.path, "/fix_elements", e.problem());
  }
}

void apply_initial_start(const io::NebConfig& c, atomistic::Structure& initial) {
  if (c.initial_start_path.empty()) return;
  const std::string& file = c.initial_start_path;
  const auto frames = io::read_extxyz(file);
  if (frames.empty()) throw InputError(file, "", "no frame");
  try {
    atomistic::seed_free_atoms(initial, frames.back().structure);
  } catch (const InputError& e) {
    throw InputError(file, "", e.problem());
  }
}

}  // namespace ionhop::cli
