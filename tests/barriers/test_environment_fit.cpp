// Environment-model fit: a known model (e_s, k_s, E_KRA per moving ion) generates barriers
// for hops sampled in random I/Br alloys on the real cubic X sublattice (8 X neighbours);
// the fit must recover it exactly without noise, within its standard errors with noise,
// refuse data that cannot determine it, and give a rate table the KMC reads and runs.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "../test_support.hpp"
#include "ionhop/barriers/environment_fit.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"

using namespace ionhop;

namespace {

// The true model in an arbitrary gauge (both e_s nonzero): the fit reports it in the gauge
// e_Br = k_Br = 0 ("Br" < "I"), i.e. e_I − e_Br, k_I − k_Br, E_KRA(m) + 8 k_Br.
struct Truth {
  std::map<std::string, double> e{{"I", -0.010}, {"Br", 0.030}};
  std::map<std::string, double> k{{"I", 0.004}, {"Br", 0.012}};
  std::map<std::string, double> kra{{"I", 0.20}, {"Br", 0.26}};

  double reaction_energy(const barriers::BarrierSample& s) const {
    double d = 0;
    for (const auto& [sp, c] : s.final_counts) d += e.at(sp) * c;
    for (const auto& [sp, c] : s.initial_counts) d -= e.at(sp) * c;
    return d;
  }
  double barrier(const barriers::BarrierSample& s) const {
    double ks = 0;
    for (const auto& [sp, c] : s.initial_counts) ks += k.at(sp) * c;
    for (const auto& [sp, c] : s.final_counts) ks += k.at(sp) * c;
    return kra.at(s.moving_species) + 0.5 * ks + 0.5 * reaction_energy(s);
  }
};

// Hops of a vacancy in random I/Br alloys (Br fraction uniform in [0, 1] per sample) on the
// X sites of a 3×3×3 cubic supercell, counted as the engine's environment_sum counts them.
class HopSampler {
 public:
  HopSampler()
      : graph_(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")), {3, 3, 3}),
        x_sites_(graph_.sites_of_sublattice("X")),
        occupant_(graph_.site_count(), "") {}

  barriers::BarrierSample draw(std::mt19937_64& rng, const std::string& id) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double x_br = u(rng);
    for (auto s : x_sites_) occupant_[s] = u(rng) < x_br ? "Br" : "I";
    const auto i =
        x_sites_[std::uniform_int_distribution<std::size_t>(0, x_sites_.size() - 1)(rng)];
    const auto targets = graph_.hop_targets(i);
    const auto j = targets[std::uniform_int_distribution<std::size_t>(0, targets.size() - 1)(rng)];
    barriers::BarrierSample b;
    b.id = id;
    b.defect = "V_I^+";
    occupant_[i] = "";  // the vacancy
    b.moving_species = occupant_[j];
    b.initial_counts = counts(i);
    occupant_[i] = b.moving_species;  // after the hop: the ion on i, the vacancy on j
    occupant_[j] = "";
    b.final_counts = counts(j);
    return b;
  }

 private:
  std::map<std::string, int> counts(lattice::SiteIndex site) const {
    std::map<std::string, int> c{{"I", 0}, {"Br", 0}};
    for (auto y : graph_.hop_targets(site))
      if (!occupant_[y].empty()) ++c[occupant_[y]];
    return c;
  }

  lattice::SiteGraph graph_;
  std::vector<lattice::SiteIndex> x_sites_;
  std::vector<std::string> occupant_;
};

std::vector<barriers::BarrierSample> synthetic_samples(std::size_t n, std::uint64_t seed,
                                                       double noise_ev, const Truth& truth) {
  static HopSampler sampler;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_ev > 0 ? noise_ev : 1.0);
  std::vector<barriers::BarrierSample> out;
  for (std::size_t k = 0; k < n; ++k) {
    auto b = sampler.draw(rng, "s" + std::to_string(k));
    b.barrier_ev = truth.barrier(b) + (noise_ev > 0 ? noise(rng) : 0.0);
    b.reaction_energy_ev = truth.reaction_energy(b) + (noise_ev > 0 ? noise(rng) : 0.0);
    out.push_back(b);
  }
  return out;
}

// The truth in the fit's gauge (reference "Br", N = 8): name → value, as the fit names them.
std::map<std::string, double> gauged_truth(const Truth& t) {
  return {{"e_I", t.e.at("I") - t.e.at("Br")},
          {"k_I", t.k.at("I") - t.k.at("Br")},
          {"E_KRA(I)", t.kra.at("I") + 8 * t.k.at("Br")},
          {"E_KRA(Br)", t.kra.at("Br") + 8 * t.k.at("Br")}};
}

std::map<std::string, barriers::CoefficientEstimate> fitted(const barriers::EnvironmentFit& f) {
  return {{"e_I", f.site_energy_ev.at("I")},
          {"k_I", f.kra_per_neighbour_ev.at("I")},
          {"E_KRA(I)", f.kra_ev.at("I")},
          {"E_KRA(Br)", f.kra_ev.at("Br")}};
}

// The engine's barrier (rerate_environment) from a loaded species: E_KRA(m) from the hop
// of moving species m, K = Σ_s k_s n_s, E = Σ_s e_s n_s, E_b = E_KRA + (K_i + K_j')/2 +
// (E_j' − E_i)/2.
double engine_barrier_ev(const rates::DefectSpecies& sp, const barriers::BarrierSample& s) {
  double kra = NAN;
  for (const auto& h : sp.hops)
    if (h.moving_species == s.moving_species) kra = h.barrier_ev;
  auto sum = [](const std::map<std::string, double>& coef, const std::map<std::string, int>& n) {
    double x = 0;
    for (const auto& [species, count] : n) {
      auto c = coef.find(species);
      if (c != coef.end()) x += c->second * count;
    }
    return x;
  };
  return kra +
         0.5 * (sum(sp.environment_kra_ev, s.initial_counts) +
                sum(sp.environment_kra_ev, s.final_counts)) +
         0.5 * (sum(sp.environment_site_energy_ev, s.final_counts) -
                sum(sp.environment_site_energy_ev, s.initial_counts));
}

}  // namespace

TEST_CASE("environment fit recovers an exact model", "[barrier_fit]") {
  const Truth truth;
  const auto samples = synthetic_samples(200, 2024, 0.0, truth);
  const auto fit = barriers::fit_environment_model(samples);
  CHECK(fit.reference_species == "Br");
  CHECK(fit.neighbour_count == 8);
  CHECK(fit.samples_used == 200);
  CHECK(fit.samples_per_moving_species.at("I") + fit.samples_per_moving_species.at("Br") == 200);
  CHECK(fit.samples_per_moving_species.at("Br") > 40);
  CHECK(fit.site_energy_ev.at("Br").value_ev == 0.0);
  CHECK(fit.kra_per_neighbour_ev.at("Br").value_ev == 0.0);
  const auto expected = gauged_truth(truth);
  for (const auto& [name, c] : fitted(fit)) {
    INFO(name << ": fit " << c.value_ev << " ± " << c.standard_error_ev << ", truth "
              << expected.at(name));
    CHECK(std::abs(c.value_ev - expected.at(name)) < 1e-10);
  }
  CHECK(fit.site_energy_fit.rmse_ev < 1e-10);
  CHECK(fit.site_energy_fit.cv_rmse_ev < 1e-10);
  CHECK(fit.kra_fit.rmse_ev < 1e-10);
  CHECK(fit.kra_fit.cv_rmse_ev < 1e-10);
  CHECK(fit.kra_fit.effective_parameters == Approx(3.0).epsilon(1e-9));
  for (const auto& s : samples) {
    CHECK(std::abs(barriers::predicted_barrier_ev(fit, s) - s.barrier_ev) < 1e-10);
    CHECK(std::abs(barriers::predicted_reaction_energy_ev(fit, s) - s.reaction_energy_ev) < 1e-10);
  }

  // Another gauge gives the same predictions (only differences are identifiable).
  barriers::FitOptions other;
  other.reference_species = "I";
  const auto fit_i = barriers::fit_environment_model(samples, other);
  CHECK(std::abs(fit_i.site_energy_ev.at("Br").value_ev - 0.040) < 1e-10);
  CHECK(std::abs(fit_i.kra_ev.at("I").value_ev - (0.20 + 8 * 0.004)) < 1e-10);
  for (const auto& s : samples)
    CHECK(std::abs(barriers::predicted_barrier_ev(fit_i, s) - s.barrier_ev) < 1e-10);

  // Non-converged samples and samples of other defects are excluded and counted.
  auto mixed = samples;
  mixed[3].converged = false;
  mixed[3].barrier_ev = NAN;
  mixed[5].defect = "V_Br^+";
  barriers::FitOptions only;
  only.defect = "V_I^+";
  const auto fit_m = barriers::fit_environment_model(mixed, only);
  CHECK(fit_m.samples_used == 198);
  CHECK(fit_m.samples_not_converged == 1);
  CHECK(fit_m.samples_other_defect == 1);
  CHECK(std::abs(fit_m.kra_ev.at("Br").value_ev - expected.at("E_KRA(Br)")) < 1e-10);
}

// Noise σ on E_b and on ΔE, independent: fit 1 (ΔE) has residual SD σ, fit 2 (E_b − ΔE/2)
// has σ√(1 + 1/4). With n samples and p coefficients, SSR/σ² ~ χ²_{n−p}, so RMSE/σ =
// √(SSR/n)/σ has mean ≈ √((n−p)/n) and SD ≈ 1/√(2n) (delta method); the leave-one-out
// residuals have E[(e_i/(1−h_ii))²] = σ²/(1−h_ii), so CV RMSE/σ ≈ √(n/(n−p)) (Jensen, mean
// leverage p/n) with about the same SD. Tolerance: 4 SD, i.e. ±0.2 for n = 200 (brief's
// [0.8σ, 1.3σ] is looser).
TEST_CASE("environment fit with noisy barriers: errors and cross-validation are honest",
          "[barrier_fit]") {
  const Truth truth;
  const double sigma = 0.01;
  const std::size_t n = 200;
  const auto expected = gauged_truth(truth);

  SECTION("one data set") {
    const auto fit = barriers::fit_environment_model(synthetic_samples(n, 7, sigma, truth));
    for (const auto& [name, c] : fitted(fit)) {
      INFO(name << ": fit " << c.value_ev << " ± " << c.standard_error_ev << ", truth "
                << expected.at(name));
      CHECK(c.standard_error_ev > 0);
      CHECK(c.standard_error_ev < 0.01);
      CHECK(std::abs(c.value_ev - expected.at(name)) < 4 * c.standard_error_ev);
    }
    const double tol = 4 / std::sqrt(2.0 * n);
    struct Case {
      const barriers::LinearFitResult* r;
      double sigma_ev;
    };
    for (const auto& [r, s] :
         {Case{&fit.site_energy_fit, sigma}, Case{&fit.kra_fit, sigma * std::sqrt(1.25)}}) {
      const double p = static_cast<double>(r->coefficient_names.size());
      INFO("coefficients " << p << ": RMSE " << r->rmse_ev << ", CV RMSE " << r->cv_rmse_ev
                           << ", σ " << s);
      CHECK(std::abs(r->rmse_ev / s - std::sqrt((n - p) / n)) < tol);
      CHECK(std::abs(r->cv_rmse_ev / s - std::sqrt(n / (n - p))) < tol);
      CHECK(r->cv_rmse_ev > r->rmse_ev);
      REQUIRE(r->largest_residuals.size() == 5);
      CHECK(std::abs(r->largest_residuals[0].residual_ev) >=
            std::abs(r->largest_residuals[4].residual_ev));
      CHECK(r->largest_residuals[0].sample.substr(0, 1) == "s");
    }
  }

  SECTION("pulls over repeated data sets are standard normal") {
    // R independent data sets: pulls (fit − truth)/SE are t-distributed with n − p ≈ 197
    // degrees of freedom (SD √(197/195) ≈ 1.005). 4-SD bounds: mean ± 4/√R, SD ± 4/√(2(R−1)).
    const int replicas = 400;
    std::map<std::string, std::vector<double>> pulls;
    for (int r = 0; r < replicas; ++r) {
      const auto fit =
          barriers::fit_environment_model(synthetic_samples(n, 1000 + r, sigma, truth));
      for (const auto& [name, c] : fitted(fit))
        pulls[name].push_back((c.value_ev - expected.at(name)) / c.standard_error_ev);
    }
    for (const auto& [name, v] : pulls) {
      double mean = 0, var = 0;
      for (double x : v) mean += x / replicas;
      for (double x : v) var += (x - mean) * (x - mean) / (replicas - 1);
      INFO(name << ": pull mean " << mean << ", SD " << std::sqrt(var));
      CHECK(std::abs(mean) < 4 / std::sqrt(double(replicas)));
      CHECK(std::abs(std::sqrt(var) - 1.0) < 4 / std::sqrt(2.0 * (replicas - 1)));
    }
  }

  SECTION("ridge shrinks the environment coefficients, not E_KRA") {
    auto samples = synthetic_samples(n, 7, sigma, truth);
    barriers::FitOptions opt;
    opt.ridge = 1e6;
    const auto fit = barriers::fit_environment_model(samples, opt);
    CHECK(std::abs(fit.site_energy_ev.at("I").value_ev) < 1e-4);
    CHECK(std::abs(fit.kra_per_neighbour_ev.at("I").value_ev) < 1e-4);
    CHECK(fit.kra_fit.effective_parameters == Approx(2.0).margin(1e-3));
  }
}

TEST_CASE("environment fit refuses data that cannot determine the model", "[barrier_fit]") {
  const Truth truth;
  auto one_env = synthetic_samples(50, 3, 0.0, truth);
  for (auto& s : one_env) {
    s.initial_counts = {{"I", 6}, {"Br", 2}};
    s.final_counts = {{"I", 6}, {"Br", 2}};
    s.barrier_ev = truth.barrier(s);
    s.reaction_energy_ev = 0;
  }
  const std::string msg = test::input_error_of([&] { barriers::fit_environment_model(one_env); });
  INFO(msg);
  CHECK(msg.find("cannot determine") != std::string::npos);
  CHECK(msg.find("e_I") != std::string::npos);
  CHECK(msg.find("e_Br = k_Br = 0") != std::string::npos);
  CHECK(msg.find('\n') == std::string::npos);

  // Br counted but never present: e_Br and k_Br undetermined.
  auto pure = one_env;
  for (auto& s : pure) {
    s.moving_species = "I";
    s.initial_counts = {{"I", 8}, {"Br", 0}};
    s.final_counts = {{"I", 8}, {"Br", 0}};
  }
  barriers::FitOptions ref_i;
  ref_i.reference_species = "I";
  const std::string pure_msg =
      test::input_error_of([&] { barriers::fit_environment_model(pure, ref_i); });
  CHECK(pure_msg.find("e_Br") != std::string::npos);
  CHECK(pure_msg.find("k_Br") != std::string::npos);

  // A pure host with only "I" counted is a valid model: E_KRA(I) alone.
  for (auto& s : pure) {
    s.initial_counts = {{"I", 8}};
    s.final_counts = {{"I", 8}};
    s.barrier_ev = truth.barrier(s);
  }
  const auto fit_pure = barriers::fit_environment_model(pure);
  CHECK(fit_pure.kra_ev.at("I").value_ev ==
        Approx(truth.kra.at("I") + 8 * truth.k.at("I")).epsilon(1e-12));

  // Different neighbour totals (a vacant neighbour) would make the gauge biased.
  const auto valid = synthetic_samples(50, 4, 0.0, truth);
  auto vacant = valid;
  vacant[7].final_counts["I"] += 1;
  CHECK(test::input_error_of([&] {
          barriers::fit_environment_model(vacant);
        }).find("sample s7: 9 neighbours counted") != std::string::npos);

  // Too few samples, unknown reference, negative counts, no converged samples.
  auto few = synthetic_samples(3, 5, 0.0, truth);
  CHECK(test::input_error_of([&] { barriers::fit_environment_model(few); }) != "(no error)");
  barriers::FitOptions ref_x;
  ref_x.reference_species = "Cl";
  CHECK(test::input_error_of([&] {
          barriers::fit_environment_model(valid, ref_x);
        }).find("reference species 'Cl'") != std::string::npos);
  auto negative = synthetic_samples(20, 6, 0.0, truth);
  negative[2].initial_counts["Br"] = -1;
  CHECK(test::input_error_of([&] {
          barriers::fit_environment_model(negative);
        }).find("negative count") != std::string::npos);
  for (auto& s : negative) s.converged = false;
  CHECK(test::input_error_of([&] {
          barriers::fit_environment_model(negative);
        }).find("no converged samples") != std::string::npos);
}

TEST_CASE("fitted rate table round-trips and reproduces the sampled barriers in the KMC",
          "[barrier_fit]") {
  const Truth truth;
  const auto samples = synthetic_samples(120, 99, 0.0, truth);
  const auto fit = barriers::fit_environment_model(samples);

  barriers::SpeciesSpec spec;
  spec.charge = 1;
  spec.attempt_frequency_hz = 1e12;
  spec.attempt_frequency_by_moving_hz = {{"Br", 2e12}};
  spec.provenance = {{"potential", "synthetic"},
                     {"potential_sha256", "0123"},
                     {"supercell", {3, 3, 3}},
                     {"neb", {{"images", 7}, {"fmax_ev_per_angstrom", 0.01}}}};
  rates::RateTable table;
  table.name = "fitted (test)";
  table.provenance = "synthetic environment model (test)";
  table.species.push_back(barriers::to_defect_species(fit, spec));

  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("ionhop_test_" + std::to_string(::getpid()) + "_fit.json");
  std::ofstream(path) << io::rate_table_to_json(table).dump(2);
  const auto loaded = io::load_rate_table(path.string());
  std::filesystem::remove(path);

  REQUIRE(loaded.species.size() == 1);
  const auto& sp = loaded.species[0];
  CHECK(sp.name == "V_I^+");
  CHECK(sp.mechanism == rates::Mechanism::vacancy);
  CHECK(sp.environment_shell == "X-X");
  REQUIRE(sp.hops.size() == 2);
  for (const auto& h : sp.hops)
    CHECK(h.attempt_frequency_hz == (h.moving_species == "Br" ? 2e12 : 1e12));
  CHECK(sp.environment_site_energy_ev.at("Br") == 0.0);
  const auto prov = nlohmann::json::parse(sp.provenance);
  CHECK(prov.at("potential") == "synthetic");
  CHECK(prov.at("neb").at("images") == 7);
  CHECK(prov.at("environment_fit").at("samples").at("used") == 120);
  CHECK(prov.at("environment_fit").at("kra_fit").at("coefficients").contains("k_I"));
  CHECK(prov.at("environment_fit").at("gauge").get<std::string>().find("e_Br = k_Br = 0") !=
        std::string::npos);

  // The engine's formula with the loaded coefficients gives back every sampled barrier.
  for (const auto& s : samples) CHECK(std::abs(engine_barrier_ev(sp, s) - s.barrier_ev) < 1e-10);
  // Pure iodide environment, I hopping: E_b = E_KRA(I) + 8 k_I in the true model's gauge.
  barriers::BarrierSample pure_i;
  pure_i.moving_species = "I";
  pure_i.initial_counts = {{"I", 8}};
  pure_i.final_counts = {{"I", 8}};
  CHECK(std::abs(engine_barrier_ev(sp, pure_i) - (truth.kra.at("I") + 8 * truth.k.at("I"))) <
        1e-10);

  // And the KMC runs with it.
  const lattice::SiteGraph graph(io::load_crystal(test::source_path("lattices/cspbi3_cubic.json")),
                                 {3, 3, 3});
  kmc::RunSettings s;
  s.temperature_k = 300;
  s.defects = {{0, 1}};
  s.composition = {{"X", {{"I", 0.5}, {"Br", 0.5}}, {}, {}}};
  kmc::Engine engine(graph, loaded, s, core::RandomStream(5, 0));
  for (int i = 0; i < 1000; ++i) REQUIRE(engine.step());
  CHECK(engine.time_s() > 0);

  // A negative E_KRA in the chosen gauge cannot go into a table.
  auto negative = fit;
  negative.kra_ev["I"].value_ev = -0.01;
  CHECK(test::input_error_of([&] {
          barriers::to_defect_species(negative, spec);
        }).find("choose another reference species") != std::string::npos);
  spec.attempt_frequency_hz = 0;
  CHECK(test::input_error_of([&] {
          barriers::to_defect_species(fit, spec);
        }).find("no attempt frequency") != std::string::npos);
}
