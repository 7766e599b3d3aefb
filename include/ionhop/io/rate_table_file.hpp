// rates/*.json (schema "ionhop.rates/1") ↔ rates::RateTable, with precise errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ionhop/rates/rate_table.hpp"

namespace ionhop::io {
rates::RateTable load_rate_table(const std::string& path);
nlohmann::json rate_table_to_json(const rates::RateTable& table);
}  // namespace ionhop::io
