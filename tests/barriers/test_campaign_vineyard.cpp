// Harmonic-TST attempt frequencies in barrier campaigns: run_sample with "vineyard" on the
// small pure-iodide 2×2×2 CsPbI3 hop (illustrative pair potential) against vineyard_prefactor
// recomputed on the sample's own NEB result; a saddle that fails the mode check keeps its
// barrier; the geometric-mean aggregation (barriers::vineyard_statistics) on synthetic
// samples; the campaign config's "vineyard" object and "attempt_frequency_hz": "vineyard"
// (io::resolve_attempt_frequencies), including the one-line error without any prefactor.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "../test_support.hpp"
#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/barriers/campaign.hpp"
#include "ionhop/io/barrier_campaign_file.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

using namespace ionhop;
namespace fs = std::filesystem;

namespace {
lattice::SiteGraph cspbi3_graph() {
  return lattice::SiteGraph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                            {2, 2, 2});
}

// The pure-iodide campaign of test_campaign.cpp (one occupation, a 3-image band: one sample
// plus its two Hessians of 39 atoms take well under a second in Release), with the endpoint
// tolerance of the CLI test campaign and a start whose saddle is first order.
barriers::CampaignSettings iodide_settings() {
  barriers::CampaignSettings s;
  s.defect_name = "V_I^+";
  s.species = {"I"};
  s.moving_species = {"I"};
  s.mode = barriers::SamplingMode::exhaustive;
  s.max_exhaustive = 16;
  // Rattle stream 1 relaxes into a true minimum and a first-order saddle (ν* ≈ 0.90 THz, no
  // near-zero modes). With this soft, tilt-unstable potential many other starts do not: of
  // seeds 1–10 at these tolerances, six give a minimum or saddle with extra unstable tilts.
  s.seed = 1;
  s.neb.images = 3;
  s.neb.max_steps = 1000;
  // Tighter than test_campaign.cpp's 0.02 eV/Å: at 0.02 the relaxed endpoint still has three
  // unstable tilt modes (−0.36 to −0.21 THz), i.e. it is not yet a minimum.
  s.neb.endpoint_relaxation.force_tolerance_ev_per_angstrom = 0.005;
  s.neb.endpoint_relaxation.max_steps = 3000;
  s.vineyard = true;
  return s;
}

const atomistic::PairPotential& illustrative_potential() {
  static const atomistic::PairPotential p = io::load_pair_potential(
      test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json"));
  return p;
}

barriers::BarrierSample synthetic(const std::string& moving, std::optional<double> nu_hz,
                                  bool converged = true, const std::string& defect = "V_I^+") {
  barriers::BarrierSample b;
  b.defect = defect;
  b.moving_species = moving;
  b.initial_counts = b.final_counts = {{"I", 8}};
  b.barrier_ev = 0.3;
  b.converged = converged;
  b.attempt_frequency_hz = nu_hz;
  return b;
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() /
          ("ionhop_test_" + std::to_string(::getpid()) + "_vineyard_" + name))
      .string();
}

// The CLI test campaign (tests/data/good/barriers/campaign_cspbi3_iodide.json) with absolute
// lattice and potential paths, `edit` applied, written to a temporary file.
std::string campaign_file(const std::string& name,
                          const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json c = nlohmann::json::parse(
      io::read_text_file(test::data_path("good/barriers/campaign_cspbi3_iodide.json")));
  c["lattice"] = test::source_path("lattices/cspbi3_cubic.json");
  c["potential"] = test::source_path("examples/potentials/cspbi3_buckingham_coulomb.json");
  edit(c);
  const std::string path = temp_path(name);
  std::ofstream(path) << c.dump(2);
  return path;
}
}  // namespace

TEST_CASE(
    "campaign vineyard: run_sample stores the prefactor of vineyard_prefactor on its own NEB "
    "result",
    "[barriers][campaign][vineyard]") {
  const auto graph = cspbi3_graph();
  const auto settings = iodide_settings();
  const auto plan = barriers::plan_campaign(graph, settings);
  REQUIRE(plan.occupations.size() == 1);
  const auto out = barriers::run_sample(graph, illustrative_potential(), settings, plan.environment,
                                        plan.occupations.front());
  const auto& s = out.sample;
  INFO("failure: " << out.failure << "; vineyard: " << s.vineyard_warning);
  REQUIRE(s.converged);
  REQUIRE(s.attempt_frequency_hz);
  REQUIRE(out.vineyard);
  CHECK(*s.attempt_frequency_hz > 0);
  CHECK(std::isfinite(*s.attempt_frequency_hz));
  REQUIRE(s.imaginary_frequency_thz);
  CHECK(*s.imaginary_frequency_thz > 0);
  CHECK(s.vineyard_warning == out.vineyard->warning);
  // The same minimum (relaxed initial endpoint) and saddle (climbing image): the Hessians are
  // deterministic whatever the thread count, so the recomputation agrees to rounding.
  REQUIRE(out.neb.climbing_image);
  const auto direct = atomistic::vineyard_prefactor(
      illustrative_potential(), out.neb.images.front(), out.neb.saddle, settings.harmonic);
  CHECK(*s.attempt_frequency_hz == Approx(direct.prefactor_thz * 1e12).epsilon(1e-12));
  CHECK(*s.imaginary_frequency_thz == Approx(direct.imaginary_frequency_thz).epsilon(1e-12));
  CHECK(direct.minimum.removed_zero_modes == 3);  // periodic cell, pair potential
  CHECK(direct.saddle.imaginary_modes == 1);
  // The barrier is the plain CI-NEB one, untouched by the prefactor step.
  CHECK(s.barrier_ev == Approx(out.neb.forward_barrier_ev).margin(1e-12));
  // The relaxed initial state's energy, for drop_metastable_starts.
  REQUIRE(s.initial_energy_ev);
  CHECK(*s.initial_energy_ev == out.neb.energies_ev.front());
  // The endpoints' separation: the largest atom move between them, the hopping iodide's. Its
  // relaxed sites lean towards the vacancy, so it is shorter than the ideal X-X hop
  // a/√2 = 4.45 Å, but a real hop is far longer than half of it: not merged.
  REQUIRE(s.endpoint_separation_angstrom);
  CHECK(*s.endpoint_separation_angstrom ==
        out.neb.images.front().largest_displacement_angstrom(out.neb.images.back()));
  const double hop = 6.29 / std::sqrt(2.0);
  CHECK(*s.endpoint_separation_angstrom > 0.5 * hop);
  CHECK(*s.endpoint_separation_angstrom < hop + 0.1);
  CHECK_FALSE(barriers::endpoints_merged(s));
}

TEST_CASE(
    "campaign vineyard: a saddle failing the mode check keeps its barrier, has no prefactor "
    "and records why (vineyard off: no fields)",
    "[barriers][campaign][vineyard]") {
  const auto graph = cspbi3_graph();
  const auto plan = barriers::plan_campaign(graph, iodide_settings());
  REQUIRE(plan.occupations.size() == 1);
  SECTION("every mode within the imaginary tolerance: the saddle has 0 imaginary modes") {
    auto settings = iodide_settings();
    settings.harmonic.imaginary_tolerance_thz = 1e6;
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    INFO("failure: " << out.failure);
    CHECK(out.sample.converged);
    CHECK(out.failure.empty());
    CHECK(std::isfinite(out.sample.barrier_ev));
    CHECK_FALSE(out.sample.attempt_frequency_hz);
    CHECK_FALSE(out.sample.imaginary_frequency_thz);
    CHECK_FALSE(out.vineyard);
    CHECK_THAT(out.sample.vineyard_warning,
               Catch::StartsWith("no prefactor: ") && Catch::Contains("imaginary mode"));
  }
  SECTION("vineyard off") {
    auto settings = iodide_settings();
    settings.vineyard = false;
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK(out.sample.converged);
    CHECK_FALSE(out.sample.attempt_frequency_hz);
    CHECK(out.sample.vineyard_warning.empty());
    CHECK_FALSE(out.vineyard);
  }
  SECTION("a band that does not converge gets no prefactor") {
    auto settings = iodide_settings();
    settings.neb.max_steps = 1;
    const auto out = barriers::run_sample(graph, illustrative_potential(), settings,
                                          plan.environment, plan.occupations.front());
    CHECK_FALSE(out.sample.converged);
    CHECK_FALSE(out.sample.attempt_frequency_hz);
    CHECK_FALSE(out.vineyard);
  }
}

TEST_CASE("campaign vineyard: vineyard_statistics is the exact geometric mean in log space",
          "[barriers][campaign][vineyard]") {
  // I: 1, 4, 16 THz → ln ν = ln(1e12) + {0, L, 2L}, L = ln 4: mean ln(4e12), deviations
  // {−L, 0, L}, s² = 2L²/2 = L², SE = L/√3.
  const std::vector<barriers::BarrierSample> samples = {
      synthetic("I", 1e12),
      synthetic("I", 4e12),
      synthetic("I", 16e12),
      synthetic("I", std::nullopt),         // converged without a prefactor: counted, unused
      synthetic("I", 1e15, false),          // not converged: ignored
      synthetic("I", 1e9, true, "V_Br^+"),  // another defect: ignored
      synthetic("Br", 2.5e12),              // one sample: no standard error
      synthetic("Cs", std::nullopt),        // converged, never a prefactor
  };
  const auto st = barriers::vineyard_statistics(samples, "V_I^+");
  REQUIRE(st.size() == 3);
  const auto& i = st.at("I");
  CHECK(i.samples == 3);
  CHECK(i.converged_without == 1);
  CHECK(i.geometric_mean_hz == Approx(4e12).epsilon(1e-14));
  CHECK(i.log_standard_error == Approx(std::log(4.0) / std::sqrt(3.0)).epsilon(1e-14));
  CHECK(i.min_hz == 1e12);
  CHECK(i.max_hz == 16e12);
  const auto& br = st.at("Br");
  CHECK(br.samples == 1);
  CHECK(br.geometric_mean_hz == 2.5e12);  // one sample: its own value, exactly
  CHECK(std::isnan(br.log_standard_error));
  CHECK(br.min_hz == 2.5e12);
  CHECK(br.max_hz == 2.5e12);
  CHECK(st.at("Cs").samples == 0);
  CHECK(st.at("Cs").converged_without == 1);
  // "" = every defect: the V_Br^+ sample joins I.
  CHECK(barriers::vineyard_statistics(samples).at("I").samples == 4);
}

TEST_CASE(
    "campaign vineyard: the config's \"vineyard\" object and \"attempt_frequency_hz\": "
    "\"vineyard\"",
    "[barriers][campaign][vineyard]") {
  SECTION("default: off; the object turns it on with its Hessian step") {
    const auto off = campaign_file("off.json", [](nlohmann::json&) {});
    const auto c0 = io::load_barrier_campaign(off);
    CHECK_FALSE(c0.settings.vineyard);
    CHECK_FALSE(c0.attempt_frequency_from_vineyard);
    CHECK(c0.attempt_frequency_hz == 1e13);
    const auto on = campaign_file("on.json", [](nlohmann::json& c) {
      c["vineyard"] = {{"enabled", true}, {"hessian_step_angstrom", 0.01}};
      c["rate_table"]["attempt_frequency_hz"] = "vineyard";
    });
    const auto c1 = io::load_barrier_campaign(on);
    CHECK(c1.settings.vineyard);
    CHECK(c1.settings.harmonic.displacement_angstrom == 0.01);
    CHECK(c1.attempt_frequency_from_vineyard);
    CHECK(c1.attempt_frequency_hz == 0);
    const auto disabled = campaign_file("disabled.json", [](nlohmann::json& c) {
      c["vineyard"] = {{"enabled", false}};
    });
    CHECK_FALSE(io::load_barrier_campaign(disabled).settings.vineyard);
    for (const auto& p : {off, on, disabled}) fs::remove(p);
  }
  SECTION("bad values give one line naming the file and pointer") {
    struct Case {
      std::function<void(nlohmann::json&)> edit;
      std::string expected;
    };
    const std::vector<Case> cases = {
        {[](nlohmann::json& c) { c["rate_table"]["attempt_frequency_hz"] = "vineyard"; },
         ": /rate_table/attempt_frequency_hz: \"vineyard\" needs the campaign's \"vineyard\""},
        {[](nlohmann::json& c) {
           c["vineyard"] = {{"enabled", true}};
           c["rate_table"]["attempt_frequency_hz"] = "harmonic";
         },
         ": /rate_table/attempt_frequency_hz: must be a number (Hz) or \"vineyard\""},
        {[](nlohmann::json& c) {
           c["vineyard"] = {{"hessian_step_angstrom", -0.01}};
         },
         ": /vineyard/hessian_step_angstrom: "},
        {[](nlohmann::json& c) {
           c["vineyard"] = {{"step", 0.01}};
         },
         ": /vineyard/step: unknown key"},
    };
    for (std::size_t k = 0; k < cases.size(); ++k) {
      const auto path = campaign_file("bad" + std::to_string(k) + ".json", cases[k].edit);
      const std::string msg = test::input_error_of([&] { io::load_barrier_campaign(path); });
      fs::remove(path);
      INFO("case " << k << ": " << msg);
      CHECK(msg.rfind(path + ": ", 0) == 0);
      CHECK(msg.find(cases[k].expected) != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  SECTION("resolve_attempt_frequencies") {
    const auto path = campaign_file("resolve.json", [](nlohmann::json& c) {
      c["vineyard"] = nlohmann::json::object();
      c["rate_table"]["attempt_frequency_hz"] = "vineyard";
    });
    const auto config = io::load_barrier_campaign(path);
    fs::remove(path);
    // No sample with a prefactor: one line naming the config and the pointer.
    const std::vector<barriers::BarrierSample> none = {synthetic("I", std::nullopt),
                                                       synthetic("I", std::nullopt)};
    const std::string msg = test::input_error_of(
        [&] { io::resolve_attempt_frequencies(config, none, {"I"}, "samples.json"); });
    CHECK(msg.rfind(path + ": /rate_table/attempt_frequency_hz: ", 0) == 0);
    CHECK_THAT(msg, Catch::Contains("no converged sample of moving species 'I' in samples.json "
                                    "has a Vineyard prefactor (2 converged without one)"));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THAT(test::input_error_of([&] { io::resolve_attempt_frequencies(config, {}, {"I"}); }),
               Catch::Contains("(0 converged without one)"));
    // With prefactors: the geometric mean, per moving species.
    const std::vector<barriers::BarrierSample> some = {synthetic("I", 2e12), synthetic("I", 8e12),
                                                       synthetic("I", std::nullopt)};
    const auto nu = io::resolve_attempt_frequencies(config, some, {"I"});
    CHECK(nu.default_hz == 0);
    CHECK(nu.by_moving_hz.at("I") == Approx(4e12).epsilon(1e-14));
    CHECK(nu.from_vineyard.count("I") == 1);
    CHECK(nu.vineyard.at("I").samples == 2);
    // A number per moving species wins over the samples (and covers a species without any).
    auto with_number = config;
    with_number.attempt_frequency_by_moving_hz = {{"I", 3e12}};
    const auto fixed = io::resolve_attempt_frequencies(with_number, none, {"I"});
    CHECK(fixed.by_moving_hz.at("I") == 3e12);
    CHECK(fixed.from_vineyard.empty());
    // A numeric config is passed through unchanged, prefactors or not.
    auto numeric = config;
    numeric.attempt_frequency_from_vineyard = false;
    numeric.attempt_frequency_hz = 1e13;
    numeric.attempt_frequency_by_moving_hz = {{"Br", 2e13}};
    const auto passed = io::resolve_attempt_frequencies(numeric, some, {"I"});
    CHECK(passed.default_hz == 1e13);
    CHECK(passed.by_moving_hz == numeric.attempt_frequency_by_moving_hz);
    CHECK(passed.from_vineyard.empty());
    CHECK(passed.vineyard.at("I").samples == 2);  // still reported for the provenance
  }
}
