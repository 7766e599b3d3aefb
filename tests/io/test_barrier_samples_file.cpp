// Barrier-sample files (schema "ionhop.barrier_samples/1"): round trip, append, and one-line
// errors naming file and JSON path for bad input.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "ionhop/io/barrier_samples_file.hpp"
#include "ionhop/io/json_input.hpp"

using namespace ionhop;
namespace fs = std::filesystem;

namespace {
std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() /
          ("ionhop_test_" + std::to_string(::getpid()) + "_samples_" + name))
      .string();
}

std::string write_text(const std::string& name, const std::string& text) {
  const std::string p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

barriers::BarrierSample sample(const std::string& id, bool converged) {
  barriers::BarrierSample b;
  b.id = id;
  b.defect = "V_I^+";
  b.moving_species = "Br";
  b.initial_counts = {{"Br", 3}, {"I", 5}};
  b.final_counts = {{"Br", 4}, {"I", 4}};
  b.barrier_ev = converged ? 0.3125 : NAN;
  b.reaction_energy_ev = converged ? -0.015625 : NAN;
  b.converged = converged;
  b.occupation_key = "Br:3,7,11";
  return b;
}

// A one-sample file with `field` of the sample replaced by `value` ("" removes it).
std::string one_sample(const std::string& field, const std::string& value) {
  nlohmann::json s = {{"id", "a"},
                      {"defect", "V_I^+"},
                      {"moving_species", "I"},
                      {"initial_counts", {{"I", 8}}},
                      {"final_counts", {{"I", 8}}},
                      {"barrier_ev", 0.3},
                      {"reaction_energy_ev", 0.0},
                      {"converged", true}};
  if (value.empty())
    s.erase(field);
  else
    s[field] = nlohmann::json::parse(value);
  return nlohmann::json{{"schema", "ionhop.barrier_samples/1"}, {"samples", {s}}}.dump();
}

// Each case is the text of a bad samples file and a part of the error it must give: one line
// that starts with the file's path.
void check_bad_sample_files(const std::vector<std::pair<std::string, std::string>>& cases,
                            const std::string& stem) {
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const std::string p = write_text(stem + std::to_string(k) + ".json", cases[k].first);
    const std::string msg = test::input_error_of([&] { io::load_barrier_samples(p); });
    fs::remove(p);
    INFO("case " << k << ": " << msg);
    CHECK(msg.rfind(p + ": ", 0) == 0);
    CHECK(msg.find(cases[k].second) != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
}
}  // namespace

TEST_CASE("barrier sample files round-trip and append", "[io][barrier_fit]") {
  io::BarrierSampleSet set;
  set.description = "test samples";
  set.provenance = R"({"potential":"synthetic","neb":{"images":7}})";
  set.samples = {sample("a", true), sample("b", false)};
  const std::string path = temp_path("roundtrip.json");
  io::write_barrier_samples(path, set);
  const auto back = io::load_barrier_samples(path);
  CHECK(back.description == "test samples");
  CHECK(nlohmann::json::parse(back.provenance).at("neb").at("images") == 7);
  REQUIRE(back.samples.size() == 2);
  const auto& a = back.samples[0];
  CHECK(a.id == "a");
  CHECK(a.defect == "V_I^+");
  CHECK(a.moving_species == "Br");
  CHECK(a.initial_counts == set.samples[0].initial_counts);
  CHECK(a.final_counts == set.samples[0].final_counts);
  CHECK(a.barrier_ev == 0.3125);
  CHECK(a.reaction_energy_ev == -0.015625);
  CHECK(a.converged);
  CHECK(a.occupation_key == "Br:3,7,11");
  CHECK_FALSE(back.samples[1].converged);
  CHECK(std::isnan(back.samples[1].barrier_ev));  // written as null

  io::append_barrier_samples(path, {sample("c", true)});
  CHECK(io::load_barrier_samples(path).samples.size() == 3);
  CHECK(test::input_error_of([&] {
          io::append_barrier_samples(path, {sample("a", true)});
        }).find("sample id 'a' is already in the file") != std::string::npos);
  fs::remove(path);

  const std::string fresh = temp_path("fresh.json");
  fs::remove(fresh);
  io::append_barrier_samples(fresh, {sample("x", true)}, set);
  const auto created = io::load_barrier_samples(fresh);
  CHECK(created.description == "test samples");
  CHECK(created.samples.size() == 1);
  fs::remove(fresh);
}

TEST_CASE("bad barrier sample files give one-line errors", "[io][barrier_fit]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"schema": "ionhop.barrier_samples/2", "samples": []})",
       "/schema: unsupported schema (expected \"ionhop.barrier_samples/1\")"},
      {R"({"samples": []})", "/schema: missing required key"},
      {R"({"schema": "ionhop.barrier_samples/1"})", "/samples: missing required key"},
      {R"({"schema": "ionhop.barrier_samples/1", "samples": [], "extra": 1})",
       "/extra: unknown key"},
      {R"({"schema": "ionhop.barrier_samples/1", "samples": [)", "malformed JSON near line 1"},
      {one_sample("barrier_ev", ""), "/samples/0/barrier_ev: missing required key"},
      {one_sample("converged", ""), "/samples/0/converged: missing required key"},
      {one_sample("moving_species", ""), "/samples/0/moving_species: missing required key"},
      {one_sample("initial_counts", R"({"I": 9, "Br": -1})"),
       "/samples/0/initial_counts/Br: must be an integer >= 0 (got -1)"},
      {one_sample("final_counts", R"({"I": 7.5})"),
       "/samples/0/final_counts/I: must be an integer, not a number"},
      {one_sample("final_counts", "{}"), "/samples/0/final_counts: must be a non-empty object"},
      {one_sample("barrier_ev", "-0.1"), "/samples/0/barrier_ev: must be >= 0"},
      {one_sample("reaction_energy_ev", "0.5"),
       "/samples/0/barrier_ev: must be >= reaction_energy_ev (0.5)"},
      {one_sample("barrier_ev", "\"high\""),
       "/samples/0/barrier_ev: must be a number, not a string"},
      {one_sample("defect", "\"\""), "/samples/0/defect: must not be empty"},
      {one_sample("colour", "1"), "/samples/0/colour: unknown key"},
  };
  check_bad_sample_files(cases, "bad");

  // Duplicate ids; a non-converged sample may omit its energies.
  nlohmann::json doc = nlohmann::json::parse(one_sample("converged", "false"));
  doc["samples"][0].erase("barrier_ev");
  doc["samples"].push_back(doc["samples"][0]);
  const std::string dup = write_text("dup.json", doc.dump());
  CHECK(test::input_error_of([&] {
          io::load_barrier_samples(dup);
        }).find("/samples/1/id: duplicate sample id 'a'") != std::string::npos);
  doc["samples"][1]["id"] = "b";
  const std::string ok = write_text("ok.json", doc.dump());
  const auto set = io::load_barrier_samples(ok);
  CHECK(std::isnan(set.samples[1].barrier_ev));
  CHECK(set.samples[1].reaction_energy_ev == 0.0);
  fs::remove(dup);
  fs::remove(ok);
}

TEST_CASE("barrier sample files: the optional vineyard fields round-trip and old files still load",
          "[io][barrier_fit][vineyard]") {
  io::BarrierSampleSet set;
  auto with = sample("a", true);
  with.attempt_frequency_hz = 9.0625e11;  // exact in binary, so the text round trip is exact
  with.imaginary_frequency_thz = 0.390625;
  with.vineyard_warning = "minimum has 1 near-zero mode (-0.01 THz, |nu| < 0.05 THz)";
  auto failed = sample("b", true);  // converged, but the saddle failed the mode check
  failed.vineyard_warning = "no prefactor: saddle has 2 imaginary modes (-3.1, -0.4 THz)";
  set.samples = {with, failed, sample("c", true), sample("d", false)};
  const std::string path = temp_path("vineyard.json");
  io::write_barrier_samples(path, set);
  const nlohmann::json written = nlohmann::json::parse(io::read_text_file(path));
  // Samples without the fields are written exactly as before.
  CHECK_FALSE(written["samples"][2].contains("attempt_frequency_hz"));
  CHECK_FALSE(written["samples"][2].contains("imaginary_frequency_thz"));
  CHECK_FALSE(written["samples"][2].contains("vineyard_warning"));
  CHECK_FALSE(written["samples"][1].contains("attempt_frequency_hz"));
  const auto back = io::load_barrier_samples(path);
  fs::remove(path);
  REQUIRE(back.samples.size() == 4);
  REQUIRE(back.samples[0].attempt_frequency_hz);
  CHECK(*back.samples[0].attempt_frequency_hz == 9.0625e11);
  REQUIRE(back.samples[0].imaginary_frequency_thz);
  CHECK(*back.samples[0].imaginary_frequency_thz == 0.390625);
  CHECK(back.samples[0].vineyard_warning == with.vineyard_warning);
  CHECK_FALSE(back.samples[1].attempt_frequency_hz);
  CHECK(back.samples[1].vineyard_warning == failed.vineyard_warning);
  for (std::size_t k : {std::size_t{2}, std::size_t{3}}) {
    CHECK_FALSE(back.samples[k].attempt_frequency_hz);
    CHECK_FALSE(back.samples[k].imaginary_frequency_thz);
    CHECK(back.samples[k].vineyard_warning.empty());
  }

  // A file written before campaigns computed prefactors (no Vineyard keys at all).
  const std::string old = write_text("old.json", one_sample("colour", ""));
  const auto loaded = io::load_barrier_samples(old);
  fs::remove(old);
  REQUIRE(loaded.samples.size() == 1);
  CHECK(loaded.samples[0].converged);
  CHECK_FALSE(loaded.samples[0].attempt_frequency_hz);
  CHECK_FALSE(loaded.samples[0].imaginary_frequency_thz);
  CHECK(loaded.samples[0].vineyard_warning.empty());

  // Bad Vineyard fields: one line naming file and pointer.
  nlohmann::json not_converged = nlohmann::json::parse(one_sample("converged", "false"));
  not_converged["samples"][0]["attempt_frequency_hz"] = 1e12;
  nlohmann::json imaginary_alone = nlohmann::json::parse(one_sample("colour", ""));
  imaginary_alone["samples"][0]["imaginary_frequency_thz"] = 0.4;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {one_sample("attempt_frequency_hz", "-1e12"),
       "/samples/0/attempt_frequency_hz: must be a finite number > 0"},
      {one_sample("attempt_frequency_hz", "0"), "/samples/0/attempt_frequency_hz: "},
      {one_sample("attempt_frequency_hz", "\"vineyard\""), "/samples/0/attempt_frequency_hz: "},
      {not_converged.dump(),
       "/samples/0/attempt_frequency_hz: a sample that is not converged has no attempt "
       "frequency"},
      {imaginary_alone.dump(),
       "/samples/0/imaginary_frequency_thz: given without attempt_frequency_hz"},
      {one_sample("vineyard_warning", "3"), "/samples/0/vineyard_warning: must be a string"},
  };
  check_bad_sample_files(cases, "badnu");
}

TEST_CASE("barrier sample files: endpoint_separation_angstrom round-trips; merged endpoints",
          "[io][barrier_fit]") {
  io::BarrierSampleSet set;
  auto hop = sample("a", true), merged = sample("b", true);
  hop.endpoint_separation_angstrom = 4.43;
  merged.endpoint_separation_angstrom = 0.004;
  set.samples = {hop, merged, sample("c", true)};
  const std::string path = temp_path("separation.json");
  io::write_barrier_samples(path, set);
  const auto back = io::load_barrier_samples(path);
  fs::remove(path);
  REQUIRE(back.samples[0].endpoint_separation_angstrom);
  CHECK(*back.samples[0].endpoint_separation_angstrom == 4.43);
  CHECK(*back.samples[1].endpoint_separation_angstrom == 0.004);
  CHECK_FALSE(back.samples[2].endpoint_separation_angstrom);
  CHECK_FALSE(barriers::endpoints_merged(back.samples[0]));
  CHECK(barriers::endpoints_merged(back.samples[1]));
  CHECK_FALSE(barriers::endpoints_merged(back.samples[2]));  // not recorded: not merged

  nlohmann::json not_converged = nlohmann::json::parse(one_sample("converged", "false"));
  not_converged["samples"][0]["endpoint_separation_angstrom"] = 0.0;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {not_converged.dump(),
       "/samples/0/endpoint_separation_angstrom: a sample that is not converged has no relaxed "
       "endpoints"},
      {one_sample("endpoint_separation_angstrom", "-0.5"),
       "/samples/0/endpoint_separation_angstrom: must be a finite number >= 0 (got -0.5)"},
  };
  check_bad_sample_files(cases, "badsep");
}

TEST_CASE("barrier sample files: initial_energy_ev round-trips, exactly; bad values are errors",
          "[io][barrier_fit]") {
  io::BarrierSampleSet set;
  auto with = sample("a", true);
  with.initial_energy_ev = -12381.7740936;
  set.samples = {with, sample("b", true)};
  const std::string path = temp_path("initial_energy.json");
  io::write_barrier_samples(path, set);
  const auto back = io::load_barrier_samples(path);
  fs::remove(path);
  REQUIRE(back.samples[0].initial_energy_ev);
  CHECK(*back.samples[0].initial_energy_ev == with.initial_energy_ev);
  CHECK_FALSE(back.samples[1].initial_energy_ev);

  nlohmann::json not_converged = nlohmann::json::parse(one_sample("converged", "false"));
  not_converged["samples"][0]["initial_energy_ev"] = -1.0;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {not_converged.dump(),
       "/samples/0/initial_energy_ev: a sample that is not converged has no relaxed initial "
       "state"},
      {one_sample("initial_energy_ev", "\"low\""), "/samples/0/initial_energy_ev: "},
  };
  check_bad_sample_files(cases, "bade");
}

TEST_CASE("barrier sample files: the midpoint fields round-trip; bad values are errors",
          "[io][barrier_fit][midpoint]") {
  io::BarrierSampleSet set;
  auto with = sample("a", true);
  with.midpoint_energy_ev = 0.109375;
  with.mirror_plane_energy_ev = 0.171875;
  set.samples = {with, sample("b", true)};
  const std::string path = temp_path("midpoint.json");
  io::write_barrier_samples(path, set);
  const auto back = io::load_barrier_samples(path);
  fs::remove(path);
  REQUIRE(back.samples[0].midpoint_energy_ev);
  CHECK(*back.samples[0].midpoint_energy_ev == *with.midpoint_energy_ev);
  REQUIRE(back.samples[0].mirror_plane_energy_ev);
  CHECK(*back.samples[0].mirror_plane_energy_ev == *with.mirror_plane_energy_ev);
  CHECK_FALSE(back.samples[1].midpoint_energy_ev);
  CHECK_FALSE(back.samples[1].mirror_plane_energy_ev);

  nlohmann::json not_converged = nlohmann::json::parse(one_sample("converged", "false"));
  not_converged["samples"][0]["midpoint_energy_ev"] = 0.1;
  nlohmann::json plane_only = nlohmann::json::parse(one_sample("mirror_plane_energy_ev", "0.1"));
  nlohmann::json above = nlohmann::json::parse(one_sample("midpoint_energy_ev", "0.1"));
  above["samples"][0]["mirror_plane_energy_ev"] = 0.5;  // above barrier_ev 0.3
  const std::vector<std::pair<std::string, std::string>> cases = {
      {not_converged.dump(),
       "/samples/0/midpoint_energy_ev: a sample that is not converged has no relaxed midpoint"},
      {one_sample("midpoint_energy_ev", "0.4"),
       "/samples/0/midpoint_energy_ev: must be <= barrier_ev (0.3)"},
      {plane_only.dump(), "/samples/0/mirror_plane_energy_ev: given without midpoint_energy_ev"},
      {above.dump(), "/samples/0/mirror_plane_energy_ev: must be <= barrier_ev (0.3)"},
  };
  check_bad_sample_files(cases, "badm");
}
