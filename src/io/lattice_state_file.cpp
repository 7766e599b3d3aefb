// Reading and writing lattice state files (schema "ionhop.state/1").
#include "ionhop/io/lattice_state_file.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/lattice/site_graph.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::io {

namespace {
constexpr const char* kSchema = "ionhop.state/1";
constexpr std::size_t kMaxLegend = 26;  // 'a'..'z'

std::string cells(const std::array<int, 3>& c) {
  return std::to_string(c[0]) + "x" + std::to_string(c[1]) + "x" + std::to_string(c[2]);
}
}  // namespace

std::string lattice_state_json(const LatticeStateFile& file, const rates::RateTable& table) {
  std::vector<std::string> legend;
  std::string occupants(file.state.occupants.size(), '.');
  const std::string* last = nullptr;
  char last_char = '.';
  for (std::size_t s = 0; s < file.state.occupants.size(); ++s) {
    const std::string& o = file.state.occupants[s];
    if (o.empty()) continue;
    if (!last || *last != o) {
      auto it = std::find(legend.begin(), legend.end(), o);
      if (it == legend.end()) {
        if (legend.size() == kMaxLegend)
          throw InputError("", "",
                           "cannot write the state: more than " + std::to_string(kMaxLegend) +
                               " distinct occupants");
        it = legend.insert(legend.end(), o);
      }
      last = &o;
      last_char = static_cast<char>('a' + (it - legend.begin()));
    }
    occupants[s] = last_char;
  }
  nlohmann::ordered_json j;
  j["schema"] = kSchema;
  j["lattice"] = file.lattice;
  j["supercell"] = file.supercell;
  j["occupant_legend"] = legend;
  j["occupants"] = occupants;
  j["defects"] = nlohmann::ordered_json::array();
  for (const auto& [site, species] : file.state.defects) {
    if (species >= table.species.size())
      throw InputError("", "",
                       "cannot write the state: unknown species index " + std::to_string(species));
    nlohmann::ordered_json d;
    d["site"] = site;
    d["species"] = table.species[species].name;
    j["defects"].push_back(d);
  }
  j["time_s"] = file.time_s;
  j["hops"] = file.hops;
  j["provenance"] = file.provenance;
  return j.dump(2) + "\n";
}

void write_lattice_state(const std::string& path, const LatticeStateFile& file,
                         const rates::RateTable& table) {
  std::string text;
  try {
    text = lattice_state_json(file, table);
  } catch (const InputError& e) {
    throw InputError(path, e.json_path(), e.problem());
  }
  write_file_atomically(path, text);
}

LatticeStateFile load_lattice_state(const std::string& path, const lattice::SiteGraph& graph,
                                    const rates::RateTable& table) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "lattice", "supercell", "occupant_legend", "occupants", "defects",
                       "time_s", "hops", "provenance"});
  if (root.at("schema").string() != kSchema)
    root.at("schema").fail(std::string("unsupported schema (expected \"") + kSchema + "\")");
  LatticeStateFile out;
  out.lattice = root.at("lattice").string();
  if (out.lattice != graph.crystal().name)
    root.at("lattice").fail("lattice '" + out.lattice + "' is not the run's ('" +
                            graph.crystal().name + "')");
  const JsonInput sc = root.at("supercell");
  const auto n = sc.array();
  if (n.size() != 3) sc.fail("must be [n1, n2, n3] (got " + std::to_string(n.size()) + " values)");
  for (int i = 0; i < 3; ++i) {
    const auto v = n[i].integer_at_least(1);
    if (v > 1 << 20) n[i].fail("implausibly large");
    out.supercell[i] = static_cast<int>(v);
  }
  if (out.supercell != graph.supercell())
    sc.fail("supercell " + cells(out.supercell) + " does not match the run's supercell " +
            cells(graph.supercell()));

  const JsonInput legend_in = root.at("occupant_legend");
  std::vector<std::string> legend;
  for (const auto& l : legend_in.array()) {
    legend.push_back(l.string());
    if (std::count(legend.begin(), legend.end(), legend.back()) > 1)
      l.fail("duplicate occupant '" + legend.back() + "'");
  }
  if (legend.size() > kMaxLegend)
    legend_in.fail("more than " + std::to_string(kMaxLegend) + " occupants");

  const JsonInput occ_in = root.at("occupants");
  if (!occ_in.raw().is_string()) occ_in.fail("must be a string, one character per site");
  const std::string& occ = occ_in.raw().get_ref<const std::string&>();
  if (occ.size() != graph.site_count())
    occ_in.fail("has " + std::to_string(occ.size()) + " characters, but the supercell has " +
                std::to_string(graph.site_count()) + " sites (one character per site)");
  out.state.occupants.resize(occ.size());
  for (std::size_t s = 0; s < occ.size(); ++s) {
    const char c = occ[s];
    if (c == '.') continue;
    const auto i = static_cast<std::size_t>(static_cast<unsigned char>(c) - 'a');
    if (c < 'a' || c > 'z' || i >= legend.size()) {
      const std::string shown = (c >= 0x20 && c < 0x7f) ? std::string(1, c) : "\\x??";
      occ_in.fail("character '" + shown + "' for site " + std::to_string(s) +
                  " is neither '.' nor a legend letter" +
                  (legend.empty() ? std::string(" (the legend is empty)")
                                  : " (a.." + std::string(1, char('a' + legend.size() - 1)) + ")"));
    }
    out.state.occupants[s] = legend[i];
  }

  std::vector<std::int64_t> defect_on(graph.site_count(), -1);
  const auto defects = root.at("defects").array();
  for (std::size_t d = 0; d < defects.size(); ++d) {
    const JsonInput& in = defects[d];
    in.require_object({"site", "species"});
    const JsonInput site_in = in.at("site");
    const auto site = site_in.integer_at_least(0);
    if (static_cast<std::uint64_t>(site) >= graph.site_count())
      site_in.fail("site " + std::to_string(site) + " is out of range (the supercell has " +
                   std::to_string(graph.site_count()) + " sites)");
    if (defect_on[site] >= 0)
      site_in.fail("site " + std::to_string(site) + " already holds defect " +
                   std::to_string(defect_on[site]));
    defect_on[site] = static_cast<std::int64_t>(d);
    const JsonInput species_in = in.at("species");
    const std::string name = species_in.string();
    const auto species = table.species_index(name);
    if (!species) species_in.fail("unknown species '" + name + "' (not in the rate table)");
    out.state.defects.emplace_back(static_cast<lattice::SiteIndex>(site), *species);
  }
  if (auto t = root.find("time_s")) out.time_s = t->non_negative();
  if (auto h = root.find("hops")) out.hops = static_cast<std::uint64_t>(h->integer_at_least(0));
  if (auto p = root.find("provenance"))
    out.provenance = p->raw().is_string() ? p->raw().get<std::string>() : p->string_or_json();

  if (auto problem = kmc::find_lattice_state_problem(graph, table, out.state)) {
    if (problem->defect)
      throw InputError(path, "/defects/" + std::to_string(*problem->defect), problem->problem);
    throw InputError(path, problem->site ? "/occupants" : "", problem->problem);
  }
  return out;
}

}  // namespace ionhop::io
