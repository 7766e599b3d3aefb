// The environment fit with the saddle term: samples that record the ions on the common
// neighbours of the hop sites give back a synthetic q_s exactly, and the fitted species
// carries it into the rate table.
#include <catch2/catch.hpp>
#include <random>

#include "ionhop/barriers/environment_fit.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;

namespace {
// Exact model in the gauge I = 0: e_Br, k_Br, q_Br, E_KRA per mover.
constexpr double kEBr = 0.03, kKBr = 0.012, kQBr = 0.05, kKraI = 0.25, kKraBr = 0.3;

barriers::BarrierSample sample(std::mt19937_64& rng, int id, bool with_saddle) {
  std::uniform_int_distribution<int> eight(0, 8), two(0, 2), coin(0, 1);
  barriers::BarrierSample s;
  s.id = "s" + std::to_string(id);
  s.defect = "V_X^+";
  s.moving_species = coin(rng) ? "Br" : "I";
  const int bi = eight(rng), bf = eight(rng), bs = two(rng);
  s.initial_counts = {{"Br", bi}, {"I", 8 - bi}};
  s.final_counts = {{"Br", bf}, {"I", 8 - bf}};
  if (with_saddle) s.saddle_counts = {{"Br", bs}, {"I", 2 - bs}};
  s.reaction_energy_ev = kEBr * (bf - bi);
  s.barrier_ev = (s.moving_species == "I" ? kKraI : kKraBr) + kKBr * 0.5 * (bi + bf) +
                 (with_saddle ? kQBr * bs : 0.0) + 0.5 * s.reaction_energy_ev;
  return s;
}
}  // namespace

TEST_CASE("environment fit recovers the saddle coefficient", "[barriers][barrier_fit]") {
  std::mt19937_64 rng(11);
  std::vector<barriers::BarrierSample> samples;
  for (int k = 0; k < 80; ++k) samples.push_back(sample(rng, k, true));
  barriers::FitOptions options;
  options.reference_species = "I";
  const auto fit = barriers::fit_environment_model(samples, options);
  REQUIRE(fit.saddle_kra_ev.count("Br") == 1);
  CHECK(fit.saddle_kra_ev.at("Br").value_ev == Approx(kQBr).margin(1e-10));
  CHECK(fit.saddle_kra_ev.at("I").value_ev == 0.0);
  CHECK(fit.kra_per_neighbour_ev.at("Br").value_ev == Approx(kKBr).margin(1e-10));
  CHECK(fit.kra_ev.at("Br").value_ev == Approx(kKraBr).margin(1e-10));
  for (const auto& s : samples)
    CHECK(barriers::predicted_barrier_ev(fit, s) == Approx(s.barrier_ev).margin(1e-10));
  barriers::SpeciesSpec spec;
  spec.attempt_frequency_hz = 1e12;
  const auto species = barriers::to_defect_species(fit, spec);
  CHECK(species.environment_saddle_kra_ev.at("Br") == Approx(kQBr).margin(1e-10));

  // Without saddle counts the term is absent; a mix of both is refused.
  std::vector<barriers::BarrierSample> plain;
  for (int k = 0; k < 40; ++k) plain.push_back(sample(rng, 100 + k, false));
  CHECK(barriers::fit_environment_model(plain, options).saddle_kra_ev.empty());
  plain.push_back(sample(rng, 200, true));
  CHECK_THROWS_AS(barriers::fit_environment_model(plain, options), InputError);
}
