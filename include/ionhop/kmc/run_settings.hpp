// What one KMC run is asked to do: temperature, defects to place, when to stop, and which
// observables to record. Plain data; the sweep layer fills it from a config.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ionhop/kmc/lattice_state.hpp"

namespace ionhop::kmc {

struct DefectPlacement {
  std::size_t species;  // index into the rate table's species
  std::size_t count;
};

// Random alloy on one sublattice: the host ions (sites not holding a vacancy) get the
// given occupants in exact proportions (counts rounded to the nearest integer), placed
// at random. E.g. {"X", {{"I", 0.5}, {"Br", 0.5}}} for CsPb(I_0.5 Br_0.5)3.
// Or a stack of layers along a3 — a (001) heterojunction such as n_I cells of CsPbI3 on
// n_Br cells of CsPbBr3 in one periodic supercell: `layers` (cells, occupant) from z = 0
// up, adding up to the supercell's cells along a3. The plane of sites at the start of
// layer i (fractional z an integer) may be given its own occupant, interface_occupants[i]
// (i = 0: the periodic boundary at z = 0), e.g. I-rich or Br-rich interfaces.
struct HostLayer {
  int cells = 0;
  std::string occupant;
};

struct SublatticeComposition {
  std::string sublattice;
  std::vector<std::pair<std::string, double>> fractions;  // random alloy
  std::vector<HostLayer> layers;                          // layered stack (when non-empty)
  std::vector<std::string> interface_occupants;           // empty, or one per layer
};

struct StopCondition {
  std::uint64_t max_hops = 0;                                   // 0: no limit on hops
  double max_time_s = std::numeric_limits<double>::infinity();  // simulated time
  bool bounded() const {
    return max_hops > 0 || max_time_s < std::numeric_limits<double>::infinity();
  }
};

struct RunSettings {
  double temperature_k = 300.0;
  // Uniform electric field (V/Å; 1 V/cm = 1e-8 V/Å) biasing hops of charged defects.
  Eigen::Vector3d field_v_per_angstrom = Eigen::Vector3d::Zero();
  // Fermi level above the valence-band maximum (eV). NaN: charge states are frozen; finite:
  // the rate table's charge transitions are active at this Fermi level.
  double fermi_level_ev = NAN;
  std::vector<DefectPlacement> defects;
  StopCondition stop;
  // The run is cut into this many equal blocks (by hops when max_hops is set, else by
  // time); the MSD of every defect over every block gives D averaged over time origins.
  std::size_t blocks = 100;
  bool track_host_ions = true;  // vacancy mechanism: which ion moved (tracer D, f)
  std::vector<SublatticeComposition> composition;  // default: the lattice's occupants
  bool track_site_occupancy = false;  // time-weighted occupancy of each basis site class
  // Time-averaged defect profile along the third lattice vector (per plane of sites):
  // the concentration profile across a (001) interface.
  bool track_z_profile = false;
  // Interfaces across which arrivals and transmissions are counted: heights as fractions
  // of the supercell along a3 (e.g. the layer boundaries of a heterojunction; see
  // layer_boundaries_z_fraction). Empty: none tracked.
  std::vector<double> interfaces_z_fraction;
  // Start from this configuration instead of a random one: its defects are placed exactly
  // (`defects` must then be empty, or ask for exactly the state's number of defects of each
  // species), and on every sublattice that hosts a vacancy species its occupants replace
  // the lattice's default ions and `composition`. Each defect counts towards the tallies of
  // the species it has in the state. Time, hops and displacements start from zero.
  std::optional<LatticeState> initial_state;
};

// Boundaries between the layers of a layered composition (the start of every layer,
// including the periodic boundary at z = 0), as fractions of the supercell along a3 with
// `cells_along_a3` cells. Empty when no composition is layered.
std::vector<double> layer_boundaries_z_fraction(
    const std::vector<SublatticeComposition>& composition, int cells_along_a3);

}  // namespace ionhop::kmc
