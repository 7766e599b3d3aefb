// Library-level input errors: the message names the file, the JSON path and the problem.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "../test_support.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/results_writer.hpp"

using namespace ionhop;
namespace fs = std::filesystem;

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p =
      fs::temp_directory_path() / ("ionhop_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

const char* kRates = R"({"schema": "ionhop.rates/1", "name": "t", "provenance": "test",
  "species": [{"name": "V", "mechanism": "vacancy", "charge": 1, "sublattice": "X", "provenance": "p",
               "hops": [{"shell": "X-X", "barrier_ev": BARRIER, "attempt_frequency_hz": NU, "provenance": "p"}]}]})";

std::string rates_with(const std::string& barrier, const std::string& nu) {
  std::string s = kRates;
  s.replace(s.find("BARRIER"), 7, barrier);
  s.replace(s.find("NU"), 2, nu);
  return s;
}
}  // namespace

TEST_CASE("rate table errors name file, JSON path and problem", "[io][bad-input]") {
  const auto good = write_temp("good.json", rates_with("0.2", "1e12"));
  CHECK_NOTHROW(io::load_rate_table(good));
  auto p = write_temp("neg.json", rates_with("-0.2", "1e12"));
  CHECK(test::input_error_of([&] { io::load_rate_table(p); }) ==
        p + ": /species/0/hops/0/barrier_ev: must be a finite number >= 0 (got -0.2)");
  p = write_temp("nu.json", rates_with("0.2", "0"));
  CHECK(test::input_error_of([&] { io::load_rate_table(p); }) ==
        p + ": /species/0/hops/0/attempt_frequency_hz: must be a finite number > 0 (got 0)");
  p = write_temp("type.json", rates_with("\"fast\"", "1e12"));
  CHECK(test::input_error_of([&] {
          io::load_rate_table(p);
        }).find("/species/0/hops/0/barrier_ev: must be a finite number >= 0, not a string") !=
        std::string::npos);
  p = write_temp("malformed.json", "{\"schema\": ");
  CHECK(test::input_error_of([&] {
          io::load_rate_table(p);
        }).find(p + ": malformed JSON near line 1") == 0);
  std::string unknown = rates_with("0.2", "1e12");
  unknown.replace(unknown.find("\"name\": \"t\""), 11, "\"name\": \"t\", \"colour\": 1");
  p = write_temp("unknown.json", unknown);
  CHECK(test::input_error_of([&] { io::load_rate_table(p); }).find("/colour: unknown key") !=
        std::string::npos);
  CHECK(test::input_error_of([&] {
          io::load_rate_table("/nonexistent/rates.json");
        }).find("/nonexistent/rates.json: cannot read file") == 0);
}

TEST_CASE("lattice errors name the JSON path", "[io][bad-input]") {
  const std::string base = R"({"schema": "ionhop.lattice/1", "name": "sc", "cell_angstrom": CELL,
    "basis": [{"label": "A", "sublattice": "A", "occupant": "A", "frac": [0, 0, 0]}],
    "hop_shells": [{"name": "nn", "sublattice": SUB, "neighbour_shell": 1}]})";
  auto make = [&](const std::string& cell, const std::string& sub) {
    std::string s = base;
    s.replace(s.find("CELL"), 4, cell);
    s.replace(s.find("SUB"), 3, sub);
    return s;
  };
  CHECK_NOTHROW(
      io::load_crystal(write_temp("l0.json", make("[[3,0,0],[0,3,0],[0,0,3]]", "\"A\""))));
  auto p = write_temp("l1.json", make("[[3,0,0],[0,3,0],[3,3,0]]", "\"A\""));
  CHECK(test::input_error_of([&] {
          io::load_crystal(p);
        }).find("/cell_angstrom: lattice vectors are linearly dependent") != std::string::npos);
  p = write_temp("l2.json", make("[[3,0,0],[0,3,0],[0,0,3]]", "\"Z\""));
  CHECK(test::input_error_of([&] {
          io::load_crystal(p);
        }).find("/hop_shells/0/sublattice: no basis site is on sublattice 'Z'") !=
        std::string::npos);
  p = write_temp("l3.json", make("[[3,0,0],[0,3,0]]", "\"A\""));
  CHECK(test::input_error_of([&] {
          io::load_crystal(p);
        }).find("/cell_angstrom: must be 3 lattice vectors") != std::string::npos);
}

TEST_CASE("output directory appears whole or not at all", "[io]") {
  const fs::path dir = fs::temp_directory_path() / ("ionhop_out_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  io::write_output_directory(dir.string(), {{"a.txt", "1"}, {"b.txt", "2"}});
  CHECK(fs::exists(dir / "a.txt"));
  CHECK(fs::exists(dir / "b.txt"));
  io::write_output_directory(dir.string(), {{"a.txt", "3"}});  // replaces a file in place
  std::ifstream in(dir / "a.txt");
  std::string s;
  in >> s;
  CHECK(s == "3");
  // No staging directory is left next to it.
  for (const auto& e : fs::directory_iterator(dir.parent_path()))
    CHECK(e.path().filename().string().find(".ionhop_out_" + std::to_string(::getpid()) +
                                            ".partial") == std::string::npos);
  fs::remove_all(dir);
}
