// Rate tables from measured Arrhenius laws D = D0 exp(−E_a/k_B T) (e.g. MD fits): one hop
// type per species on a given shell with barrier E_a and ν0 = 6 D0/(z d²), so that an
// uncorrelated walk on that shell reproduces D(T) exactly (PHYSICS.md, "Diffusion").
#pragma once

#include <string>
#include <vector>

#include "ionhop/lattice/crystal.hpp"
#include "ionhop/rates/rate_table.hpp"

namespace ionhop::rates {

struct ArrheniusLaw {
  std::string species;
  Mechanism mechanism = Mechanism::vacancy;
  int charge = 0;
  bool immobile = false;
  double activation_energy_ev = 0;
  double prefactor_cm2_s = 0;
  std::string provenance;  // where E_a and D0 come from
};

struct ShellGeometry {
  int coordination;            // z: hops of this shell out of one site
  double hop_length_angstrom;  // d
};

// z and d of `shell` (must be the same for every basis site of its sublattice; throws
// InputError without a file otherwise).
ShellGeometry shell_geometry(const lattice::Crystal& crystal, const std::string& shell);

RateTable rate_table_from_arrhenius(const std::vector<ArrheniusLaw>& laws,
                                    const lattice::Crystal& crystal, const std::string& shell,
                                    const std::string& table_name, const std::string& provenance);

}  // namespace ionhop::rates
