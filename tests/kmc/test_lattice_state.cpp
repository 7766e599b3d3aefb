// Initial and final lattice states (kmc::LatticeState, io "ionhop.state/1" files):
// * round trip engine → file → engine is exact (occupants, defect sites and species),
//   including a random alloy after many vacancy hops, and the continuation has the very
//   rates the first run ended with (environment model: rates depend on every ion);
// * a state puts its defects and ions exactly where it says, and the rates see those ions
//   (a vacancy among Br hops at the Br rate);
// * bad states and bad files give one precise InputError.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/lattice_state_file.hpp"

using namespace ionhop;

namespace {
namespace fs = std::filesystem;

const std::string kLattice = "lattices/cspbi3_cubic.json";

// Vacancy rates that depend on the moving ion and on the Br/I around the vacancy.
rates::RateTable environment_table() {
  auto t = test::single_species_table("V_X^+", rates::Mechanism::vacancy, "X", "X-X", 0.12, 1e12);
  t.species[0].hops[0].moving_species = "I";
  t.species[0].hops.push_back({"X-X", 0.15, 1e12, "synthetic (test)", "Br"});
  t.species[0].environment_shell = "X-X";
  t.species[0].environment_site_energy_ev = {{"Br", 0.03}};
  t.species[0].environment_kra_ev = {{"Br", 0.02}, {"I", 0.01}};
  return t;
}

rates::RateTable plain_table() {
  return test::single_species_table("V_X^+", rates::Mechanism::vacancy, "X", "X-X", 0.2, 1e12);
}

// A scratch directory, removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    path = fs::temp_directory_path() /
           ("ionhop_state_test_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// The lattice's default occupants, with vacancies at `vacancies` (species 0).
kmc::LatticeState pure_state(const lattice::SiteGraph& graph,
                             const std::vector<lattice::SiteIndex>& vacancies) {
  kmc::LatticeState st;
  for (lattice::SiteIndex s = 0; s < graph.site_count(); ++s)
    st.occupants.push_back(graph.crystal().basis[graph.basis_of(s)].occupant);
  for (auto v : vacancies) {
    st.occupants[v].clear();
    st.defects.emplace_back(v, 0);
  }
  return st;
}

std::size_t count_of(const kmc::LatticeState& st, const std::string& name) {
  return static_cast<std::size_t>(std::count(st.occupants.begin(), st.occupants.end(), name));
}

// Writes `j` to a file and returns the InputError message of loading it.
std::string load_error(const ScratchDir& dir, const nlohmann::json& j,
                       const lattice::SiteGraph& graph, const rates::RateTable& table) {
  const std::string path = dir.file("bad.json");
  std::ofstream(path) << j.dump(1);
  return test::input_error_of([&] { io::load_lattice_state(path, graph, table); });
}
}  // namespace

TEST_CASE("an alloy's state round-trips exactly through engine, file and engine", "[kmc][state]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path(kLattice)), {4, 4, 4});
  const auto table = environment_table();
  kmc::RunSettings s;
  s.defects = {{0, 6}};
  s.stop.max_hops = 20000;
  s.composition = {{"X", {{"I", 0.6}, {"Br", 0.4}}, {}, {}}};
  kmc::Engine engine(graph, table, s, core::RandomStream(5, 0));
  const kmc::LatticeState start = engine.state();
  const auto run = engine.run();
  REQUIRE(run.hops == 20000);
  const kmc::LatticeState end = engine.state();

  // The configuration evolved, the composition did not.
  CHECK(end != start);
  std::size_t moved_ions = 0;
  for (std::size_t i = 0; i < end.occupants.size(); ++i)
    moved_ions += end.occupants[i] != start.occupants[i];
  CHECK(moved_ions > 20);
  CHECK(count_of(end, "Br") == count_of(start, "Br"));
  CHECK(count_of(end, "I") == count_of(start, "I"));
  CHECK(count_of(end, "") == 6);
  CHECK(count_of(end, "Cs") == 64);
  CHECK(count_of(end, "Pb") == 64);
  for (std::size_t d = 0; d < engine.defect_count(); ++d) {
    CHECK(end.defects[d].first == engine.defect_site(d));
    CHECK(end.defects[d].second == 0);
  }

  // File round trip.
  ScratchDir dir;
  io::LatticeStateFile file;
  file.lattice = graph.crystal().name;
  file.supercell = graph.supercell();
  file.state = end;
  file.time_s = run.time_s;
  file.hops = run.hops;
  file.provenance = "test";
  io::write_lattice_state(dir.file("end.json"), file, table);
  const auto back = io::load_lattice_state(dir.file("end.json"), graph, table);
  CHECK(back.state == end);
  CHECK(back.lattice == file.lattice);
  CHECK(back.supercell == file.supercell);
  CHECK(back.time_s == file.time_s);
  CHECK(back.hops == file.hops);
  CHECK(back.provenance == "test");

  // Continuation: an engine from the state is in the same configuration, with the same
  // rates (they depend on every ion around each vacancy). No composition or count given.
  kmc::RunSettings c;
  c.stop.max_hops = 5000;
  c.initial_state = back.state;
  kmc::Engine next(graph, table, c, core::RandomStream(5, 1));
  CHECK(next.state() == end);
  CHECK(next.total_rate_hz() == Approx(engine.total_rate_hz()).epsilon(1e-12));
  for (lattice::SiteIndex site = 0; site < graph.site_count(); ++site) {
    const int a = engine.host_occupant_at(site), b = next.host_occupant_at(site);
    REQUIRE((a < 0) == (b < 0));
    if (a >= 0) CHECK(engine.host_occupant_names()[a] == next.host_occupant_names()[b]);
  }
  // ... and runs on from it, still a valid state with the same composition.
  next.run();
  const auto later = next.state();
  CHECK(later != end);
  CHECK(!kmc::find_lattice_state_problem(graph, table, later));
  CHECK(count_of(later, "Br") == count_of(start, "Br"));

  // Consistent `defects` alongside the state are accepted.
  c.defects = {{0, 6}};
  CHECK(kmc::Engine(graph, table, c, core::RandomStream(5, 2)).state() == end);
}

TEST_CASE("a state without tracked ions round-trips too", "[kmc][state]") {
  // Plain vacancy rates, host ions not tracked: state() reports the lattice's occupants
  // and "" on the vacancies.
  const lattice::SiteGraph graph(io::load_crystal(test::source_path(kLattice)), {3, 3, 3});
  const auto table = plain_table();
  kmc::RunSettings s;
  s.defects = {{0, 3}};
  s.track_host_ions = false;
  s.stop.max_hops = 500;
  kmc::Engine engine(graph, table, s, core::RandomStream(9, 0));
  engine.run();
  const auto end = engine.state();
  CHECK(count_of(end, "") == 3);
  CHECK(count_of(end, "I") == 3 * 27 - 3);
  for (const auto& [site, species] : end.defects) CHECK(end.occupants[site].empty());
  kmc::RunSettings c = s;
  c.defects.clear();
  c.initial_state = end;
  CHECK(kmc::Engine(graph, table, c, core::RandomStream(9, 1)).state() == end);
}

TEST_CASE("a state puts defects and ions where it says, and the rates see the ions",
          "[kmc][state][physics]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path(kLattice)), {4, 4, 4});
  // Ion-dependent rates: Γ_I and Γ_Br differ by exp(0.1 eV / kT).
  auto table =
      test::single_species_table("V_X^+", rates::Mechanism::vacancy, "X", "X-X", 0.20, 1e12);
  table.species[0].hops[0].moving_species = "I";
  table.species[0].hops.push_back({"X-X", 0.30, 1e12, "synthetic (test)", "Br"});
  const double kt = units::thermal_energy_ev(300);
  const double gamma_i = 1e12 * std::exp(-0.20 / kt), gamma_br = 1e12 * std::exp(-0.30 / kt);

  const auto x_sites = graph.sites_of_sublattice("X");
  const lattice::SiteIndex v = x_sites[17], w = x_sites[141];
  kmc::LatticeState st = pure_state(graph, {v, w});
  // Br on the 8 neighbours of v: v hops at Γ_Br, w (far away, among I) at Γ_I.
  for (auto t : graph.hop_targets(v)) st.occupants[t] = "Br";
  for (auto t : graph.hop_targets(w)) REQUIRE(st.occupants[t] == "I");
  kmc::RunSettings s;
  s.initial_state = st;
  kmc::Engine engine(graph, table, s, core::RandomStream(1, 0));
  REQUIRE(engine.defect_count() == 2);
  CHECK(engine.defect_site(0) == v);
  CHECK(engine.defect_site(1) == w);
  CHECK(engine.host_occupant_at(v) < 0);
  CHECK(engine.host_occupant_at(w) < 0);
  CHECK(engine.host_occupant_names()[engine.host_occupant_at(graph.hop_targets(v)[0])] == "Br");
  CHECK(engine.total_rate_hz() == Approx(8 * gamma_br + 8 * gamma_i).epsilon(1e-12));
  CHECK(engine.state() == st);
}

TEST_CASE("bad initial states are rejected with a precise problem", "[kmc][state]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path(kLattice)), {3, 3, 3});
  const auto table = plain_table();
  const auto x = graph.sites_of_sublattice("X");
  const auto pb = graph.sites_of_sublattice("B");
  auto error = [&](const kmc::LatticeState& st, std::vector<kmc::DefectPlacement> defects = {}) {
    kmc::RunSettings s;
    s.defects = std::move(defects);
    s.initial_state = st;
    return test::input_error_of([&] { kmc::Engine(graph, table, s, core::RandomStream(1, 0)); });
  };
  const auto good = pure_state(graph, {x[0], x[5]});
  CHECK(error(good) == "(no error)");

  auto st = good;
  st.occupants.pop_back();
  CHECK_THAT(error(st),
             Catch::Contains("initial state: has 134 occupants") && Catch::Contains("135 sites"));
  st = good;
  st.defects.emplace_back(135, 0);
  CHECK_THAT(error(st), Catch::Contains("defect 2: site 135 is out of range"));
  st = good;
  st.defects.emplace_back(pb[0], 0);
  st.occupants[pb[0]].clear();
  CHECK_THAT(error(st), Catch::Contains("is on sublattice 'B', but V_X^+ lives on sublattice 'X'"));
  st = good;
  st.defects.emplace_back(x[5], 0);
  CHECK_THAT(error(st),
             Catch::Contains("defect 2: site " + std::to_string(x[5]) + " already holds defect 1"));
  st = good;
  st.occupants[x[0]] = "I";
  CHECK_THAT(error(st), Catch::Contains("(V_X^+, a vacancy): site " + std::to_string(x[0]) +
                                        " holds an ion ('I')"));
  st = good;
  st.defects[1].second = 3;
  CHECK_THAT(error(st), Catch::Contains("defect 1: unknown species index 3"));
  st = good;
  st.occupants[x[7]].clear();
  CHECK_THAT(error(st), Catch::Contains("site " + std::to_string(x[7]) +
                                        " (sublattice 'X', which hosts vacancies) holds neither "
                                        "an ion nor a vacancy"));
  CHECK_THAT(error(good, {{0, 3}}),
             Catch::Contains("initial state has 2 V_X^+ defects, but 3 were asked for"));
  CHECK(error(good, {{0, 2}}) == "(no error)");
}

TEST_CASE("bad state files are rejected with file, JSON path and problem", "[io][state]") {
  const lattice::SiteGraph graph(io::load_crystal(test::source_path(kLattice)), {2, 2, 2});
  const auto table = plain_table();
  ScratchDir dir;
  const auto x = graph.sites_of_sublattice("X");
  io::LatticeStateFile f;
  f.lattice = graph.crystal().name;
  f.supercell = graph.supercell();
  f.state = pure_state(graph, {x[1], x[4]});
  const auto good = nlohmann::json::parse(io::lattice_state_json(f, table));
  CHECK(good["occupants"].get<std::string>().size() == 40);
  CHECK(good["occupant_legend"] == nlohmann::json({"Pb", "Cs", "I"}));
  CHECK(load_error(dir, good, graph, table) == "(no error)");
  const std::string file = dir.file("bad.json");

  auto j = good;
  j["schema"] = "ionhop.state/2";
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains(file + ": /schema: unsupported schema"));
  j = good;
  j["lattice"] = "CsPbBr3 cubic";
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/lattice: lattice 'CsPbBr3 cubic' is not the run's"));
  j = good;
  j["supercell"] = {3, 2, 2};
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/supercell: supercell 3x2x2 does not match the run's supercell "
                             "2x2x2"));
  j = good;
  j["occupants"] = good["occupants"].get<std::string>() + "c";
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/occupants: has 41 characters, but the supercell has 40 sites"));
  j = good;
  auto occ = good["occupants"].get<std::string>();
  occ[7] = 'd';
  j["occupants"] = occ;
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/occupants: character 'd' for site 7 is neither '.' nor a legend "
                             "letter (a..c)"));
  j = good;
  j["defects"][1]["species"] = "V_Y";
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/defects/1/species: unknown species 'V_Y'"));
  j = good;
  j["defects"][1]["site"] = j["defects"][0]["site"];
  CHECK_THAT(
      load_error(dir, j, graph, table),
      Catch::Contains("/defects/1/site: site " + std::to_string(x[1]) + " already holds defect 0"));
  j = good;
  j["defects"][0]["site"] = 40;
  CHECK_THAT(load_error(dir, j, graph, table), Catch::Contains("/defects/0/site: site 40 is out "
                                                               "of range"));
  j = good;
  j["defects"][0]["site"] = 0;  // a Pb site
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/defects/0: defect 0 (V_X^+): site 0 is on sublattice 'B'"));
  j = good;
  j["defects"].erase(0);  // its site keeps no ion: a hole
  CHECK_THAT(load_error(dir, j, graph, table),
             Catch::Contains("/occupants: site " + std::to_string(x[1]) + " (sublattice 'X'"));
  j = good;
  j["extra"] = 1;
  CHECK_THAT(load_error(dir, j, graph, table), Catch::Contains("/extra: unknown key"));
}
