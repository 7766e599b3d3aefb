// Shared output of CI-NEB results for `ionhop neb` and `ionhop sample-barriers`: the path
// as extxyz frames (energy per image), the profile as JSON and as a terminal table; the
// Vineyard prefactor of `ionhop neb --vineyard`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "ionhop/atomistic/harmonic_tst.hpp"
#include "ionhop/atomistic/neb.hpp"

namespace ionhop::cli {

std::string neb_path_extxyz(const atomistic::NebResult& result);
nlohmann::json neb_result_to_json(const atomistic::NebResult& result);
void print_neb_profile(std::ostream& out, const atomistic::NebResult& result);
// The "vineyard" object of neb.json: computed, prefactor (THz and Hz), imaginary frequency,
// both spectra, removed zero modes, warning and the settings used.
nlohmann::json vineyard_to_json(const atomistic::VineyardResult& result,
                                const atomistic::HarmonicSettings& settings);

}  // namespace ionhop::cli
