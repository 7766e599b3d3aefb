// A sweep config may list several rate tables (fit-barriers writes one per campaign, e.g. one
// per charge state): their species are combined, each file is recorded in the inputs, and a
// species defined twice, or two charge models, is a one-line error naming the file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/sweep_config_file.hpp"

using namespace ionhop;
namespace fs = std::filesystem;

namespace {
// A scratch directory holding a sweep config that points at shipped files by absolute path.
struct ConfigDir {
  fs::path dir =
      fs::temp_directory_path() / ("ionhop_test_sweep_rates_" + std::to_string(::getpid()));
  ConfigDir() { fs::create_directories(dir); }
  ~ConfigDir() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string sweep(const std::string& rates_json) const {
    return write("sweep.json", R"({"schema": "ionhop.sweep/1", "description": "test",
      "lattice": ")" + test::source_path("lattices/cspbi3_cubic.json") +
                                   R"(", "rates": )" + rates_json + R"(,
      "temperatures_k": [500], "supercells": [[4, 4, 4]], "replicas": 2,
      "stop": {"hops": 100}, "blocks": 4, "seed": 1})");
  }
};

// A one-species table, V_I^0 with the given name, in the rate-table file format.
std::string vacancy_table(const std::string& species) {
  return R"J({"schema": "ionhop.rates/1", "name": "test", "description": "test",
    "provenance": "synthetic (test)", "species": [{"name": ")J" +
         species + R"J(", "mechanism": "vacancy", "charge": 0, "sublattice": "X",
      "provenance": "synthetic (test)", "hops": [{"shell": "X-X", "barrier_ev": 0.3,
      "attempt_frequency_hz": 1e12, "provenance": "synthetic (test)"}]}]})J";
}

std::string input_error(const std::string& config) {
  try {
    io::load_sweep_config(config);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("sweep config: a list of rate tables combines their species", "[sweep][io]") {
  const ConfigDir d;
  const std::string mlff = test::source_path("rates/cspbi3_vi_plus_mlff.json");
  const std::string extra = d.write("extra.json", vacancy_table("V_I^0"));
  const auto c = io::load_sweep_config(d.sweep("[\"" + mlff + "\", \"" + extra + "\"]"));
  REQUIRE(c.rate_table.species.size() == 2);
  CHECK(c.rate_table.species[0].name == "V_I^+");
  CHECK(c.rate_table.species[1].name == "V_I^0");
  CHECK(c.species == std::vector<std::string>{"V_I^+", "V_I^0"});  // default: every species
  std::size_t rate_inputs = 0;
  for (const auto& in : c.inputs) rate_inputs += in.role == "rates";
  CHECK(rate_inputs == 2);

  // One file as a plain string still works and gives the same first species.
  const auto single = io::load_sweep_config(d.sweep("\"" + mlff + "\""));
  REQUIRE(single.rate_table.species.size() == 1);
  CHECK(single.rate_table.species[0].hops[0].barrier_ev ==
        c.rate_table.species[0].hops[0].barrier_ev);
}

TEST_CASE("sweep config: bad rate-table lists give one-line errors", "[sweep][io][bad-input]") {
  const ConfigDir d;
  const std::string mlff = test::source_path("rates/cspbi3_vi_plus_mlff.json");
  const std::string md = test::source_path("rates/cspbi3_md_effective.json");
  // V_I^+ is in both tables.
  std::string e = input_error(d.sweep("[\"" + mlff + "\", \"" + md + "\"]"));
  CHECK(e.find("sweep.json") != std::string::npos);
  CHECK(e.find("/rates/1") != std::string::npos);
  CHECK(e.find("'V_I^+' is already defined") != std::string::npos);
  // Two charge models.
  const std::string illustrative =
      test::source_path("rates/cspbi3_charge_states_illustrative.json");
  const std::string renamed = d.write("renamed.json", [&] {
    std::ifstream in(illustrative);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* name : {"I_i^-", "I_i^0", "I_i^+", "V_I^+", "V_I^0", "V_I^-"}) {
      const std::string from = std::string("\"") + name + "\"";
      const std::string to = std::string("\"") + name + "x\"";
      for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + 1))
        text.replace(pos, from.size(), to);
    }
    return text;
  }());
  e = input_error(d.sweep("[\"" + illustrative + "\", \"" + renamed + "\"]"));
  CHECK(e.find("charge_model") != std::string::npos);
  // Missing file, empty list, a number.
  e = input_error(d.sweep("[\"" + mlff + "\", \"nope.json\"]"));
  CHECK(e.find("no such file") != std::string::npos);
  CHECK(e.find("/rates/1") != std::string::npos);
  CHECK(!input_error(d.sweep("[]")).empty());
  CHECK(!input_error(d.sweep("3")).empty());
}

TEST_CASE("every shipped sweep config loads: its lattice, rate tables and MD reference agree",
          "[sweep][io]") {
  std::size_t loaded = 0;
  for (const auto& e : fs::directory_iterator(test::source_path("examples"))) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\"ionhop.sweep/1\"") == std::string::npos) continue;
    INFO(e.path().string());
    const auto c = io::load_sweep_config(e.path().string());
    CHECK(!c.species.empty());
    for (const auto& name : c.species) CHECK(c.rate_table.species_index(name));
    ++loaded;
  }
  CHECK(loaded >= 7);
}

TEST_CASE("every shipped sweep config loads, with its lattice and rate tables", "[sweep][io]") {
  // examples/*.json of schema ionhop.sweep/1: what the README tells users to run. Loading
  // checks each rate table against its lattice (species, sublattices, shells, environment
  // models), so a shipped table that a sweep cannot use fails here, not in front of a user.
  std::size_t sweeps = 0;
  for (const auto& entry : fs::directory_iterator(test::source_path("examples"))) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\"ionhop.sweep/1\"") == std::string::npos) continue;
    INFO(entry.path().string());
    CHECK(input_error(entry.path().string()).empty());
    ++sweeps;
  }
  CHECK(sweeps >= 8);
}
