#include "ionhop/rates/from_arrhenius.hpp"

#include <cmath>
#include <cstdio>

#include "ionhop/core/error.hpp"

namespace ionhop::rates {

ShellGeometry shell_geometry(const lattice::Crystal& crystal, const std::string& shell) {
  const auto index = crystal.shell_index(shell);
  if (!index)
    throw InputError("", "", "unknown hop shell '" + shell + "' in lattice '" + crystal.name + "'");
  const auto templates = lattice::build_hop_templates(crystal);
  ShellGeometry g{-1, 0.0};
  for (std::size_t b = 0; b < crystal.basis.size(); ++b) {
    if (crystal.basis[b].sublattice != crystal.hop_shells[*index].sublattice) continue;
    int z = 0;
    double d = 0;
    for (const auto& t : templates[b])
      if (t.shell == *index) {
        ++z;
        d = t.displacement_angstrom.norm();
      }
    if (g.coordination >= 0 && (z != g.coordination || std::abs(d - g.hop_length_angstrom) > 1e-6))
      throw InputError(
          "", "", "hop shell '" + shell + "' differs between basis sites; z and d are not unique");
    g = {z, d};
  }
  return g;
}

RateTable rate_table_from_arrhenius(const std::vector<ArrheniusLaw>& laws,
                                    const lattice::Crystal& crystal, const std::string& shell,
                                    const std::string& table_name, const std::string& provenance) {
  const ShellGeometry g = shell_geometry(crystal, shell);
  const std::string sublattice = crystal.hop_shells[*crystal.shell_index(shell)].sublattice;
  RateTable t;
  t.name = table_name;
  t.provenance = provenance;
  for (const auto& law : laws) {
    DefectSpecies sp;
    sp.name = law.species;
    sp.mechanism = law.mechanism;
    sp.charge = law.charge;
    sp.sublattice = sublattice;
    sp.mobile = !law.immobile;
    sp.provenance = law.provenance;
    if (!law.immobile) {
      HopRate hop;
      hop.shell = shell;
      hop.barrier_ev = law.activation_energy_ev;
      hop.attempt_frequency_hz = attempt_frequency_from_prefactor_hz(
          law.prefactor_cm2_s, g.coordination, g.hop_length_angstrom);
      char buf[320];
      std::snprintf(
          buf, sizeof buf,
          "barrier = E_a = %.6g eV; attempt frequency = 6 D0 / (z d^2) with D0 = %.6g cm^2/s, "
          "z = %d, d = %.6g Angstrom (lattice '%s', shell '%s')",
          law.activation_energy_ev, law.prefactor_cm2_s, g.coordination, g.hop_length_angstrom,
          crystal.name.c_str(), shell.c_str());
      hop.provenance = buf;
      sp.hops.push_back(hop);
    }
    t.species.push_back(sp);
  }
  return t;
}

}  // namespace ionhop::rates
