// A parameter sweep: species × temperatures × supercells × defect counts, each point run
// as independent replicas. Plain data, filled by io::load_sweep_config or by C++ users.
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ionhop/analysis/md_comparison.hpp"
#include "ionhop/kmc/run_settings.hpp"
#include "ionhop/lattice/crystal.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::sweep {

struct InputFile {
  std::string role;  // "config", "lattice", "rates", "md_reference"
  std::string path;
  std::string sha256;
};

struct SweepConfig {
  lattice::Crystal crystal;
  rates::RateTable rate_table;
  std::vector<std::string> species;  // names in the rate table
  std::vector<double> temperatures_k;
  std::vector<std::array<int, 3>> supercells;
  std::vector<std::size_t> defect_counts;  // defects of the point's species per supercell
  // Uniform fields (V/cm) and Fermi levels (eV above the VBM; NaN: charge states frozen).
  std::vector<std::array<double, 3>> fields_v_per_cm{{0.0, 0.0, 0.0}};
  std::vector<double> fermi_levels_ev{NAN};
  // Host compositions (random alloys); one empty entry: the lattice's default occupants.
  std::vector<std::vector<kmc::SublatticeComposition>> compositions{{}};
  std::size_t replicas = 8;
  kmc::StopCondition stop;
  std::size_t blocks = 100;
  bool z_profile = false;  // record the time-averaged defect profile along a3
  // Interfaces whose arrivals and transmissions are counted, as fractions of the supercell
  // along a3. Empty: the layer boundaries of a layered composition (none for an alloy).
  std::vector<double> interfaces_z_fraction;
  std::uint64_t seed = 1;
  std::optional<analysis::MdReference> md_reference;
  double report_temperature_k = 300.0;  // Arrhenius fits report D here ("D(300 K)")
  std::vector<InputFile> inputs;        // for provenance
  // Every replica of every point starts from this lattice state (its defects replace the
  // defect counts); empty: random placement.
  std::optional<kmc::LatticeState> initial_state;
};

struct SweepPoint {
  std::string species;
  std::size_t species_index = 0;
  double temperature_k = 0;
  std::array<int, 3> supercell{};
  std::size_t defects = 0;
  std::array<double, 3> field_v_per_cm{0.0, 0.0, 0.0};
  double fermi_level_ev = NAN;
  std::size_t composition = 0;    // index into SweepConfig::compositions
  std::string composition_label;  // e.g. "X: I 0.5, Br 0.5"; empty for the default

  bool has_field() const { return field_v_per_cm != std::array<double, 3>{0.0, 0.0, 0.0}; }
  double field_magnitude_v_per_cm() const;
};

// The grid in a fixed order: species, composition, supercell, defect count, field, Fermi
// level, then temperature (innermost).
std::vector<SweepPoint> expand_grid(const SweepConfig& config);

// Counter-based stream id of (point, replica): a hash of the point's identity, so a point
// gets the same numbers whatever else is in the grid and whatever the thread count.
std::uint64_t stream_id(const SweepPoint& point, std::size_t replica);

// "X: I 0.5, Br 0.5" (empty for no composition).
std::string composition_label(const std::vector<kmc::SublatticeComposition>& composition);

}  // namespace ionhop::sweep
