#include "ionhop/sweep/sweep_config.hpp"

#include <cmath>
#include <cstdio>

#include "ionhop/core/random_stream.hpp"

namespace ionhop::sweep {

std::vector<SweepPoint> expand_grid(const SweepConfig& config) {
  std::vector<SweepPoint> points;
  for (const auto& name : config.species) {
    const std::size_t index = *config.rate_table.species_index(name);
    for (std::size_t comp = 0; comp < config.compositions.size(); ++comp) {
      const std::string label = composition_label(config.compositions[comp]);
      for (const auto& cell : config.supercells)
        for (std::size_t count : config.defect_counts)
          for (const auto& field : config.fields_v_per_cm)
            for (double fermi : config.fermi_levels_ev)
              for (double t : config.temperatures_k)
                points.push_back({name, index, t, cell, count, field, fermi, comp, label});
    }
  }
  return points;
}

std::uint64_t stream_id(const SweepPoint& p, std::size_t replica) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "|%.17g|%dx%dx%d|%zu", p.temperature_k, p.supercell[0],
                p.supercell[1], p.supercell[2], p.defects);
  std::string identity = p.species + buf;
  // Field and Fermi level join the identity only when set, so zero-field points keep the
  // streams they always had.
  if (p.has_field()) {
    std::snprintf(buf, sizeof buf, "|E=%.17g,%.17g,%.17g", p.field_v_per_cm[0], p.field_v_per_cm[1],
                  p.field_v_per_cm[2]);
    identity += buf;
  }
  if (std::isfinite(p.fermi_level_ev)) {
    std::snprintf(buf, sizeof buf, "|EF=%.17g", p.fermi_level_ev);
    identity += buf;
  }
  if (!p.composition_label.empty()) identity += "|" + p.composition_label;
  return core::mix64(core::stable_hash64(identity) ^ core::mix64(replica));
}

std::string composition_label(const std::vector<kmc::SublatticeComposition>& composition) {
  std::string out;
  for (const auto& c : composition) {
    if (!out.empty()) out += "; ";
    out += c.sublattice + ":";
    if (!c.layers.empty()) {
      for (std::size_t i = 0; i < c.layers.size(); ++i)
        out += std::string(i ? " |" : "") + " " + c.layers[i].occupant + "x" +
               std::to_string(c.layers[i].cells);
      if (!c.interface_occupants.empty()) {
        out += " (interfaces";
        for (std::size_t i = 0; i < c.interface_occupants.size(); ++i)
          out += std::string(i ? ", " : " ") + c.interface_occupants[i];
        out += ")";
      }
      continue;
    }
    for (std::size_t i = 0; i < c.fractions.size(); ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s %s %.6g", i ? "," : "", c.fractions[i].first.c_str(),
                    c.fractions[i].second);
      out += buf;
    }
  }
  return out;
}

double SweepPoint::field_magnitude_v_per_cm() const {
  return std::sqrt(field_v_per_cm[0] * field_v_per_cm[0] + field_v_per_cm[1] * field_v_per_cm[1] +
                   field_v_per_cm[2] * field_v_per_cm[2]);
}

}  // namespace ionhop::sweep
