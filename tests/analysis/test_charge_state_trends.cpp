// Charge-state orderings (analysis/charge_state_trends): each verdict from barriers whose
// differences lie clearly inside or outside z standard errors, and the overall verdict.
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "ionhop/analysis/charge_state_trends.hpp"

using namespace ionhop;
using analysis::TrendVerdict;

namespace {
analysis::SpeciesBarrier b(double e, double se = 0) { return {e, se, "test"}; }
}  // namespace

TEST_CASE("charge-state trends: pairwise verdicts with standard errors", "[analysis][trends]") {
  const std::vector<std::string> order = {"A", "B", "C"};
  SECTION("a clear ordering holds") {
    const auto t = analysis::check_ordering(
        order, {{"A", b(0.5, 0.01)}, {"B", b(0.3, 0.01)}, {"C", b(0.1, 0.01)}});
    REQUIRE(t.pairs.size() == 2);
    CHECK(t.pairs[0].verdict == TrendVerdict::kHolds);
    CHECK(t.pairs[0].difference_ev == Approx(0.2));
    CHECK(t.pairs[0].standard_error_ev == Approx(0.01 * std::sqrt(2.0)));
    CHECK(t.overall == TrendVerdict::kHolds);
  }
  SECTION("a difference inside z sigma is within error, one beyond -z sigma is reversed") {
    // σ_diff = 0.05·√2 = 0.0707: 0.1 > 2σ = 0.141 fails (within error) at z = 2, holds at z = 1.
    const std::map<std::string, analysis::SpeciesBarrier> e = {
        {"A", b(0.4, 0.05)}, {"B", b(0.3, 0.05)}, {"C", b(0.5, 0.01)}};
    const auto t = analysis::check_ordering(order, e, 2.0);
    CHECK(t.pairs[0].verdict == TrendVerdict::kWithinError);
    CHECK(t.pairs[1].verdict == TrendVerdict::kReversed);
    CHECK(t.overall == TrendVerdict::kReversed);
    CHECK(analysis::check_ordering(order, e, 1.0).pairs[0].verdict == TrendVerdict::kHolds);
  }
  SECTION("without standard errors the sign decides; equality is within error") {
    const auto t = analysis::check_ordering(order, {{"A", b(0.2)}, {"B", b(0.2)}, {"C", b(0.1)}});
    CHECK(t.pairs[0].verdict == TrendVerdict::kWithinError);
    CHECK(t.pairs[1].verdict == TrendVerdict::kHolds);
    CHECK(t.overall == TrendVerdict::kWithinError);
  }
  SECTION("a missing species leaves its pairs missing, the rest still checked") {
    const auto t = analysis::check_ordering(order, {{"A", b(0.5)}, {"B", b(0.3)}});
    CHECK(t.pairs[0].verdict == TrendVerdict::kHolds);
    CHECK(t.pairs[1].verdict == TrendVerdict::kMissing);
    CHECK(t.overall == TrendVerdict::kMissing);
    // A reversal found among the known pairs is reported even with a species missing.
    const auto r = analysis::check_ordering(order, {{"A", b(0.1)}, {"B", b(0.3)}});
    CHECK(r.overall == TrendVerdict::kReversed);
  }
  SECTION("a missing middle species: the outer pair is still implied and checked") {
    // A > B > C with B missing: E(A) > E(C) is implied.
    auto t = analysis::check_ordering(order, {{"A", b(0.5)}, {"C", b(0.2)}});
    REQUIRE(t.implied_pairs.size() == 1);
    CHECK(t.implied_pairs[0].higher == "A");
    CHECK(t.implied_pairs[0].lower == "C");
    CHECK(t.implied_pairs[0].verdict == TrendVerdict::kHolds);
    CHECK(t.implied_pairs[0].difference_ev == Approx(0.3));
    CHECK(t.overall == TrendVerdict::kMissing);  // the chain itself is not complete
    t = analysis::check_ordering(order, {{"A", b(0.2)}, {"C", b(0.5)}});
    CHECK(t.implied_pairs[0].verdict == TrendVerdict::kReversed);
    CHECK(t.overall == TrendVerdict::kReversed);
    // Nothing is implied when the middle is known or an end is missing.
    CHECK(analysis::check_ordering(order, {{"A", b(0.5)}, {"B", b(0.3)}, {"C", b(0.1)}})
              .implied_pairs.empty());
    CHECK(analysis::check_ordering(order, {{"A", b(0.5)}}).implied_pairs.empty());
  }
  SECTION("bad settings") {
    CHECK_THAT(test::input_error_of([&] { analysis::check_ordering(order, {}, 0.0); }),
               Catch::Contains("positive"));
    CHECK_THAT(test::input_error_of([&] { analysis::check_ordering({"A"}, {}); }),
               Catch::Contains("two species"));
  }
  SECTION("the paper's orderings, highest barrier first") {
    const auto& f = analysis::fig1_orderings();
    REQUIRE(f.size() == 2);
    CHECK(f[0] == std::vector<std::string>{"I_i^+", "I_i^-", "I_i^0"});
    CHECK(f[1] == std::vector<std::string>{"V_I^-", "V_I^0", "V_I^+"});
  }
}
