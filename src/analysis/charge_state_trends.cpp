// Charge-state orderings of migration barriers (Fig. 1 of Tyagi et al.), pair by pair.
#include "ionhop/analysis/charge_state_trends.hpp"

#include <cmath>

#include "ionhop/core/error.hpp"

namespace ionhop::analysis {

const char* to_string(TrendVerdict v) {
  switch (v) {
    case TrendVerdict::kHolds:
      return "holds";
    case TrendVerdict::kReversed:
      return "reversed";
    case TrendVerdict::kWithinError:
      return "within error";
    case TrendVerdict::kMissing:
      return "missing";
  }
  return "?";
}

const std::vector<std::vector<std::string>>& fig1_orderings() {
  static const std::vector<std::vector<std::string>> orderings = {{"I_i^+", "I_i^-", "I_i^0"},
                                                                  {"V_I^-", "V_I^0", "V_I^+"}};
  return orderings;
}

namespace {
TrendPair compare_pair(const std::string& higher, const std::string& lower,
                       const std::map<std::string, SpeciesBarrier>& barriers, double z) {
  TrendPair p;
  p.higher = higher;
  p.lower = lower;
  const auto hi = barriers.find(higher), lo = barriers.find(lower);
  if (hi == barriers.end() || lo == barriers.end()) return p;  // kMissing
  p.difference_ev = hi->second.barrier_ev - lo->second.barrier_ev;
  p.standard_error_ev = std::hypot(hi->second.standard_error_ev, lo->second.standard_error_ev);
  const double margin = z * p.standard_error_ev;
  p.verdict = p.difference_ev > margin    ? TrendVerdict::kHolds
              : p.difference_ev < -margin ? TrendVerdict::kReversed
                                          : TrendVerdict::kWithinError;
  return p;
}
}  // namespace

TrendCheck check_ordering(const std::vector<std::string>& expected_order,
                          const std::map<std::string, SpeciesBarrier>& barriers, double z) {
  if (!(z > 0) || !std::isfinite(z))
    throw InputError("", "", "the significance z must be a positive number");
  if (expected_order.size() < 2) throw InputError("", "", "an ordering needs two species");
  TrendCheck out;
  out.expected_order = expected_order;
  bool missing = false, reversed = false, all_hold = true;
  for (std::size_t k = 0; k + 1 < expected_order.size(); ++k) {
    const TrendPair p = compare_pair(expected_order[k], expected_order[k + 1], barriers, z);
    missing = missing || p.verdict == TrendVerdict::kMissing;
    reversed = reversed || p.verdict == TrendVerdict::kReversed;
    all_hold = all_hold && p.verdict == TrendVerdict::kHolds;
    out.pairs.push_back(p);
  }
  // Known species i < j with every species between them missing.
  for (std::size_t i = 0; i < expected_order.size(); ++i) {
    if (!barriers.count(expected_order[i])) continue;
    std::size_t j = i + 1;
    while (j < expected_order.size() && !barriers.count(expected_order[j])) ++j;
    if (j < expected_order.size() && j > i + 1) {
      const TrendPair p = compare_pair(expected_order[i], expected_order[j], barriers, z);
      reversed = reversed || p.verdict == TrendVerdict::kReversed;
      out.implied_pairs.push_back(p);
    }
  }
  out.overall = reversed   ? TrendVerdict::kReversed
                : all_hold ? TrendVerdict::kHolds
                : missing  ? TrendVerdict::kMissing
                           : TrendVerdict::kWithinError;
  return out;
}

}  // namespace ionhop::analysis
