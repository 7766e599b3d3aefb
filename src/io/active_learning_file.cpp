// On-the-fly learning config → settings (see the header for the format).
#include "ionhop/io/active_learning_file.hpp"

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

mlff::DescriptorSettings parse_learning_descriptor(const JsonInput& d) {
  mlff::DescriptorSettings s;
  d.require_object({"cutoff_angstrom", "radial_order", "angular_radial_order", "angular_order",
                    "inner_radius_angstrom"});
  if (auto v = d.find("cutoff_angstrom")) s.cutoff_angstrom = v->positive();
  if (auto v = d.find("radial_order")) s.radial_order = static_cast<int>(v->integer_at_least(1));
  if (auto v = d.find("angular_radial_order"))
    s.angular_radial_order = static_cast<int>(v->integer_at_least(1));
  if (auto v = d.find("angular_order")) s.angular_order = static_cast<int>(v->integer_at_least(0));
  if (auto v = d.find("inner_radius_angstrom")) {
    s.inner_radius_angstrom = v->non_negative();
    if (s.inner_radius_angstrom >= s.cutoff_angstrom) v->fail("must be below cutoff_angstrom");
  }
  return s;
}

mlff::FitSettings parse_learning_fit(const std::optional<JsonInput>& f) {
  mlff::FitSettings s;
  s.energy_sigma_ev_per_atom = 0.002;  // the fit-mlff defaults
  s.force_sigma_ev_per_angstrom = 0.05;
  s.stress_sigma_ev_per_angstrom3 = 0;
  if (!f) return s;
  f->require_object({"energy_sigma_ev_per_atom", "force_sigma_ev_per_angstrom", "ridge_lambda",
                     "high_force_scale_ev_per_angstrom", "core_repulsion_angstrom"});
  if (auto v = f->find("energy_sigma_ev_per_atom")) s.energy_sigma_ev_per_atom = v->non_negative();
  if (auto v = f->find("force_sigma_ev_per_angstrom"))
    s.force_sigma_ev_per_angstrom = v->non_negative();
  if (auto v = f->find("ridge_lambda")) s.ridge_lambda = v->positive();
  if (auto v = f->find("high_force_scale_ev_per_angstrom"))
    s.high_force_scale_ev_per_angstrom = v->non_negative();
  if (auto v = f->find("core_repulsion_angstrom")) {  // [inner, outer] of the ZBL switch
    const auto pair = v->array(2);
    if (pair.size() != 2) v->fail("must be [inner, outer] (two numbers, Å)");
    s.core_repulsion.inner_angstrom = pair[0].non_negative();
    s.core_repulsion.outer_angstrom = pair[1].positive();
    if (s.core_repulsion.inner_angstrom >= s.core_repulsion.outer_angstrom)
      v->fail("inner must be below outer");
  }
  return s;
}

LearningReference parse_learning_reference(const JsonInput& ref) {
  LearningReference r;
  ref.require_object({"code", "budget", "ranks", "timeout_s", "smearing_k", "potential"});
  r.code = ref.at("code").string();
  r.budget = static_cast<std::size_t>(ref.at("budget").integer_at_least(0));
  if (r.code == "cp2k") {
    if (ref.has("potential")) ref.at("potential").fail("only for \"code\": \"potential\"");
    if (auto v = ref.find("ranks")) r.cp2k_ranks = static_cast<int>(v->integer_at_least(1));
    if (auto v = ref.find("timeout_s")) r.cp2k_timeout_s = v->positive();
    if (auto v = ref.find("smearing_k")) r.cp2k_smearing_temperature_k = v->non_negative();
  } else if (r.code == "potential") {
    if (ref.has("ranks")) ref.at("ranks").fail("only for \"code\": \"cp2k\"");
    if (ref.has("timeout_s")) ref.at("timeout_s").fail("only for \"code\": \"cp2k\"");
    if (ref.has("smearing_k")) ref.at("smearing_k").fail("only for \"code\": \"cp2k\"");
    r.potential_path = resolve_existing_file(ref.file(), ref.at("potential"));
  } else {
    ref.at("code").fail("must be \"cp2k\" or \"potential\", not \"" + r.code + "\"");
  }
  return r;
}

ActiveLearningConfig load_active_learning_config(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "training", "start", "descriptor", "fit", "md",
                       "selection", "reference"});
  if (root.at("schema").string() != "ionhop.active_learning/1")
    root.at("schema").fail("must be \"ionhop.active_learning/1\"");
  ActiveLearningConfig c;
  c.path = path;
  c.sha256 = core::sha256_hex(read_text_file(path));
  for (const auto& t : root.at("training").array(1))
    c.training_paths.push_back(resolve_existing_file(path, t));

  const JsonInput start = root.at("start");
  start.require_object({"structure", "frame"});
  c.start_path = resolve_existing_file(path, start.at("structure"));
  if (auto f = start.find("frame"))
    c.start_frame = static_cast<std::size_t>(f->integer_at_least(0));

  auto& s = c.settings;
  if (auto d = root.find("descriptor")) s.descriptor = parse_learning_descriptor(*d);
  s.fit = parse_learning_fit(root.find("fit"));

  const JsonInput md = root.at("md");
  md.require_object(
      {"temperatures_k", "steps_per_temperature", "timestep_fs", "friction_per_fs", "seed"});
  for (const auto& t : md.at("temperatures_k").array(1))
    s.temperatures_k.push_back(t.non_negative());
  s.steps_per_temperature =
      static_cast<std::uint64_t>(md.at("steps_per_temperature").integer_at_least(1));
  if (auto v = md.find("timestep_fs")) s.timestep_fs = v->positive();
  if (auto v = md.find("friction_per_fs")) s.friction_per_fs = v->non_negative();
  if (auto v = md.find("seed")) s.seed = v->seed();

  const JsonInput sel = root.at("selection");
  sel.require_object({"force_uncertainty_threshold_ev_per_angstrom", "check_every_steps",
                      "min_steps_between_labels", "min_distance_angstrom"});
  s.force_uncertainty_threshold_ev_per_angstrom =
      sel.at("force_uncertainty_threshold_ev_per_angstrom").positive();
  if (auto v = sel.find("check_every_steps"))
    s.check_every_steps = static_cast<std::uint64_t>(v->integer_at_least(1));
  if (auto v = sel.find("min_steps_between_labels"))
    s.min_steps_between_labels = static_cast<std::uint64_t>(v->integer_at_least(0));
  if (auto v = sel.find("min_distance_angstrom")) s.min_distance_angstrom = v->positive();

  const LearningReference ref = parse_learning_reference(root.at("reference"));
  c.reference = ref;
  s.reference_budget = ref.budget;
  return c;
}

}  // namespace ionhop::io
