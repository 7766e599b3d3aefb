// "ionhop.mlff/1" model files: writer and checking reader (see mlff_model_file.hpp).
#include "ionhop/io/mlff_model_file.hpp"

#include <cmath>
#include <filesystem>
#include <utility>

#include "ionhop/core/error.hpp"
#include "ionhop/io/atomic_file.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

namespace {
const char* kSchema = "ionhop.mlff/1";

// A numeric array of exactly `count` finite numbers (checked without building a JsonInput
// per entry: a posterior factor can hold 10⁵–10⁶ numbers).
std::vector<double> numbers(const JsonInput& in, std::size_t count, const std::string& what) {
  const auto& raw = in.raw();
  if (!raw.is_array()) in.fail("must be an array of numbers");
  if (raw.size() != count)
    in.fail("has " + std::to_string(raw.size()) + " entries, expected " + std::to_string(count) +
            " (" + what + ")");
  std::vector<double> out(count);
  for (std::size_t k = 0; k < count; ++k) {
    const auto& v = raw[k];
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      JsonInput(v, in.file(), in.path() + "/" + std::to_string(k)).fail("must be a finite number");
    out[k] = v.get<double>();
  }
  return out;
}
}  // namespace

nlohmann::json mlff_model_to_json(const mlff::LinearModel& model) {
  nlohmann::json j;
  j["schema"] = kSchema;
  j["model"] = "linear";
  j["descriptor"] = mlff::descriptor_settings_json(model.descriptor().settings());
  const auto features = static_cast<Eigen::Index>(model.descriptor().feature_count());
  nlohmann::json weights = nlohmann::json::object();
  for (std::size_t s = 0; s < model.elements().size(); ++s) {
    const auto off = static_cast<Eigen::Index>(s * model.block_size());
    const Eigen::VectorXd w = model.weights().segment(off + 1, features);
    weights[model.elements()[s]] = {
        {"bias_ev", model.weights()[off]},
        {"features", std::vector<double>(w.data(), w.data() + w.size())}};
  }
  j["weights"] = weights;
  if (model.core_repulsion().enabled())  // written only when used: older files stay valid
    j["core_repulsion"] = {{"kind", "zbl"},
                           {"inner_angstrom", model.core_repulsion().inner_angstrom},
                           {"outer_angstrom", model.core_repulsion().outer_angstrom}};
  if (model.has_uncertainty()) {
    const Eigen::MatrixXd& r = model.precision_cholesky_upper();
    std::vector<double> packed;
    packed.reserve(static_cast<std::size_t>(r.rows() * (r.rows() + 1) / 2));
    for (Eigen::Index row = 0; row < r.rows(); ++row)
      for (Eigen::Index col = row; col < r.cols(); ++col) packed.push_back(r(row, col));
    j["posterior"] = {{"parameter_count", r.rows()}, {"precision_cholesky_upper", packed}};
  }
  const auto& t = model.training();
  j["training"] = {{"structures", t.structures},
                   {"atoms", t.atoms},
                   {"energy_observations", t.energy_observations},
                   {"force_observations", t.force_observations},
                   {"stress_observations", t.stress_observations},
                   {"energy_rmse_ev_per_atom", t.energy_rmse_ev_per_atom},
                   {"energy_mae_ev_per_atom", t.energy_mae_ev_per_atom},
                   {"force_rmse_ev_per_angstrom", t.force_rmse_ev_per_angstrom},
                   {"force_mae_ev_per_angstrom", t.force_mae_ev_per_angstrom},
                   {"stress_rmse_ev_per_angstrom3", t.stress_rmse_ev_per_angstrom3},
                   {"data_sha256", t.data_sha256},
                   {"date", t.date},
                   {"settings",
                    {{"energy_sigma_ev_per_atom", t.settings.energy_sigma_ev_per_atom},
                     {"force_sigma_ev_per_angstrom", t.settings.force_sigma_ev_per_angstrom},
                     {"stress_sigma_ev_per_angstrom3", t.settings.stress_sigma_ev_per_angstrom3},
                     {"ridge_lambda", t.settings.ridge_lambda}}}};
  if (t.settings.high_force_scale_ev_per_angstrom > 0)  // written only when used: older files
    j["training"]["settings"]["high_force_scale_ev_per_angstrom"] =
        t.settings.high_force_scale_ev_per_angstrom;
  if (t.cell_charge_e) j["training"]["cell_charge_e"] = *t.cell_charge_e;
  return j;
}

mlff::LinearModel mlff_model_from_json(const nlohmann::json& doc, const std::string& file) {
  const JsonInput root(doc, file, "");
  root.require_object({"schema", "model", "description", "descriptor", "weights", "core_repulsion",
                       "posterior", "training"});
  const std::string schema = root.at("schema").string();
  if (schema != kSchema)
    root.at("schema").fail("unsupported schema \"" + schema + "\" (expected \"" + kSchema + "\")");
  const std::string kind = root.at("model").string();
  if (kind != "linear")
    root.at("model").fail("unsupported model \"" + kind + "\" (expected \"linear\")");
  if (auto d = root.find("description")) (void)d->string();

  // Descriptor hyperparameters.
  const JsonInput dj = root.at("descriptor");
  dj.require_object({"elements", "cutoff_angstrom", "radial_order", "angular_radial_order",
                     "angular_order", "inner_radius_angstrom", "radial_basis", "cutoff_function",
                     "angular"});
  mlff::DescriptorSettings ds;
  for (const JsonInput& e : dj.at("elements").array(1)) ds.elements.push_back(e.string());
  ds.cutoff_angstrom = dj.at("cutoff_angstrom").positive();
  ds.radial_order = static_cast<int>(dj.at("radial_order").integer_at_least(1));
  ds.angular_radial_order = static_cast<int>(dj.at("angular_radial_order").integer_at_least(1));
  ds.angular_order = static_cast<int>(dj.at("angular_order").integer_at_least(0));
  if (auto r = dj.find("inner_radius_angstrom")) {
    ds.inner_radius_angstrom = r->positive();
    if (ds.inner_radius_angstrom >= ds.cutoff_angstrom) r->fail("must be below cutoff_angstrom");
  }
  const nlohmann::json expected = mlff::descriptor_settings_json(ds);
  for (const char* key : {"radial_basis", "cutoff_function", "angular"}) {
    const std::string got = dj.at(key).string();
    if (got != expected[key].get<std::string>())
      dj.at(key).fail("unsupported basis \"" + got + "\" (this build implements \"" +
                      expected[key].get<std::string>() + "\")");
  }
  std::optional<mlff::Descriptor> descriptor;
  try {
    descriptor.emplace(ds);
  } catch (const InputError& e) {
    throw InputError(file, "/descriptor", e.problem());
  }

  // Weights: one block per element, in the descriptor's (sorted) element order.
  const JsonInput wj = root.at("weights");
  if (!wj.raw().is_object()) wj.fail("must be an object mapping each element to its weights");
  for (const auto& [element, _] : wj.raw().items())
    if (descriptor->species_of(element) < 0)
      wj.at(element.c_str()).fail("element " + element + " is not in /descriptor/elements");
  const std::size_t features = descriptor->feature_count();
  Eigen::VectorXd weights(static_cast<Eigen::Index>(descriptor->species_count() * (features + 1)));
  for (std::size_t s = 0; s < descriptor->species_count(); ++s) {
    const JsonInput block = wj.at(descriptor->elements()[s].c_str());
    block.require_object({"bias_ev", "features"});
    const auto off = static_cast<Eigen::Index>(s * (features + 1));
    weights[off] = block.at("bias_ev").number();
    const auto w = numbers(block.at("features"), features, "the descriptor's feature count");
    for (std::size_t k = 0; k < features; ++k)
      weights[off + 1 + static_cast<Eigen::Index>(k)] = w[k];
  }

  Eigen::MatrixXd precision;
  if (auto pj = root.find("posterior")) {
    pj->require_object({"parameter_count", "precision_cholesky_upper"});
    const auto n = weights.size();
    const JsonInput count = pj->at("parameter_count");
    if (count.integer() != n)
      count.fail("is " + std::to_string(count.integer()) + ", expected " + std::to_string(n) +
                 " (elements × (1 + features))");
    const auto packed = numbers(
        pj->at("precision_cholesky_upper"), static_cast<std::size_t>(n * (n + 1) / 2),
        "the upper triangle of a " + std::to_string(n) + " × " + std::to_string(n) + " matrix");
    precision = Eigen::MatrixXd::Zero(n, n);
    std::size_t k = 0;
    for (Eigen::Index row = 0; row < n; ++row)
      for (Eigen::Index col = row; col < n; ++col) precision(row, col) = packed[k++];
    for (Eigen::Index row = 0; row < n; ++row)
      if (precision(row, row) == 0)
        pj->at("precision_cholesky_upper")
            .fail("diagonal entry " + std::to_string(row) + " is zero (singular factor)");
  }

  mlff::TrainingMetadata t;
  if (auto tj = root.find("training")) {
    tj->require_object({"structures", "atoms", "energy_observations", "force_observations",
                        "stress_observations", "energy_rmse_ev_per_atom", "energy_mae_ev_per_atom",
                        "force_rmse_ev_per_angstrom", "force_mae_ev_per_angstrom",
                        "stress_rmse_ev_per_angstrom3", "data_sha256", "date", "settings",
                        "cell_charge_e"});
    if (auto q = tj->find("cell_charge_e")) t.cell_charge_e = static_cast<int>(q->integer());
    auto count = [&](const char* key) {
      return static_cast<std::size_t>(tj->at(key).integer_at_least(0));
    };
    t.structures = count("structures");
    t.atoms = count("atoms");
    t.energy_observations = count("energy_observations");
    t.force_observations = count("force_observations");
    t.stress_observations = count("stress_observations");
    t.energy_rmse_ev_per_atom = tj->at("energy_rmse_ev_per_atom").non_negative();
    t.energy_mae_ev_per_atom = tj->at("energy_mae_ev_per_atom").non_negative();
    t.force_rmse_ev_per_angstrom = tj->at("force_rmse_ev_per_angstrom").non_negative();
    t.force_mae_ev_per_angstrom = tj->at("force_mae_ev_per_angstrom").non_negative();
    t.stress_rmse_ev_per_angstrom3 = tj->at("stress_rmse_ev_per_angstrom3").non_negative();
    // Strings may be empty for a model that was not fitted (e.g. built by hand).
    auto text = [&](const char* key) {
      const JsonInput v = tj->at(key);
      if (!v.raw().is_string()) v.fail("must be a string");
      return v.raw().get<std::string>();
    };
    t.data_sha256 = text("data_sha256");
    t.date = text("date");
    const JsonInput sj = tj->at("settings");
    sj.require_object({"energy_sigma_ev_per_atom", "force_sigma_ev_per_angstrom",
                       "stress_sigma_ev_per_angstrom3", "ridge_lambda",
                       "high_force_scale_ev_per_angstrom"});
    t.settings.energy_sigma_ev_per_atom = sj.at("energy_sigma_ev_per_atom").non_negative();
    t.settings.force_sigma_ev_per_angstrom = sj.at("force_sigma_ev_per_angstrom").non_negative();
    t.settings.stress_sigma_ev_per_angstrom3 =
        sj.at("stress_sigma_ev_per_angstrom3").non_negative();
    t.settings.ridge_lambda = sj.at("ridge_lambda").non_negative();
    if (auto v = sj.find("high_force_scale_ev_per_angstrom"))
      t.settings.high_force_scale_ev_per_angstrom = v->non_negative();
  }
  if (auto cj = root.find("core_repulsion")) {
    cj->require_object({"kind", "inner_angstrom", "outer_angstrom"});
    if (cj->at("kind").string() != "zbl") cj->at("kind").fail("unknown kind (expected \"zbl\")");
    t.settings.core_repulsion.inner_angstrom = cj->at("inner_angstrom").non_negative();
    t.settings.core_repulsion.outer_angstrom = cj->at("outer_angstrom").positive();
    if (t.settings.core_repulsion.inner_angstrom >= t.settings.core_repulsion.outer_angstrom)
      cj->at("inner_angstrom").fail("must be below outer_angstrom");
  }
  try {
    return mlff::LinearModel(descriptor->settings(), std::move(weights), std::move(precision),
                             std::move(t));
  } catch (const InputError& e) {
    // The checks above should catch everything first; keep the file name if not.
    throw InputError(file, e.json_path(), e.problem());
  }
}

mlff::LinearModel load_mlff_model(const std::string& path) {
  nlohmann::json doc;
  (void)JsonInput::parse_file(path, doc);
  return mlff_model_from_json(doc, path);
}

void write_mlff_model(const std::string& path, const mlff::LinearModel& model) {
  write_file_atomically(path, mlff_model_to_json(model).dump() + "\n");
}

std::vector<mlff::TrainingFrame> training_frames_from_extxyz(
    const std::vector<ExtxyzFrame>& frames) {
  std::vector<mlff::TrainingFrame> out;
  out.reserve(frames.size());
  for (const auto& f : frames) {
    mlff::TrainingFrame t;
    t.structure = f.structure;
    t.energy_ev = f.energy_ev;
    t.forces_ev_per_angstrom = f.forces_ev_per_angstrom;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<mlff::TrainingFrame> read_training_frames(const std::vector<std::string>& paths) {
  std::vector<mlff::TrainingFrame> all;
  for (const auto& path : paths) {
    if (!std::filesystem::exists(path)) throw InputError(path, "", "no such file");
    const auto frames = read_extxyz(path);
    if (frames.empty()) throw InputError(path, "", "no frame (an empty training set)");
    for (std::size_t k = 0; k < frames.size(); ++k) {
      const std::string which = "frame " + std::to_string(k + 1);
      if (!frames[k].energy_ev) throw InputError(path, "", which + " has no energy= label");
      if (!frames[k].forces_ev_per_angstrom)
        throw InputError(path, "", which + " has no forces column");
      const int q = frames[k].structure.charge_e;
      if (!all.empty() && q != all.front().structure.charge_e)
        throw InputError(path, "",
                         which + " has cell charge " + std::to_string(q) +
                             " e but the first training frame has " +
                             std::to_string(all.front().structure.charge_e) +
                             " e: fit one model per charge state");
      all.push_back(training_frames_from_extxyz({frames[k]}).front());
    }
  }
  return all;
}

}  // namespace ionhop::io
