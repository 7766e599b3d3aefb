// "ionhop.mlff/1" model files: exact round trip of a fitted model (weights, posterior,
// metadata) and one precise line for corrupted files, wrong versions, missing fields and
// weight-count mismatches.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "../test_support.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/mlff/fit.hpp"

using namespace ionhop;
using atomistic::Structure;
using atomistic::Vec3;

namespace {

Structure cell(unsigned seed) {
  Eigen::Matrix3d rows;
  rows << 8.0, 0, 0, 0.5, 8.2, 0, 0.3, -0.4, 8.1;
  return test::perturbed_pb_i_grid(rows, 3, 0.3, 0.5, seed);
}

mlff::DescriptorSettings settings() {
  mlff::DescriptorSettings s;
  s.elements = {"Pb", "I"};
  s.cutoff_angstrom = 3.9;
  s.radial_order = 4;
  s.angular_radial_order = 2;
  s.angular_order = 2;
  return s;
}

// A small fitted model with posterior and metadata (random labels: only the file matters).
mlff::LinearModel fitted_model(double high_force_scale_ev_per_angstrom = 0) {
  std::vector<mlff::TrainingFrame> frames;
  std::mt19937 rng(3);
  std::normal_distribution<double> n;
  for (unsigned k = 0; k < 5; ++k) {
    mlff::TrainingFrame f;
    f.structure = cell(k);
    f.energy_ev = -3.0 * static_cast<double>(f.structure.size()) + n(rng);
    Eigen::Matrix3Xd forces(3, static_cast<Eigen::Index>(f.structure.size()));
    for (Eigen::Index c = 0; c < forces.size(); ++c) forces.data()[c] = 0.1 * n(rng);
    f.forces_ev_per_angstrom = forces;
    frames.push_back(f);
  }
  mlff::FitSettings fit;
  fit.high_force_scale_ev_per_angstrom = high_force_scale_ev_per_angstrom;
  return mlff::fit_linear_model(settings(), frames, fit);
}

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "ionhop_test_mlff";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string write_text(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("MLFF model files round-trip exactly", "[mlff]") {
  const mlff::LinearModel model = fitted_model();
  REQUIRE(model.has_uncertainty());
  const std::string path = temp_path("model.json");
  io::write_mlff_model(path, model);
  const mlff::LinearModel back = io::load_mlff_model(path);
  CHECK(back.weights() == model.weights());
  CHECK(back.precision_cholesky_upper() == model.precision_cholesky_upper());
  CHECK(back.parameters_json() == model.parameters_json());
  CHECK(back.training().data_sha256 == model.training().data_sha256);
  CHECK(back.training().date == model.training().date);
  CHECK(back.training().force_rmse_ev_per_angstrom == model.training().force_rmse_ev_per_angstrom);
  CHECK(back.training().settings.ridge_lambda == model.training().settings.ridge_lambda);
  CHECK(back.training().force_observations == model.training().force_observations);
  const Structure s = cell(42);
  const auto a = model.compute(s), b = back.compute(s);
  CHECK(a.energy_ev == b.energy_ev);
  CHECK(a.forces_ev_per_angstrom == b.forces_ev_per_angstrom);
  CHECK(model.uncertainty(s).total_ev == back.uncertainty(s).total_ev);
  // The high-force scale F0 is written only when used, and read back.
  CHECK_FALSE(io::mlff_model_to_json(model)["training"]["settings"].contains(
      "high_force_scale_ev_per_angstrom"));
  CHECK(back.training().settings.high_force_scale_ev_per_angstrom == 0);
  const mlff::LinearModel weighted = fitted_model(0.05);
  io::write_mlff_model(path, weighted);
  CHECK(io::load_mlff_model(path).training().settings.high_force_scale_ev_per_angstrom == 0.05);
  // A model without a posterior round-trips too (and has no uncertainty).
  const mlff::LinearModel bare(settings(), model.weights());
  io::write_mlff_model(path, bare);
  CHECK_FALSE(io::load_mlff_model(path).has_uncertainty());
}

TEST_CASE("An MLFF model is tied to the cell charge of its training frames", "[mlff][bad-input]") {
  const mlff::LinearModel neutral = fitted_model();
  REQUIRE(neutral.training().cell_charge_e == 0);
  std::vector<mlff::TrainingFrame> frames;
  for (unsigned k = 0; k < 3; ++k) {
    mlff::TrainingFrame f;
    f.structure = cell(k);
    f.structure.charge_e = 1;
    f.energy_ev = -3.0 * static_cast<double>(f.structure.size());
    f.forces_ev_per_angstrom =
        Eigen::Matrix3Xd::Zero(3, static_cast<Eigen::Index>(f.structure.size()));
    frames.push_back(f);
  }
  const mlff::LinearModel charged = mlff::fit_linear_model(settings(), frames);
  REQUIRE(charged.training().cell_charge_e == 1);
  const std::string path = temp_path("charged.json");
  io::write_mlff_model(path, charged);
  const mlff::LinearModel back = io::load_mlff_model(path);
  CHECK(back.training().cell_charge_e == 1);
  Structure s = cell(9);
  s.charge_e = 1;
  CHECK_NOTHROW(back.compute(s));
  s.charge_e = 0;
  try {
    (void)back.compute(s);
    FAIL("a neutral cell was accepted by a +1 model");
  } catch (const InputError& e) {
    CHECK_THAT(e.problem(), Catch::Contains("charge +1 e") && Catch::Contains("cell charge 0 e"));
  }
  CHECK_THROWS_AS(back.uncertainty(s), InputError);
  // Frames of mixed charge: no charge recorded (fit_linear_model itself allows it).
  frames[0].structure.charge_e = 0;
  CHECK_FALSE(mlff::fit_linear_model(settings(), frames).training().cell_charge_e.has_value());
}

TEST_CASE("Bad MLFF model files give one precise line", "[mlff][bad-input]") {
  const nlohmann::json good = io::mlff_model_to_json(fitted_model());
  auto error_of = [](const nlohmann::json& doc) {
    const std::string path = write_text("bad.json", doc.dump());
    std::string message = test::input_error_of([&] { io::load_mlff_model(path); });
    // Report relative to the file for readable expectations.
    const auto at = message.find(path);
    if (at == 0) message = "FILE" + message.substr(path.size());
    return message;
  };
  CHECK(error_of(good) == "(no error)");

  const std::string truncated = write_text("truncated.json", good.dump().substr(0, 200));
  CHECK(test::input_error_of([&] {
          io::load_mlff_model(truncated);
        }).starts_with(truncated + ": malformed JSON near line 1, column"));

  nlohmann::json doc = good;
  doc["schema"] = "ionhop.mlff/2";
  CHECK(error_of(doc) ==
        "FILE: /schema: unsupported schema \"ionhop.mlff/2\" (expected \"ionhop.mlff/1\")");

  doc = good;
  doc.erase("weights");
  CHECK(error_of(doc) == "FILE: /weights: missing required key");

  doc = good;
  doc["weights"].erase("Pb");
  CHECK(error_of(doc) == "FILE: /weights/Pb: missing required key");

  doc = good;
  doc["weights"]["I"]["features"].erase(0);
  CHECK(error_of(doc) ==
        "FILE: /weights/I/features: has 37 entries, expected 38 (the descriptor's feature count)");

  doc = good;
  doc["descriptor"]["radial_order"] = 5;  // the stored weights no longer fit the descriptor
  CHECK(error_of(doc) ==
        "FILE: /weights/I/features: has 38 entries, expected 40 (the descriptor's feature count)");

  doc = good;
  doc["weights"]["I"]["features"][3] = "x";
  CHECK(error_of(doc) == "FILE: /weights/I/features/3: must be a finite number");

  doc = good;
  doc["weights"]["Br"] = doc["weights"]["I"];
  CHECK(error_of(doc) == "FILE: /weights/Br: element Br is not in /descriptor/elements");

  doc = good;
  doc["descriptor"]["angular"] = "spherical harmonics";
  CHECK(error_of(doc).starts_with(
      "FILE: /descriptor/angular: unsupported basis \"spherical harmonics\""));

  doc = good;
  doc["descriptor"].erase("cutoff_angstrom");
  CHECK(error_of(doc) == "FILE: /descriptor/cutoff_angstrom: missing required key");

  doc = good;
  doc["posterior"]["precision_cholesky_upper"].erase(10);
  CHECK(error_of(doc) ==
        "FILE: /posterior/precision_cholesky_upper: has 3080 entries, expected 3081 (the upper "
        "triangle of a 78 × 78 matrix)");

  doc = good;
  doc["training"]["date"] = 2026;
  CHECK(error_of(doc) == "FILE: /training/date: must be a string");

  doc = good;
  doc["training"]["settings"]["high_force_scale_ev_per_angstrom"] = -0.5;
  CHECK(error_of(doc) ==
        "FILE: /training/settings/high_force_scale_ev_per_angstrom: must be a finite number >= 0 "
        "(got -0.5)");

  doc = good;
  doc["extra"] = 1;
  CHECK(error_of(doc).starts_with("FILE: /extra: unknown key"));

  CHECK(test::input_error_of([] {
          io::load_mlff_model(temp_path("does_not_exist.json"));
        }).find("cannot read file") != std::string::npos);
}
