// Sampled CI-NEB barriers (schema "ionhop.barrier_samples/1") ↔ barriers::BarrierSample,
// with precise one-line errors; the barrier campaign appends to such files.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ionhop/barriers/barrier_sample.hpp"

namespace ionhop::io {

// {
//   "schema": "ionhop.barrier_samples/1",
//   "description": "...",                    (optional)
//   "provenance": {...} or "...",            (optional: potential, cell, NEB settings)
//   "samples": [{
//     "id": "V_I+/0007",                      (optional, unique)
//     "defect": "V_I^+", "moving_species": "Br",
//     "initial_counts": {"Br": 3, "I": 5},    (n_s(i): integers >= 0)
//     "final_counts": {"Br": 4, "I": 4},      (n_s(j'))
//     "barrier_ev": 0.31,                      (E_saddle − E_initial; >= 0 and >= ΔE)
//     "reaction_energy_ev": 0.02,              (E_final − E_initial)
//     "converged": true,                       (false: energies may be null or absent)
//     "occupation_key": "...",                 (optional)
//     "attempt_frequency_hz": 9.0e11,          (optional, converged only: Vineyard ν*, > 0)
//     "imaginary_frequency_thz": 0.39,         (optional, with the above: saddle's |ν|)
//     "vineyard_warning": "...",               (optional: why ν* may be unreliable, or
//                                               "no prefactor: <reason>" without one)
//     "initial_energy_ev": -12381.77,          (optional, converged only: relaxed start)
//     "endpoint_separation_angstrom": 2.6      (optional, converged only, >= 0: largest atom
//                                               displacement between the relaxed endpoints)
//   }, ...]
// }
struct BarrierSampleSet {
  std::string description;
  std::string provenance;  // JSON text (or plain text); "" = none
  std::vector<barriers::BarrierSample> samples;
};

BarrierSampleSet load_barrier_samples(const std::string& path);
nlohmann::json barrier_samples_to_json(const BarrierSampleSet& set);

// Writes atomically (a temporary file in the same directory, then rename). Throws
// InputError(path, "", ...) when it cannot.
void write_barrier_samples(const std::string& path, const BarrierSampleSet& set);

// Appends `samples` to the file at `path` (loaded and checked first), or creates it with
// `header_if_new` (its samples ignored) when it does not exist; rewrites atomically.
// Throws InputError for a sample id already in the file.
void append_barrier_samples(const std::string& path,
                            const std::vector<barriers::BarrierSample>& samples,
                            const BarrierSampleSet& header_if_new = {});

}  // namespace ionhop::io
