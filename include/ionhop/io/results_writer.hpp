// Sweep outputs: results.json (everything, with provenance) and CSV tables, written into a
// temporary directory and renamed into place when complete, so an interrupted run never
// leaves a half-written result that looks whole.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "ionhop/sweep/sweep_result.hpp"

namespace ionhop::io {

struct RunProvenance {
  std::uint64_t seed = 0;
  std::size_t threads = 0;
  double wall_time_s = 0;
  std::string command_line;
};

nlohmann::json sweep_result_to_json(const sweep::SweepConfig& config,
                                    const sweep::SweepResult& result);
nlohmann::json provenance_to_json(const sweep::SweepConfig& config,
                                  const sweep::SweepResult& result, const RunProvenance& run);

std::string points_csv(const sweep::SweepResult& result);
std::string arrhenius_csv(const sweep::SweepResult& result);
// One row per (point, interface); header only when no interface was tracked.
std::string interfaces_csv(const sweep::SweepResult& result);
std::string comparison_csv(const sweep::SweepResult& result);

// Writes {name → content} into `directory` atomically per the rule above. Throws
// InputError(directory, "", ...) when the directory cannot be created or written.
void write_output_directory(const std::string& directory,
                            const std::map<std::string, std::string>& files);

}  // namespace ionhop::io
