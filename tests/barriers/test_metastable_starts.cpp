// drop_metastable_starts: per (defect, occupation) the lowest relaxed initial state is the
// reference; samples more than the tolerance above it are removed, the rest kept in order.
#include <catch2/catch.hpp>
#include <cmath>
#include <optional>

#include "ionhop/barriers/metastable_starts.hpp"
#include "ionhop/core/error.hpp"

using namespace ionhop;
using barriers::BarrierSample;

namespace {
BarrierSample sample(const std::string& id, const std::string& key,
                     std::optional<double> initial_ev, bool converged = true,
                     const std::string& defect = "V_I^0") {
  BarrierSample s;
  s.id = id;
  s.defect = defect;
  s.moving_species = "I";
  s.occupation_key = key;
  s.initial_counts = s.final_counts = {{"I", 8}};
  s.converged = converged;
  s.barrier_ev = converged ? 0.1 : NAN;
  s.initial_energy_ev = initial_ev;
  return s;
}

std::vector<std::string> ids(const std::vector<BarrierSample>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.id);
  return out;
}
}  // namespace

TEST_CASE("metastable starts: removed above the occupation's lowest initial state",
          "[barriers][barrier_fit]") {
  const std::vector<BarrierSample> samples = {
      sample("a0", "a|x", -10.000),              // 0.100 above a1: removed
      sample("a1", "a|x", -10.100),              // the lowest of a|x
      sample("a2", "a|x", -10.095),              // 0.005 above: within 0.01, kept
      sample("a3", "a|x", std::nullopt),         // no energy: kept
      sample("a4", "a|x", std::nullopt, false),  // not converged: kept (never fitted)
      sample("b0", "b|x", -9.0),                 // alone in its occupation: kept
      sample("c0", "a|x", -5.0, true, "V_I^+"),  // another defect: its own group, kept
      sample("d0", "", -1.0),                    // no occupation key: not comparable, kept
  };
  const auto r = barriers::drop_metastable_starts(samples, 0.01);
  CHECK(ids(r.kept) == std::vector<std::string>{"a1", "a2", "a3", "a4", "b0", "c0", "d0"});
  REQUIRE(r.removed.size() == 1);
  CHECK(r.removed[0] == "a0: initial state 0.1000 eV above the lowest (a1)");

  // Tolerance 0 also removes a2; a tolerance above the spread removes nothing.
  CHECK(barriers::drop_metastable_starts(samples, 0.0).removed.size() == 2);
  CHECK(barriers::drop_metastable_starts(samples, 0.2).kept.size() == samples.size());
  CHECK_THROWS_AS(barriers::drop_metastable_starts(samples, -0.01), InputError);
  CHECK_THROWS_AS(barriers::drop_metastable_starts(samples, NAN), InputError);
}
