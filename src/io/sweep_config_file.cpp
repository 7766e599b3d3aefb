#include "ionhop/io/sweep_config_file.hpp"

#include <cmath>
#include <filesystem>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/compiled_rates.hpp"

namespace ionhop::io {

namespace fs = std::filesystem;

std::string file_sha256(const std::string& path) { return core::sha256_hex(read_text_file(path)); }

namespace {
std::string resolve(const std::string& config_path, const std::string& relative) {
  const fs::path p(relative);
  if (p.is_absolute()) return p.string();
  return (fs::path(config_path).parent_path() / p).lexically_normal().string();
}

std::size_t sublattice_sites(const lattice::Crystal& c, const std::string& sub,
                             const std::array<int, 3>& cell) {
  std::size_t per_cell = 0;
  for (const auto& b : c.basis) per_cell += b.sublattice == sub;
  return per_cell * static_cast<std::size_t>(cell[0]) * cell[1] * cell[2];
}
}  // namespace

sweep::SweepConfig load_sweep_config(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "lattice", "rates", "species", "temperatures_k",
                       "supercells", "defects_per_supercell", "compositions", "z_profile",
                       "interfaces_z_fraction", "fields_v_per_cm", "fermi_levels_ev", "replicas",
                       "stop", "blocks", "seed", "md_reference", "report_temperature_k"});
  if (root.at("schema").string() != "ionhop.sweep/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.sweep/1\")");

  sweep::SweepConfig c;
  c.inputs.push_back({"config", path, file_sha256(path)});
  // A file named by a config entry, relative to the config; one-line error if absent.
  auto existing_file = [&](const JsonInput& entry) {
    const std::string p = resolve(path, entry.string());
    if (!fs::is_regular_file(p)) entry.fail("no such file: " + p);
    return p;
  };
  auto referenced_file = [&](const char* key) { return existing_file(root.at(key)); };
  const std::string lattice_path = referenced_file("lattice");
  c.crystal = load_crystal(lattice_path);
  c.inputs.push_back({"lattice", lattice_path, file_sha256(lattice_path)});
  // "rates": one table, or a list whose species are combined (e.g. one table per charge
  // state, as fit-barriers writes them).
  const JsonInput rates_entry = root.at("rates");
  std::vector<JsonInput> rate_entries;
  if (rates_entry.raw().is_array())
    rate_entries = rates_entry.array(1);
  else
    rate_entries.push_back(rates_entry);
  std::string rates_path;  // the file(s), for messages
  for (const auto& entry : rate_entries) {
    const std::string p = existing_file(entry);
    rates::RateTable table = load_rate_table(p);
    try {
      rates::check_against_crystal(table, c.crystal);
    } catch (const InputError& e) {
      throw InputError(p, e.json_path(), e.problem());
    }
    c.inputs.push_back({"rates", p, file_sha256(p)});
    if (rates_path.empty()) {
      c.rate_table = std::move(table);
    } else if (const std::string problem = rates::merge_species_into(c.rate_table, table);
               !problem.empty()) {
      entry.fail(p + ": " + problem);
    }
    rates_path += (rates_path.empty() ? "" : ", ") + p;
  }

  if (auto s = root.find("species")) {
    for (const auto& name : s->array(1)) {
      const std::string n = name.string();
      if (!c.rate_table.species_index(n))
        name.fail("unknown species '" + n + "' (not in " + rates_path + ")");
      c.species.push_back(n);
    }
  } else {
    for (const auto& sp : c.rate_table.species) c.species.push_back(sp.name);
  }
  for (const auto& t : root.at("temperatures_k").array(1)) c.temperatures_k.push_back(t.positive());
  for (const auto& cell : root.at("supercells").array(1)) {
    const auto n = cell.array();
    if (n.size() != 3) cell.fail("must be [n1, n2, n3]");
    std::array<int, 3> sc{};
    for (int i = 0; i < 3; ++i) sc[i] = static_cast<int>(n[i].integer_at_least(1));
    c.supercells.push_back(sc);
  }
  if (auto d = root.find("defects_per_supercell")) {
    for (const auto& n : d->array(1)) c.defect_counts.push_back(n.integer_at_least(1));
  } else {
    c.defect_counts = {1};
  }
  if (auto comps = root.find("compositions")) {
    // [{"X": {"I": 0.5, "Br": 0.5}}, ...]: one random alloy per entry (a grid dimension).
    c.compositions.clear();
    for (const auto& entry : comps->array(1)) {
      if (!entry.raw().is_object() || entry.raw().empty())
        entry.fail(
            "a composition must be an object {\"SUBLATTICE\": {\"OCCUPANT\": fraction, ...}}");
      std::vector<kmc::SublatticeComposition> composition;
      for (const auto& [sub, _] : entry.raw().items()) {
        const JsonInput fractions = entry.at(sub.c_str());
        if (!c.crystal.has_sublattice(sub))
          fractions.fail("unknown sublattice '" + sub + "' (lattice '" + c.crystal.name + "')");
        if (!fractions.raw().is_object() || fractions.raw().empty())
          fractions.fail(
              "must be an object mapping occupants to fractions, e.g. {\"I\": 0.5, \"Br\": 0.5}");
        kmc::SublatticeComposition sc;
        sc.sublattice = sub;
        if (fractions.has("layers")) {
          // {"layers": [{"cells": 8, "occupant": "I"}, ...], "interfaces": ["I", "Br"]}
          fractions.require_object({"layers", "interfaces"});
          for (const auto& layer : fractions.at("layers").array(1)) {
            layer.require_object({"cells", "occupant"});
            sc.layers.push_back({static_cast<int>(layer.at("cells").integer_at_least(1)),
                                 layer.at("occupant").string()});
          }
          if (auto itf = fractions.find("interfaces")) {
            const auto list = itf->array();
            if (list.size() != sc.layers.size())
              itf->fail("give one interface-plane occupant per layer (" +
                        std::to_string(sc.layers.size()) + "), got " + std::to_string(list.size()));
            for (const auto& o : list) sc.interface_occupants.push_back(o.string());
          }
          composition.push_back(sc);
          continue;
        }
        double total = 0;
        for (const auto& [occupant, __] : fractions.raw().items()) {
          const double f = fractions.at(occupant.c_str()).non_negative();
          if (f > 1) fractions.at(occupant.c_str()).fail("a fraction must lie in [0, 1]");
          sc.fractions.emplace_back(occupant, f);
          total += f;
        }
        if (std::abs(total - 1.0) > 1e-6)
          fractions.fail("fractions must add up to 1 (got " + std::to_string(total) + ")");
        composition.push_back(sc);
      }
      c.compositions.push_back(composition);
    }
  }
  if (auto f = root.find("fields_v_per_cm")) {
    c.fields_v_per_cm.clear();
    for (const auto& e : f->array(1)) {
      const auto xyz = e.array();
      if (xyz.size() != 3)
        e.fail("a field must be a vector [Ex, Ey, Ez] in V/cm (got " + std::to_string(xyz.size()) +
               " components)");
      c.fields_v_per_cm.push_back({xyz[0].number(), xyz[1].number(), xyz[2].number()});
    }
  }
  if (auto f = root.find("fermi_levels_ev")) {
    if (c.rate_table.charge_model.empty())
      f->fail("the rate table " + rates_path +
              " has no charge_model, so a Fermi level has no effect");
    c.fermi_levels_ev.clear();
    const double gap = c.rate_table.charge_model.band_gap_ev;
    for (const auto& e : f->array(1)) {
      const double ef = e.number();
      if (ef < 0 || ef > gap)
        e.fail("Fermi level must lie in the band gap [0, " + std::to_string(gap) + "] eV (got " +
               std::to_string(ef) + ")");
      c.fermi_levels_ev.push_back(ef);
    }
  }
  c.replicas = root.at("replicas").integer_at_least(1);
  const JsonInput stop = root.at("stop");
  stop.require_object({"hops", "time_s"});
  if (auto h = stop.find("hops")) c.stop.max_hops = h->integer_at_least(1);
  if (auto t = stop.find("time_s")) c.stop.max_time_s = t->positive();
  if (!c.stop.bounded()) stop.fail("give hops, time_s or both");
  if (auto b = root.find("blocks")) c.blocks = b->integer_at_least(1);
  if (auto z = root.find("z_profile")) c.z_profile = z->boolean();
  if (auto in = root.find("interfaces_z_fraction"))
    for (const JsonInput& f : in->array(1)) {
      const double v = f.number();
      if (v < 0 || v >= 1) f.fail("must be a fraction of the supercell along a3 in [0, 1)");
      c.interfaces_z_fraction.push_back(v);
    }
  if (auto s = root.find("seed")) c.seed = s->seed();
  if (auto r = root.find("report_temperature_k")) c.report_temperature_k = r->positive();
  if (auto m = root.find("md_reference")) {
    const std::string md_path = referenced_file("md_reference");
    c.md_reference = load_md_reference(md_path);
    c.inputs.push_back({"md_reference", md_path, file_sha256(md_path)});
  }
  validate_sweep_config(c, path);
  return c;
}

void validate_sweep_config(const sweep::SweepConfig& c, const std::string& file) {
  if (c.replicas == 0) throw InputError(file, "/replicas", "must be an integer >= 1 (got 0)");
  if (c.stop.max_hops > 0 && c.blocks > c.stop.max_hops)
    throw InputError(file, "/blocks",
                     "must not exceed stop/hops (" + std::to_string(c.stop.max_hops) + ")");
  for (std::size_t i = 0; i < c.supercells.size(); ++i) {
    for (std::size_t k = 0; k < c.compositions.size(); ++k)
      for (const auto& sc : c.compositions[k]) {
        if (sc.layers.empty()) continue;
        int cells = 0;
        for (const auto& l : sc.layers) cells += l.cells;
        if (cells != c.supercells[i][2])
          throw InputError(
              file, "/compositions/" + std::to_string(k) + "/" + sc.sublattice + "/layers",
              "layers add up to " + std::to_string(cells) + " cells along a3, but supercell " +
                  std::to_string(i) + " has " + std::to_string(c.supercells[i][2]));
      }
    try {
      lattice::check_supercell_fits(c.crystal, c.supercells[i]);
    } catch (const InputError& e) {
      throw InputError(file, "/supercells/" + std::to_string(i), e.problem());
    }
    for (const auto& name : c.species) {
      const auto& sp = c.rate_table.species[*c.rate_table.species_index(name)];
      const std::size_t sites = sublattice_sites(c.crystal, sp.sublattice, c.supercells[i]);
      for (std::size_t j = 0; j < c.defect_counts.size(); ++j)
        if (c.defect_counts[j] > sites)
          throw InputError(file, "/defects_per_supercell/" + std::to_string(j),
                           std::to_string(c.defect_counts[j]) + " " + name +
                               " defects do not fit on the " + std::to_string(sites) + " '" +
                               sp.sublattice + "' sites of supercell " + std::to_string(i));
    }
  }
}

}  // namespace ionhop::io
