// D(T) tables as CSV (e.g. points.csv of a sweep, or a user's own): a header row naming
// at least temperature_k, diffusion_cm2_s, diffusion_err_cm2_s and optionally species.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ionhop/analysis/arrhenius.hpp"

namespace ionhop::io {

// Points grouped by species ("" when the table has no species column), in file order.
// Rows with an empty or zero diffusion value (immobile species) are skipped.
std::vector<std::pair<std::string, std::vector<analysis::ArrheniusPoint>>> load_diffusion_table(
    const std::string& path);

}  // namespace ionhop::io
