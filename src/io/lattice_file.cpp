#include "ionhop/io/lattice_file.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <set>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

namespace {
lattice::Vec3 read_vec3(const JsonInput& in) {
  const auto items = in.array();
  if (items.size() != 3) in.fail("must be an array of 3 numbers");
  return {items[0].number(), items[1].number(), items[2].number()};
}
}  // namespace

lattice::Crystal load_crystal(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object(
      {"schema", "name", "description", "cell_angstrom", "basis", "hop_shells", "provenance"});
  if (root.at("schema").string() != "ionhop.lattice/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.lattice/1\")");

  lattice::Crystal c;
  c.name = root.at("name").string();
  const auto cell = root.at("cell_angstrom").array();
  if (cell.size() != 3) root.at("cell_angstrom").fail("must be 3 lattice vectors (rows)");
  for (int i = 0; i < 3; ++i) c.cell_angstrom.row(i) = read_vec3(cell[i]).transpose();
  if (!(std::abs(c.cell_angstrom.determinant()) > 1e-6))
    root.at("cell_angstrom").fail("lattice vectors are linearly dependent (zero volume)");

  std::set<std::string> labels;
  for (const auto& b : root.at("basis").array(1)) {
    b.require_object({"label", "sublattice", "occupant", "frac"});
    lattice::BasisSite site;
    site.label = b.at("label").string();
    site.sublattice = b.at("sublattice").string();
    site.occupant = b.at("occupant").string();
    site.frac = read_vec3(b.at("frac"));
    if (!labels.insert(site.label).second)
      b.at("label").fail("duplicate basis label '" + site.label + "'");
    c.basis.push_back(site);
  }
  // Two basis sites on one position would make a zero-length hop and a meaningless graph.
  for (std::size_t i = 0; i < c.basis.size(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      lattice::Vec3 d = c.basis[i].frac - c.basis[j].frac;
      for (int k = 0; k < 3; ++k) d[k] -= std::round(d[k]);
      if (c.cartesian(d).norm() < 1e-3)
        root.at("basis").array()[i].at("frac").fail("coincides with basis site '" +
                                                    c.basis[j].label + "'");
    }

  std::set<std::string> names;
  for (const auto& h : root.at("hop_shells").array(1)) {
    h.require_object(
        {"name", "sublattice", "distance_angstrom", "neighbour_shell", "tolerance_angstrom"});
    lattice::HopShellSpec shell;
    shell.name = h.at("name").string();
    if (!names.insert(shell.name).second)
      h.at("name").fail("duplicate hop shell name '" + shell.name + "'");
    shell.sublattice = h.at("sublattice").string();
    if (!c.has_sublattice(shell.sublattice))
      h.at("sublattice").fail("no basis site is on sublattice '" + shell.sublattice + "'");
    const bool has_d = h.has("distance_angstrom"), has_n = h.has("neighbour_shell");
    if (has_d == has_n) h.fail("give exactly one of distance_angstrom and neighbour_shell");
    if (has_d) shell.distance_angstrom = h.at("distance_angstrom").positive();
    if (has_n)
      shell.neighbour_shell = static_cast<int>(h.at("neighbour_shell").integer_at_least(1));
    if (auto tol = h.find("tolerance_angstrom")) shell.tolerance_angstrom = tol->positive();
    c.hop_shells.push_back(shell);
  }
  try {
    lattice::build_hop_templates(c);
  } catch (const InputError& e) {
    throw InputError(path, e.json_path(), e.problem());
  }
  return c;
}

}  // namespace ionhop::io
