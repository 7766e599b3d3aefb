// Halide interstitials of either species on a mixed X sublattice, and kick-out hops that
// change which atom is the interstitial (rates::HopMechanism, DefectSpecies::element).
// * Uniform limit: I_i and Br_i with equal direct rates in a 50/50 host give D = zΓd²/6.
// * Pure host, kick-out only: the defect moves like a direct hop (D = zΓd²/6) while the
//   atoms it kicks out carry the tracer displacement (exact expectation derived below).
// * Detailed balance with identity changes: the time as Br_i matches the count of labelled
//   configurations weighted by exp(−E/k_BT).
// * Atoms are conserved (host + interstitial, per element) by every kind of hop.
// * Bad inputs give one-line errors naming the JSON path.
// Tolerances: 4 standard errors over independent replicas.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>

#include "../test_support.hpp"
#include "ionhop/core/units.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/rates/compiled_rates.hpp"

using namespace ionhop;

namespace {
const double kD = 6.29 / std::sqrt(2.0);  // X–X hop length of cubic CsPbI3 (Å)
const int kZ = 8;                         // X neighbours of an X site
const double kNu = 1e12, kTemperature = 300;

double gamma_hz(double barrier_ev) {
  return kNu * std::exp(-barrier_ev / units::thermal_energy_ev(kTemperature));
}

rates::DefectSpecies interstitial(const std::string& name, const std::string& element) {
  rates::DefectSpecies sp;
  sp.name = name;
  sp.mechanism = rates::Mechanism::interstitial;
  sp.charge = -1;
  sp.sublattice = "X";
  sp.element = element;
  sp.provenance = "synthetic (test)";
  return sp;
}

rates::HopRate hop(double barrier_ev, rates::HopMechanism mechanism,
                   const std::string& moving = "") {
  rates::HopRate h{"X-X", barrier_ev, kNu, "synthetic (test)", moving};
  h.mechanism = mechanism;
  return h;
}

// I_i^- (species 0) and Br_i^- (species 1).
rates::RateTable halide_table(std::vector<rates::HopRate> i_hops,
                              std::vector<rates::HopRate> br_hops) {
  rates::RateTable t;
  t.name = "halide interstitials (test)";
  t.provenance = "synthetic (test)";
  t.species = {interstitial("I_i^-", "I"), interstitial("Br_i^-", "Br")};
  t.species[0].hops = std::move(i_hops);
  t.species[1].hops = std::move(br_hops);
  return t;
}

kmc::RunSettings settings(std::vector<kmc::DefectPlacement> defects, double fraction_i,
                          std::uint64_t hops) {
  kmc::RunSettings s;
  s.temperature_k = kTemperature;
  s.defects = std::move(defects);
  s.stop.max_hops = hops;
  s.blocks = 100;
  if (fraction_i < 1.0)
    s.composition = {{"X", {{"I", fraction_i}, {"Br", 1.0 - fraction_i}}, {}, {}}};
  return s;
}

lattice::SiteGraph cubic_graph(int n) {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {n, n, n});
}

const kmc::ReplicaObservables::HostTracer& host(const kmc::ReplicaObservables& o,
                                                const std::string& ion) {
  for (const auto& h : o.hosts)
    if (h.occupant == ion) return h;
  FAIL("no host tally for " << ion);
  return o.hosts.front();
}

// Atoms of each element: host ions on the sites plus the atoms the interstitials carry.
std::map<std::string, int> atom_counts(const kmc::LatticeState& state,
                                       const rates::RateTable& table) {
  std::map<std::string, int> n;
  for (const auto& o : state.occupants)
    if (o == "I" || o == "Br") ++n[o];
  for (const auto& [site, species] : state.defects) ++n[table.species[species].element];
  return n;
}
}  // namespace

TEST_CASE("kick-out: uniform limit, I_i and Br_i with equal direct rates in a 50/50 host",
          "[kmc][physics][kickout]") {
  const auto graph = cubic_graph(6);
  const double barrier = 0.2;
  const auto table = halide_table({hop(barrier, rates::HopMechanism::direct)},
                                  {hop(barrier, rates::HopMechanism::direct)});
  const double exact = kZ * gamma_hz(barrier) * kD * kD / 6;
  for (std::size_t s : {0, 1}) {
    const auto runs = test::run_replicas(graph, table, settings({{s, 1}}, 0.5, 40000), 16, 41 + s);
    const auto d = test::estimate_over(runs, [&](const kmc::RunResult& r) {
      return kmc::replica_observables(r, s, true).diffusion_angstrom2_s;
    });
    INFO(table.species[s].name << ": D = " << d.value << " ± " << d.error
                               << ", zGd^2/6 = " << exact);
    CHECK(d.error < 0.05 * exact);
    CHECK(test::within_standard_errors(d, exact));
    // Direct hops move only the interstitial's own atom, one jump per hop; no identity change.
    for (const auto& r : runs) {
      std::uint64_t jumps = 0;
      for (const auto& h : r.hosts) jumps += h.jumps;
      CHECK(jumps == r.hops);
      CHECK(r.species[s].state_time_s.empty());  // nothing can change species
    }
  }
}

TEST_CASE("kick-out: in a pure host the defect moves like a direct hop, atoms carry the tracer",
          "[kmc][physics][kickout]") {
  // All I, one I_i kicking out I along X-X with entry rate Γ. Each kick-out moves the defect
  // to a neighbour: the two variants (target's or own site's host kicked out) at Γ/2 each,
  // so the defect walks at zΓ with uncorrelated hops: D = zΓd²/6.
  // Tracer: every kick-out moves exactly one atom by the hop vector u (the interstitial atom
  // into the target's lattice site, or the own site's host onto the target). The moved atom
  // sits at the defect's new site; whichever atom moves next, the direction of u is drawn
  // uniformly from the z neighbours independently of the past, so E[u | history] = 0 and
  // E[Σ_atoms |R|²] grows by d² per event exactly: Σ|R|² = zΓ t d², i.e. the tracer D per
  // atom is D* = zΓd²/(6 N_atoms), N_atoms = N_X + 1, and the correlation factor
  // f = Σ|R|² / Σ jumps d² = 1. (A vacancy in the same lattice has f = 0.69.)
  const int n = 4;
  const auto graph = cubic_graph(n);
  const double barrier = 0.2;
  const auto table = halide_table({hop(barrier, rates::HopMechanism::kickout)}, {});
  auto s = settings({{0, 1}}, 1.0, 50000);
  const auto runs = test::run_replicas(graph, table, s, 16, 42);
  const double defect_d = kZ * gamma_hz(barrier) * kD * kD / 6;
  const auto d = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return kmc::replica_observables(r, 0, true).diffusion_angstrom2_s;
  });
  INFO("defect D = " << d.value << " ± " << d.error << ", zGd^2/6 = " << defect_d);
  CHECK(d.error < 0.05 * defect_d);
  CHECK(test::within_standard_errors(d, defect_d));

  const int atoms = 3 * n * n * n + 1;
  const auto tracer = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return host(kmc::replica_observables(r, 0, true), "I").tracer_diffusion_angstrom2_s;
  });
  const auto f = test::estimate_over(runs, [](const kmc::RunResult& r) {
    return host(kmc::replica_observables(r, 0, true), "I").correlation_factor;
  });
  INFO("tracer D* = " << tracer.value << " ± " << tracer.error << ", zGd^2/(6 N_atoms) = "
                      << defect_d / atoms << "; f = " << f.value << " ± " << f.error);
  CHECK(host(kmc::replica_observables(runs.front(), 0, true), "I").ions ==
        static_cast<std::size_t>(atoms));
  CHECK(tracer.error < 0.05 * tracer.value);
  CHECK(test::within_standard_errors(tracer, defect_d / atoms));
  CHECK(test::within_standard_errors(f, 1.0));
  CHECK(f.error < 0.03);
}

TEST_CASE("kick-out: detailed balance with identity changes (time as Br_i)",
          "[kmc][physics][kickout]") {
  // One interstitial in a host of N X sites; kick-out only, E(I_i) = 0, E(Br_i) = ΔE on every
  // site. Kick-outs conserve the atoms of each element, A_I (host + interstitial) and A_Br.
  // The states are labelled configurations: the defect's site, which element is the
  // interstitial, and the host ions. With the interstitial an I atom there are
  // N·C(N, A_Br) of them, with a Br atom N·C(N, A_Br − 1); each has the Boltzmann weight of
  // its energy. So P(Br_i)/P(I_i) = w·C(N, A_Br − 1)/C(N, A_Br) = w·A_Br/(N − A_Br + 1)
  // = w·A_Br/A_I, w = exp(−ΔE/k_BT): P(Br_i) = A_Br w / (A_I + A_Br w).
  // Br_i lists no hops of its own: it kicks out through I_i's generic entry (both
  // directions of a kick-out share one entry).
  const auto graph = cubic_graph(3);
  const double delta_e = 0.025;
  auto table = halide_table({hop(0.2, rates::HopMechanism::kickout)}, {});
  for (const char* label : {"X1", "X2", "X3"}) table.species[1].site_energies_ev[label] = delta_e;
  const auto s = settings({{0, 1}}, 0.7, 100000);

  const int replicas = 16;
  std::vector<double> fraction;
  double expected = -1;
  for (int r = 0; r < replicas; ++r) {
    kmc::Engine engine(graph, table, s, core::RandomStream(43, r));
    const auto counts = atom_counts(engine.state(), table);
    const double w = std::exp(-delta_e / units::thermal_energy_ev(kTemperature));
    const double a_i = counts.at("I"), a_br = counts.at("Br");
    const double p = a_br * w / (a_i + a_br * w);
    if (expected < 0) expected = p;
    REQUIRE(p == expected);  // the same composition in every replica
    const auto run = engine.run();
    const auto o = kmc::replica_observables(run, 0, true);
    REQUIRE(o.state_fraction.size() == 2);
    CHECK(std::abs(o.state_fraction[0] + o.state_fraction[1] - 1.0) < 1e-9);
    fraction.push_back(o.state_fraction[1]);
  }
  const auto p = analysis::mean_with_standard_error(fraction);
  INFO("P(Br_i) = " << p.value << " ± " << p.error << ", exact " << expected);
  CHECK(p.error < 0.05 * expected);
  CHECK(test::within_standard_errors(p, expected));
}

TEST_CASE("kick-out: atoms of each element are conserved, hosts and species change",
          "[kmc][kickout]") {
  const auto graph = cubic_graph(5);
  // Both species hop directly and kick out (one kick-out entry per pair and shell: I_i's
  // generic entry, Br_i's for Br); site energies differ per basis site.
  auto table = halide_table(
      {hop(0.22, rates::HopMechanism::direct), hop(0.2, rates::HopMechanism::kickout)},
      {hop(0.25, rates::HopMechanism::direct), hop(0.18, rates::HopMechanism::kickout, "Br")});
  table.species[0].site_energies_ev = {{"X1", 0.02}};
  table.species[1].site_energies_ev = {{"X2", -0.01}, {"X3", 0.03}};
  auto s = settings({{0, 4}, {1, 3}}, 0.5, 20000);
  s.track_site_occupancy = true;
  kmc::Engine engine(graph, table, s, core::RandomStream(44, 0));
  const auto before = engine.state();
  const auto counts = atom_counts(before, table);
  const auto r = engine.run();
  const auto after = engine.state();
  CHECK(atom_counts(after, table) == counts);
  int changed = 0;
  for (std::size_t i = 0; i < before.occupants.size(); ++i)
    changed += before.occupants[i] != after.occupants[i];
  CHECK(changed > 0);  // kick-outs rearranged the host
  // Time as each species adds up to the run time per defect; both species were visited.
  for (std::size_t g : {0, 1}) {
    const auto& st = r.species[g].state_time_s;
    REQUIRE(st.size() == 2);
    CHECK(std::abs(st[0] + st[1] - r.species[g].defects * r.time_s) < 1e-9 * r.time_s);
    CHECK(st[0] > 0);
    CHECK(st[1] > 0);
  }
  // Host tallies count every atom: N_X host ions + 7 interstitial atoms.
  std::size_t atoms = 0;
  for (const auto& h : r.hosts) atoms += h.ions;
  CHECK(atoms == 3 * 125 + 7);
  // A new engine started from the final state continues from it (species included).
  kmc::RunSettings again = s;
  again.defects.clear();
  again.composition.clear();
  again.initial_state = after;
  kmc::Engine resumed(graph, table, again, core::RandomStream(44, 1));
  CHECK(resumed.state() == after);
}

TEST_CASE("kick-out: the rate-table file carries element and mechanism", "[kmc][kickout][io]") {
  auto table = halide_table(
      {hop(0.22, rates::HopMechanism::direct), hop(0.2, rates::HopMechanism::kickout, "Br")},
      {hop(0.25, rates::HopMechanism::direct)});
  const std::string path = "kickout_roundtrip_test_rates.json";
  std::ofstream(path) << io::rate_table_to_json(table).dump(2);
  const auto back = io::load_rate_table(path);
  std::remove(path.c_str());
  REQUIRE(back.species.size() == 2);
  CHECK(back.species[0].element == "I");
  CHECK(back.species[1].element == "Br");
  REQUIRE(back.species[0].hops.size() == 2);
  CHECK(back.species[0].hops[0].mechanism == rates::HopMechanism::direct);
  CHECK(back.species[0].hops[1].mechanism == rates::HopMechanism::kickout);
  CHECK(back.species[0].hops[1].moving_species == "Br");
}

TEST_CASE("kick-out: bad inputs give one-line errors", "[kmc][kickout][errors]") {
  auto load = [](const std::string& name) {
    return test::input_error_of(
        [&] { io::load_rate_table(test::data_path("bad/rates_kickout_" + name + ".json")); });
  };
  auto contains = [](const std::string& text, const std::string& part) {
    INFO(text);
    CHECK(text.find(part) != std::string::npos);
    CHECK(text.find('\n') == std::string::npos);
  };
  contains(load("no_species"), "/species/0/hops/1/moving_species: kick-out of 'Br' needs");
  contains(load("vacancy_mechanism"), "/species/1/hops/0/mechanism: applies to interstitial hops");
  contains(load("unknown_mechanism"),
           "/species/0/hops/0/mechanism: must be \"direct\" or \"kickout\"");
  contains(load("asymmetric"), "detailed balance");
  contains(load("asymmetric"), "/species/1/hops/0");

  const auto crystal = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const auto pb = io::load_rate_table(test::data_path("bad/rates_kickout_element_not_host.json"));
  contains(test::input_error_of([&] { rates::check_against_crystal(pb, crystal); }),
           "/species/0/element: 'Pb' is the ion of sublattice 'B'");

  // A generic kick-out of the lattice's own ion (I) by Br_i, with no I species.
  auto br_only = halide_table({}, {hop(0.2, rates::HopMechanism::kickout)});
  br_only.species.erase(br_only.species.begin());
  contains(test::input_error_of([&] { rates::check_against_crystal(br_only, crystal); }),
           "/species/0/hops/0: kick-out of the host ion 'I' needs");

  // Run level (the composition is known only there): a generic kick-out of Br by I_i in a
  // mixed host with no Br species ...
  const auto graph = cubic_graph(3);
  auto i_only = halide_table({hop(0.2, rates::HopMechanism::kickout)}, {});
  i_only.species.pop_back();
  contains(test::input_error_of([&] {
             kmc::Engine(graph, i_only, settings({{0, 1}}, 0.5, 10), core::RandomStream(1, 1));
           }),
           "may kick out the host ion 'Br'");
  // ... and an interstitial carrying an ion that is not a host of the run.
  const auto both = halide_table({hop(0.2, rates::HopMechanism::direct)},
                                 {hop(0.2, rates::HopMechanism::direct)});
  contains(test::input_error_of([&] {
             kmc::Engine(graph, both, settings({{1, 1}}, 1.0, 10), core::RandomStream(1, 1));
           }),
           "/species/1/element: 'Br_i^-' carries 'Br', which is not a host ion");
  // Naming Br in the composition (even at fraction 0) makes it an impurity that may be placed.
  auto impurity = settings({{1, 1}}, 1.0, 10);
  impurity.composition = {{"X", {{"I", 1.0}, {"Br", 0.0}}, {}, {}}};
  CHECK(test::input_error_of(
            [&] { kmc::Engine(graph, both, impurity, core::RandomStream(1, 1)); }) == "(no error)");
}

TEST_CASE("kick-out together with charge transitions keeps atoms and charge families",
          "[kmc][kickout]") {
  // I_i^-, Br_i^- (0, 1) and I_i^0, Br_i^0 (2, 3): kick-outs within each charge state,
  // capture/emission within each element. Slots: direct, two kick-out blocks, transitions.
  auto table =
      halide_table({hop(0.22, rates::HopMechanism::direct), hop(0.2, rates::HopMechanism::kickout)},
                   {hop(0.25, rates::HopMechanism::direct)});
  for (const auto& [name, element] : {std::pair{"I_i^0", "I"}, std::pair{"Br_i^0", "Br"}}) {
    auto sp = interstitial(name, element);
    sp.charge = 0;
    sp.hops = {hop(0.21, rates::HopMechanism::kickout)};
    table.species.push_back(sp);
  }
  table.charge_model.band_gap_ev = 1.7;
  table.charge_model.transitions = {{"I_i^-", "I_i^0", 0.6, 1e9, "synthetic (test)"},
                                    {"Br_i^-", "Br_i^0", 0.5, 1e9, "synthetic (test)"}};
  const auto graph = cubic_graph(4);
  auto s = settings({{0, 3}, {1, 2}}, 0.5, 30000);
  s.fermi_level_ev = 0.6;
  kmc::Engine engine(graph, table, s, core::RandomStream(45, 0));
  const auto before = engine.state();
  const auto r = engine.run();
  const auto after = engine.state();
  CHECK(atom_counts(after, table) == atom_counts(before, table));
  CHECK(r.species[0].transitions + r.species[1].transitions > 0);
  // Every species was visited by some defect; state times add up to the run time.
  for (std::size_t g : {0, 1}) {
    const auto& st = r.species[g].state_time_s;
    REQUIRE(st.size() == 4);
    CHECK(std::abs(st[0] + st[1] + st[2] + st[3] - r.species[g].defects * r.time_s) <
          1e-9 * r.time_s);
  }
  double visited[4] = {0, 0, 0, 0};
  for (std::size_t g : {0, 1})
    for (std::size_t k = 0; k < 4; ++k) visited[k] += r.species[g].state_time_s[k];
  for (double t : visited) CHECK(t > 0);
}

TEST_CASE("kick-out: a charge transition may not change the interstitial's element",
          "[kmc][kickout][errors]") {
  auto table = halide_table({hop(0.2, rates::HopMechanism::direct)},
                            {hop(0.2, rates::HopMechanism::direct)});
  auto neutral = interstitial("I_i^0", "");
  neutral.charge = 0;
  neutral.hops = {hop(0.2, rates::HopMechanism::direct)};
  table.species.push_back(neutral);
  table.charge_model.band_gap_ev = 1.7;
  table.charge_model.transitions = {{"I_i^-", "I_i^0", 0.6, 1e9, "synthetic (test)"}};
  const auto message = test::input_error_of([&] { rates::check_kickout(table); });
  INFO(message);
  CHECK(message.find("/charge_model/transitions/0: a charge transition keeps the "
                     "interstitial's atom") != std::string::npos);
}
