// Shared output of CI-NEB results for `ionhop neb` and `ionhop sample-barriers`: the path
// as extxyz frames (energy per image), the profile as JSON and as a terminal table.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "ionhop/atomistic/neb.hpp"

namespace ionhop::cli {

std::string neb_path_extxyz(const atomistic::NebResult& result);
nlohmann::json neb_result_to_json(const atomistic::NebResult& result);
void print_neb_profile(std::ostream& out, const atomistic::NebResult& result);

}  // namespace ionhop::cli
