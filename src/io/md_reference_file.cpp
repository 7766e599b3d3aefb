#include "ionhop/io/md_reference_file.hpp"

#include <set>

#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

analysis::MdReference load_md_reference(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "source", "md_temperatures_k",
                       "md_time_per_temperature_ns", "note", "species"});
  if (root.at("schema").string() != "ionhop.md_arrhenius/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.md_arrhenius/1\")");
  analysis::MdReference ref;
  ref.description = root.at("description").string();
  for (const auto& t : root.at("md_temperatures_k").array(1))
    ref.temperatures_k.push_back(t.positive());
  if (auto t = root.find("md_time_per_temperature_ns"))
    ref.observation_time_s = t->positive() * 1e-9;
  std::set<std::string> names;
  for (const auto& s : root.at("species").array(1)) {
    s.require_object({"name", "mechanism", "charge", "immobile", "activation_energy_ev",
                      "activation_energy_err_ev", "prefactor_cm2_s", "prefactor_err_cm2_s",
                      "diffusion_300k_cm2_s"});
    analysis::MdArrhenius md;
    md.species = s.at("name").string();
    if (!names.insert(md.species).second)
      s.at("name").fail("duplicate species '" + md.species + "'");
    if (auto im = s.find("immobile")) md.immobile = im->boolean();
    if (auto m = s.find("mechanism")) {
      md.mechanism = m->string();
      if (md.mechanism != "vacancy" && md.mechanism != "interstitial")
        m->fail("must be \"vacancy\" or \"interstitial\"");
    }
    if (auto q = s.find("charge")) md.charge = static_cast<int>(q->integer());
    if (!md.immobile) {
      md.activation_energy_ev = s.at("activation_energy_ev").non_negative();
      md.activation_energy_err_ev = s.at("activation_energy_err_ev").non_negative();
      md.prefactor_cm2_s = s.at("prefactor_cm2_s").positive();
      md.prefactor_err_cm2_s = s.at("prefactor_err_cm2_s").non_negative();
      if (auto d = s.find("diffusion_300k_cm2_s")) md.diffusion_300k_cm2_s = d->positive();
    }
    ref.species.push_back(md);
  }
  return ref;
}

}  // namespace ionhop::io
