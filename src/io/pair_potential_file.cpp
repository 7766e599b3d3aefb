// Loader for "ionhop.pair_potential/1" files: every check names the file and JSON pointer.
#include "ionhop/io/pair_potential_file.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

atomistic::PairPotentialParameters load_pair_potential_parameters(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "name", "description", "provenance", "charges_e", "pairs",
                       "cutoff_angstrom", "switch_width_angstrom", "min_distance_angstrom",
                       "ewald"});
  if (root.at("schema").string() != "ionhop.pair_potential/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.pair_potential/1\")");
  atomistic::PairPotentialParameters p;
  p.name = root.at("name").string();
  if (auto d = root.find("description")) p.description = d->string();
  p.provenance = root.at("provenance").string_or_json();

  const JsonInput charges = root.at("charges_e");
  if (!charges.raw().is_object() || charges.raw().empty())
    charges.fail("must be an object mapping element symbols to charges (e), e.g. {\"Pb\": 2}");
  for (const auto& [element, _] : charges.raw().items()) {
    if (element.empty()) charges.fail("an element symbol must not be empty");
    p.charges_e[element] = charges.at(element.c_str()).number();
  }

  std::map<std::pair<std::string, std::string>, std::string> seen;  // pair → its JSON path
  for (const JsonInput& pair : root.at("pairs").array()) {
    const std::string form = pair.at("form").string();
    atomistic::PairTerm t;
    if (form == "buckingham") {
      pair.require_object({"elements", "form", "A_ev", "rho_angstrom", "C_ev_angstrom6"});
      t.form = atomistic::PairForm::buckingham;
    } else if (form == "lennard_jones") {
      pair.require_object({"elements", "form", "epsilon_ev", "sigma_angstrom"});
      t.form = atomistic::PairForm::lennard_jones;
    } else {
      pair.at("form").fail("must be \"buckingham\" or \"lennard_jones\" (got \"" + form + "\")");
    }
    const JsonInput elements = pair.at("elements");
    const auto names = elements.array();
    if (names.size() != 2) elements.fail("must list exactly two element symbols");
    t.element_a = names[0].string();
    t.element_b = names[1].string();
    for (const JsonInput& e : names)
      if (!p.charges_e.count(e.string()))
        e.fail("element " + e.string() + " has no charge in /charges_e");
    const auto key = std::minmax(t.element_a, t.element_b);
    const auto [it, inserted] = seen.emplace(key, pair.path());
    if (!inserted)
      elements.fail("pair " + key.first + "-" + key.second + " is listed twice (also at " +
                    it->second + ")");
    if (t.form == atomistic::PairForm::buckingham) {
      t.a_ev = pair.at("A_ev").non_negative();
      t.rho_angstrom = pair.at("rho_angstrom").positive();
      t.c_ev_angstrom6 = pair.at("C_ev_angstrom6").non_negative();
    } else {
      t.epsilon_ev = pair.at("epsilon_ev").non_negative();
      t.sigma_angstrom = pair.at("sigma_angstrom").positive();
    }
    p.pairs.push_back(t);
  }

  p.cutoff_angstrom = root.at("cutoff_angstrom").positive();
  if (auto w = root.find("switch_width_angstrom")) {
    p.switch_width_angstrom = w->non_negative();
    if (p.switch_width_angstrom >= p.cutoff_angstrom) w->fail("must be below cutoff_angstrom");
  } else {
    p.switch_width_angstrom = std::min(p.switch_width_angstrom, 0.5 * p.cutoff_angstrom);
  }
  if (auto m = root.find("min_distance_angstrom")) {
    p.min_distance_angstrom = m->non_negative();
    if (p.min_distance_angstrom >= p.cutoff_angstrom - p.switch_width_angstrom)
      m->fail("must be below cutoff_angstrom - switch_width_angstrom");
  }
  if (auto ewald = root.find("ewald")) {
    ewald->require_object({"accuracy"});
    const JsonInput accuracy = ewald->at("accuracy");
    p.ewald_accuracy = accuracy.positive();
    if (p.ewald_accuracy >= 1e-3)
      accuracy.fail("must be below 1e-3 (a relative accuracy, e.g. 1e-8)");
  }
  return p;
}

atomistic::PairPotential load_pair_potential(const std::string& path) {
  auto parameters = load_pair_potential_parameters(path);
  try {
    return atomistic::PairPotential(std::move(parameters));
  } catch (const InputError& e) {
    // The loader's checks above should catch everything first; keep the file name if not.
    throw InputError(path, e.json_path(), e.problem());
  }
}

}  // namespace ionhop::io
