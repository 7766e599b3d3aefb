// NEB-band learning config → settings (see the header for the format).
#include "ionhop/io/band_learning_file.hpp"

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

BandLearningConfig load_band_learning_config(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "training", "neb", "endpoints", "symmetrize_rattle",
                       "confirm_minima", "descriptor", "fit", "selection", "reference"});
  if (root.at("schema").string() != "ionhop.neb_learning/1")
    root.at("schema").fail("must be \"ionhop.neb_learning/1\"");
  BandLearningConfig c;
  c.path = path;
  for (const auto& t : root.at("training").array(1))
    c.training_paths.push_back(resolve_existing_file(path, t));
  const std::string neb_path = resolve_existing_file(path, root.at("neb"));
  c.neb = load_neb_config(neb_path);
  c.sha256 = core::sha256_hex(read_text_file(path) + read_text_file(neb_path));
  if (auto v = root.find("endpoints")) {
    try {
      c.endpoints = atomistic::parse_endpoint_mode(v->string());
    } catch (const InputError& e) {
      v->fail(e.problem());
    }
  }
  if (auto v = root.find("confirm_minima")) c.settings.confirm_minima = v->boolean();
  if (auto v = root.find("symmetrize_rattle")) {
    c.symmetrize_rattle = v->boolean();
    if (c.endpoints != atomistic::EndpointMode::kMirror)
      v->fail("only for \"endpoints\": \"mirror\" (it symmetrises under the hop's mirror)");
  }

  auto& s = c.settings;
  s.neb = c.neb.neb;
  s.endpoints = c.endpoints;
  if (auto d = root.find("descriptor")) s.descriptor = parse_learning_descriptor(*d);
  s.fit = parse_learning_fit(root.find("fit"));
  const JsonInput sel = root.at("selection");
  sel.require_object({"force_uncertainty_threshold_ev_per_angstrom", "check_every_steps"});
  s.force_uncertainty_threshold_ev_per_angstrom =
      sel.at("force_uncertainty_threshold_ev_per_angstrom").positive();
  if (auto v = sel.find("check_every_steps"))
    s.check_every_steps = static_cast<std::size_t>(v->integer_at_least(1));
  c.reference = parse_learning_reference(root.at("reference"));
  s.reference_budget = c.reference.budget;
  return c;
}

}  // namespace ionhop::io
