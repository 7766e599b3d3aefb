// Human-readable tables of sweep results for the terminal.
#pragma once

#include <ostream>

#include "ionhop/sweep/sweep_result.hpp"

namespace ionhop::cli {
void print_points_table(std::ostream& out, const sweep::SweepResult& result);
void print_arrhenius_table(std::ostream& out, const sweep::SweepConfig& config,
                           const sweep::SweepResult& result);
void print_comparison_table(std::ostream& out, const sweep::SweepResult& result);
// Points with a host composition (alloys, heterojunctions): D parallel / perpendicular to
// (001), tracer D and f per host species, Haven ratio. Prints nothing without compositions.
void print_composition_table(std::ostream& out, const sweep::SweepResult& result);
// Interface transmission probabilities and crossing rates (nothing when none tracked).
void print_interfaces_table(std::ostream& out, const sweep::SweepResult& result);
}  // namespace ionhop::cli
