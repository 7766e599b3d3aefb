#include "ionhop/io/rate_table_file.hpp"

#include <set>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/rates/charge_states.hpp"
#include "ionhop/rates/compiled_rates.hpp"

namespace ionhop::io {

rates::RateTable load_rate_table(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object(
      {"schema", "name", "description", "lattice", "provenance", "species", "charge_model"});
  rates::RateTable t;
  t.schema = root.at("schema").string();
  if (t.schema != "ionhop.rates/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.rates/1\")");
  t.name = root.at("name").string();
  if (auto d = root.find("description")) t.description = d->string();
  t.provenance = root.at("provenance").string_or_json();

  std::set<std::string> names;
  for (const auto& s : root.at("species").array(1)) {
    s.require_object({"name", "mechanism", "charge", "sublattice", "element", "mobile", "hops",
                      "site_energies_ev", "environment", "provenance", "note"});
    rates::DefectSpecies sp;
    sp.name = s.at("name").string();
    if (!names.insert(sp.name).second)
      s.at("name").fail("duplicate species name '" + sp.name + "'");
    const std::string mech = s.at("mechanism").string();
    if (mech == "vacancy")
      sp.mechanism = rates::Mechanism::vacancy;
    else if (mech == "interstitial")
      sp.mechanism = rates::Mechanism::interstitial;
    else
      s.at("mechanism").fail("must be \"vacancy\" or \"interstitial\" (got \"" + mech + "\")");
    sp.charge = static_cast<int>(s.at("charge").integer());
    sp.sublattice = s.at("sublattice").string();
    if (auto e = s.find("element")) {
      if (sp.mechanism != rates::Mechanism::interstitial)
        e->fail("\"element\" applies to interstitials (the extra atom they carry), not to " +
                std::string(rates::to_string(sp.mechanism)) + "s");
      sp.element = e->string();
      if (sp.element.empty()) e->fail("must name the interstitial atom's element (e.g. \"I\")");
    }
    if (auto m = s.find("mobile")) sp.mobile = m->boolean();
    sp.provenance = s.at("provenance").string_or_json();
    const auto hops = s.at("hops").array();
    if (sp.mobile && hops.empty())
      s.at("hops").fail("a mobile species needs at least one hop (or set \"mobile\": false)");
    if (!sp.mobile && !hops.empty())
      s.at("hops").fail("an immobile species (\"mobile\": false) must list no hops");
    std::set<std::string> shells;
    for (const auto& h : hops) {
      h.require_object({"shell", "mechanism", "moving_species", "barrier_ev",
                        "attempt_frequency_hz", "provenance"});
      rates::HopRate hop;
      hop.shell = h.at("shell").string();
      if (auto m = h.find("mechanism")) {
        const std::string name = m->string();
        if (sp.mechanism != rates::Mechanism::interstitial)
          m->fail(
              "applies to interstitial hops (\"direct\" or \"kickout\"); a vacancy hop always "
              "exchanges the vacancy with the host ion on the target site");
        if (name == "direct")
          hop.mechanism = rates::HopMechanism::direct;
        else if (name == "kickout")
          hop.mechanism = rates::HopMechanism::kickout;
        else
          m->fail("must be \"direct\" or \"kickout\" (got \"" + name + "\")");
        if (hop.mechanism == rates::HopMechanism::kickout && sp.element.empty())
          m->fail("a kick-out hop needs the species' \"element\" (the atom that enters the " +
                  std::string("lattice)"));
      }
      if (auto m = h.find("moving_species")) {
        if (sp.mechanism == rates::Mechanism::interstitial &&
            hop.mechanism != rates::HopMechanism::kickout)
          m->fail(
              "moving_species on an interstitial hop names the host ion kicked out: it needs "
              "\"mechanism\": \"kickout\" (a direct hop moves the interstitial itself)");
        hop.moving_species = m->string();
      }
      const std::string key =
          hop.shell + "|" + rates::to_string(hop.mechanism) + "|" + hop.moving_species;
      if (!shells.insert(key).second)
        h.at("shell").fail(
            "shell '" + hop.shell + "' listed twice" +
            (hop.mechanism == rates::HopMechanism::kickout ? std::string(" for kick-out") : "") +
            (hop.moving_species.empty() ? std::string()
                                        : " for moving species '" + hop.moving_species + "'"));
      hop.barrier_ev = h.at("barrier_ev").non_negative();
      hop.attempt_frequency_hz = h.at("attempt_frequency_hz").positive();
      hop.provenance = h.at("provenance").string_or_json();
      sp.hops.push_back(hop);
    }
    if (auto env = s.find("environment")) {
      env->require_object({"shell", "site_energy_per_neighbour_ev", "kra_per_neighbour_ev",
                           "kra_per_saddle_neighbour_ev", "provenance"});
      if (sp.mechanism != rates::Mechanism::vacancy)
        env->fail("the environment model applies to vacancies (interstitials: not yet)");
      sp.environment_shell = env->at("shell").string();
      auto read_map = [&](const char* key, std::map<std::string, double>& out) {
        if (auto m = env->find(key)) {
          if (!m->raw().is_object())
            m->fail("must be an object mapping host species to eV per neighbour");
          for (const auto& [species, _] : m->raw().items())
            out[species] = m->at(species.c_str()).number();
        }
      };
      read_map("site_energy_per_neighbour_ev", sp.environment_site_energy_ev);
      read_map("kra_per_neighbour_ev", sp.environment_kra_ev);
      // Saddle term: ions on the common environment neighbours of the two hop ends.
      read_map("kra_per_saddle_neighbour_ev", sp.environment_saddle_kra_ev);
      if (!sp.has_environment())
        env->fail(
            "give site_energy_per_neighbour_ev, kra_per_neighbour_ev and/or "
            "kra_per_saddle_neighbour_ev");
      env->at("provenance").string_or_json();
    }
    if (auto e = s.find("site_energies_ev")) {
      if (!e->raw().is_object()) e->fail("must be an object mapping basis labels to energies (eV)");
      for (const auto& [label, _] : e->raw().items())
        sp.site_energies_ev[label] = e->at(label.c_str()).number();
    }
    t.species.push_back(sp);
  }
  if (auto cm = root.find("charge_model")) {
    cm->require_object({"band_gap_ev", "transitions", "provenance"});
    t.charge_model.band_gap_ev = cm->at("band_gap_ev").positive();
    for (const auto& tr : cm->at("transitions").array(1)) {
      tr.require_object({"from", "to", "level_ev", "capture_rate_hz", "provenance"});
      rates::ChargeTransition ct;
      ct.from = tr.at("from").string();
      ct.to = tr.at("to").string();
      ct.level_ev = tr.at("level_ev").number();
      ct.capture_rate_hz = tr.at("capture_rate_hz").positive();
      ct.provenance = tr.at("provenance").string_or_json();
      t.charge_model.transitions.push_back(ct);
    }
    try {
      rates::check_charge_model(t);
    } catch (const InputError& e) {
      throw InputError(path, e.json_path(), e.problem());
    }
  }
  try {
    rates::check_kickout(t);  // partner species and symmetric kick-out barriers
  } catch (const InputError& e) {
    throw InputError(path, e.json_path(), e.problem());
  }
  return t;
}

nlohmann::json rate_table_to_json(const rates::RateTable& t) {
  auto text_or_json = [](const std::string& s) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    return (j.is_discarded() || j.is_string() || j.is_number()) ? nlohmann::json(s) : j;
  };
  nlohmann::json out;
  out["schema"] = t.schema;
  out["name"] = t.name;
  if (!t.description.empty()) out["description"] = t.description;
  out["provenance"] = text_or_json(t.provenance);
  out["species"] = nlohmann::json::array();
  for (const auto& sp : t.species) {
    nlohmann::json s;
    s["name"] = sp.name;
    s["mechanism"] = rates::to_string(sp.mechanism);
    s["charge"] = sp.charge;
    s["sublattice"] = sp.sublattice;
    if (!sp.element.empty()) s["element"] = sp.element;
    s["mobile"] = sp.mobile;
    s["hops"] = nlohmann::json::array();
    for (const auto& h : sp.hops) {
      nlohmann::json hop = {{"shell", h.shell},
                            {"barrier_ev", h.barrier_ev},
                            {"attempt_frequency_hz", h.attempt_frequency_hz},
                            {"provenance", text_or_json(h.provenance)}};
      if (!h.moving_species.empty()) hop["moving_species"] = h.moving_species;
      if (h.mechanism != rates::HopMechanism::direct)
        hop["mechanism"] = rates::to_string(h.mechanism);
      s["hops"].push_back(hop);
    }
    if (!sp.site_energies_ev.empty()) s["site_energies_ev"] = sp.site_energies_ev;
    if (sp.has_environment()) {
      nlohmann::json env = {{"shell", sp.environment_shell},
                            {"provenance", "see the species' provenance"}};
      if (!sp.environment_site_energy_ev.empty())
        env["site_energy_per_neighbour_ev"] = sp.environment_site_energy_ev;
      if (!sp.environment_kra_ev.empty()) env["kra_per_neighbour_ev"] = sp.environment_kra_ev;
      if (!sp.environment_saddle_kra_ev.empty())
        env["kra_per_saddle_neighbour_ev"] = sp.environment_saddle_kra_ev;
      s["environment"] = env;
    }
    s["provenance"] = text_or_json(sp.provenance);
    out["species"].push_back(s);
  }
  if (!t.charge_model.empty()) {
    nlohmann::json cm = {{"band_gap_ev", t.charge_model.band_gap_ev},
                         {"transitions", nlohmann::json::array()}};
    for (const auto& tr : t.charge_model.transitions)
      cm["transitions"].push_back({{"from", tr.from},
                                   {"to", tr.to},
                                   {"level_ev", tr.level_ev},
                                   {"capture_rate_hz", tr.capture_rate_hz},
                                   {"provenance", text_or_json(tr.provenance)}});
    out["charge_model"] = cm;
  }
  return out;
}

}  // namespace ionhop::io
