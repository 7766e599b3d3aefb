// Charge-state orderings of migration barriers. Tyagi et al. (Fig. 1 of the CsPbI3 MLFF
// study) found, from NEB, E_b(I_i^+) > E_b(I_i^-) > E_b(I_i^0) for the iodide interstitial and
// E_b(V_I^-) > E_b(V_I^0) > E_b(V_I^+) for the vacancy. This module checks such an ordering on
// barriers computed here, pair by adjacent pair, with their standard errors: a difference
// counts only when it exceeds z standard errors of the difference.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ionhop::analysis {

struct SpeciesBarrier {
  double barrier_ev = 0;
  double standard_error_ev = 0;  // 0: none known (the difference is then taken as exact)
  std::string source;            // where the number comes from (a file name)
};

enum class TrendVerdict {
  kHolds,        // E_higher − E_lower > z σ
  kReversed,     // E_higher − E_lower < −z σ
  kWithinError,  // |E_higher − E_lower| ≤ z σ
  kMissing,      // one of the two species has no barrier
};
const char* to_string(TrendVerdict v);

struct TrendPair {
  std::string higher, lower;  // the expected order: E(higher) > E(lower)
  TrendVerdict verdict = TrendVerdict::kMissing;
  double difference_ev = 0;      // E(higher) − E(lower) (when both are known)
  double standard_error_ev = 0;  // √(σ_higher² + σ_lower²)
};

struct TrendCheck {
  std::vector<std::string> expected_order;  // highest barrier first
  std::vector<TrendPair> pairs;             // adjacent pairs of expected_order
  // Where the species between two known ones are all missing, the ordering still implies
  // E(outer higher) > E(outer lower): e.g. V_I^- > V_I^+ without V_I^0.
  std::vector<TrendPair> implied_pairs;
  // kHolds only if every pair holds; kReversed if any pair (implied ones too) is reversed;
  // kMissing if a species is missing and nothing is reversed; else kWithinError.
  TrendVerdict overall = TrendVerdict::kMissing;
};

// The two orderings of the paper's Fig. 1, highest barrier first.
const std::vector<std::vector<std::string>>& fig1_orderings();

// Checks `expected_order` (highest first) on the barriers; z > 0 (InputError otherwise).
TrendCheck check_ordering(const std::vector<std::string>& expected_order,
                          const std::map<std::string, SpeciesBarrier>& barriers, double z = 2.0);

}  // namespace ionhop::analysis
