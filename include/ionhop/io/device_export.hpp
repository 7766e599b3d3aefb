// Device-model exports (`ionhop export`): a sweep's results.json → a canonical per-species
// table in SI units (D0, E_a with covariance; sampled T, D ± σ, μ = |z| e D/(k_B T) ± σ) as
// JSON and CSV, and one parameter set per temperature for IonMonger (parameters.m lines),
// Driftfusion (layer CSV columns, CGS) and SIMsalabim (v5 command-line overrides).
// Everything here builds strings; nothing prints. Bad input throws InputError.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::io {

// ---- What is read from results.json (schema ionhop.results/1; units as stored there) ----

struct ResultsPoint {
  std::string species;
  std::string mechanism;
  int charge = 0;
  std::optional<double> fermi_level_ev;  // optional key "fermi_level_ev" (null or absent: none)
  bool in_field = false;                 // optional key "field_v_per_cm" not all zero
  double temperature_k = 0;
  std::array<int, 3> supercell{};
  std::size_t defects = 0;
  bool immobile = false;
  double diffusion_cm2_s = 0;
  double diffusion_err_cm2_s = 0;  // NaN when results.json has null
};

struct ResultsArrhenius {
  std::string species;
  std::optional<double> fermi_level_ev;
  bool in_field = false;
  std::array<int, 3> supercell{};
  std::size_t defects = 0;
  std::size_t points = 0;
  double activation_energy_ev = 0, activation_energy_err_ev = 0;
  double prefactor_cm2_s = 0, prefactor_err_cm2_s = 0, ln_prefactor_cm2_s = 0;
  // Covariance of (ln D0, E_a); ln D0 with D0 in cm²/s (the shift to m² does not change it).
  double var_ln_prefactor = 0, cov_ln_prefactor_activation_energy = 0, var_activation_energy = 0;
};

struct ResultsForExport {
  std::string file;
  std::string sha256;
  std::vector<ResultsPoint> points;
  std::vector<ResultsArrhenius> arrhenius;
};

// Reads the parts of a results.json an export needs (other keys are ignored). Throws
// InputError(file, JSON path, problem): missing /points or /arrhenius, wrong types, a mobile
// point without a finite D, an Arrhenius entry for a species with no points.
ResultsForExport load_results_for_export(const std::string& path);

// ---- The canonical table (SI: m²/s, m²/(V·s), m⁻³, eV, K) ----

// μ = |z| e D/(k_B T) (Nernst–Einstein); with k_B in eV/K this is |z| D/(k_B T) in m²/(V·s)
// for D in m²/s. Zero for z = 0.
double mobility_from_diffusion(double diffusion_m2_s, int charge, double temperature_k);
// D0 exp(−E_a/(k_B T)).
double arrhenius_diffusion(double prefactor_m2_s, double activation_energy_ev,
                           double temperature_k);

struct ExportArrhenius {
  std::size_t points = 0;
  double prefactor_m2_s = 0, prefactor_err_m2_s = 0;
  double ln_prefactor = 0;  // ln(D0 / (m²/s))
  double activation_energy_ev = 0, activation_energy_err_ev = 0;
  double var_ln_prefactor = 0, cov_ln_prefactor_activation_energy = 0, var_activation_energy = 0;
  // D(T) and its first-order error through the covariance.
  double diffusion_at(double temperature_k) const;
  double diffusion_err_at(double temperature_k) const;
};

struct ExportSample {
  double temperature_k = 0;
  std::string source;  // "point" (a KMC point at this T) or "fit" (the Arrhenius law)
  double diffusion_m2_s = 0, diffusion_err_m2_s = 0;
  double mobility_m2_v_s = 0, mobility_err_m2_v_s = 0;
};

struct ExportSpecies {
  std::string name;
  int charge = 0;
  std::string mechanism;
  std::optional<double> fermi_level_ev;
  std::array<int, 3> supercell{};
  std::size_t defects = 0;
  std::optional<double> density_m3;          // N0, an input (--density); null when not given
  std::optional<ExportArrhenius> arrhenius;  // absent when results.json has no fit for it
  std::vector<ExportSample> samples;         // ascending temperature
};

struct DeviceExport {
  std::string source_file, source_sha256;
  std::vector<ExportSpecies> species;
  std::vector<std::string> notes;
};

ExportSample make_sample(double temperature_k, const std::string& source, double diffusion_m2_s,
                         double diffusion_err_m2_s, int charge);

struct ExportOptions {
  std::map<std::string, double> densities_m3;  // species → N0; checked (known species, > 0)
  std::vector<double> extra_temperatures_k;    // also sample the Arrhenius law here
};

// One entry per mobile (species, Fermi level, supercell, defect count) group of the results,
// in results order; immobile species are left out with a note, and so are points and fits
// under an applied field (D and μ here are zero-field quantities). Throws InputError
// ("command line", "--density" | "--temperature", ...) for unknown species or bad values.
DeviceExport build_device_export(const ResultsForExport& results, const ExportOptions& options);

std::string device_export_json(const DeviceExport& table);  // ends with a newline
std::string device_export_csv(const DeviceExport& table);   // one row per sample
// Readers of the two canonical files (round trip); `file` names the source in errors.
DeviceExport read_device_export_json(const std::string& text, const std::string& file);
DeviceExport read_device_export_csv(const std::string& text, const std::string& file);

// ---- Simulator parameter sets ----

struct SimulatorSelection {
  std::string cation = "V_I^+";  // charge +1, mobile, needs a density
  std::optional<std::string>
      anion;  // charge −1; absent: static counter-ions of the cation's density
  int simsalabim_layer = 2;
};

struct SimulatorSet {
  double temperature_k = 0;
  const ExportSpecies* cation = nullptr;
  const ExportSample* cation_sample = nullptr;
  const ExportSpecies* anion = nullptr;  // null: none
  const ExportSample* anion_sample = nullptr;
};

// The cation (and anion) entries and the temperatures where every selected species has a
// sample. Throws InputError("command line", "--cation" | "--anion" | "--density", ...) when
// a species is unknown, immobile, of the wrong charge, has no density, several groups.
std::vector<SimulatorSet> simulator_sets(const DeviceExport& table,
                                         const SimulatorSelection& selection);

// Text for "T" in file names: 300 → "300", 298.15 → "298.15".
std::string temperature_tag(double temperature_k);

// IonMonger: assignment lines T, N0, DIinf, EAI (with comments) to paste into parameters.m.
// Needs the cation's Arrhenius fit (InputError otherwise).
std::string ionmonger_parameters(const DeviceExport& table, const SimulatorSet& set);
// Driftfusion: header + one row: N_ionic_species,Ncat,Nani,mu_c,mu_a (cm⁻³, cm²/(V·s)).
std::string driftfusion_ionic_parameters(const SimulatorSet& set);
// SIMsalabim v5: one line "-T … -lN.N_cation … -lN.N_anion … -lN.mu_cation … -lN.mu_anion …
// -lN.ionsMayEnter 1".
std::string simsalabim_overrides(const SimulatorSet& set, int layer);

// Parsers of the simulator files (for round-trip checks): name → value.
std::map<std::string, double> parse_ionmonger_assignments(const std::string& text);
std::map<std::string, double> parse_driftfusion_row(const std::string& text);
std::map<std::string, double> parse_simsalabim_overrides(const std::string& text);

}  // namespace ionhop::io
