// Extended-XYZ: exact round trips, ASE-written files (extra columns, keys in any order,
// quoting styles) and precise errors for bad files.
#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "../test_support.hpp"
#include "ionhop/atomistic/supercell_builder.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/lattice_file.hpp"

using namespace ionhop;
using atomistic::Vec3;

namespace {

io::ExtxyzFrame sample_frame() {
  io::ExtxyzFrame f;
  auto& s = f.structure;
  s.cell_angstrom << 6.29, 0.0, 0.0, 0.1234567890123, 6.3, 0.0, -0.2, 1.0 / 3.0, 6.5;
  s.append("Cs", Vec3(3.1, 3.2, 3.3));
  s.append("Pb", Vec3(-1e-17, 0.1 + 0.2, 1e300 * 0 + 2.0 / 7.0));
  s.append("I", Vec3(3.145, -0.0, 12.999999999999998));
  s.fixed = {false, true, false};
  s.charge_e = -1;
  s.info["config_type"] = "vacancy hop";
  s.info["note"] = "say \"hi\" = \\ {x}";
  s.info["source"] = "ionhop";
  f.energy_ev = -1234.5678901234567;
  Eigen::Matrix3Xd forces(3, 3);
  forces << 0.1, -0.2, 1e-12, 3.0, 4.0, -5.5, 1.0 / 7.0, 0, -0.0;
  f.forces_ev_per_angstrom = forces;
  return f;
}

std::string error_of(const std::string& text) {
  return test::input_error_of([&] { io::parse_extxyz(text, "bad.xyz"); });
}

}  // namespace

TEST_CASE("extxyz round trip is exact", "[extxyz]") {
  const auto a = sample_frame();
  io::ExtxyzFrame b;  // a plain frame: no forces, energy, fixed atoms or info
  b.structure.cell_angstrom = Eigen::Matrix3d::Identity() * 5.0;
  b.structure.append("Br", Vec3(1, 2, 3));
  const std::string text = io::format_extxyz({a, b, b});
  const auto frames = io::parse_extxyz(text);
  REQUIRE(frames.size() == 3);
  const auto& r = frames[0];
  CHECK(r.structure.cell_angstrom == a.structure.cell_angstrom);
  CHECK(r.structure.elements == a.structure.elements);
  CHECK(r.structure.positions_angstrom == a.structure.positions_angstrom);
  CHECK(r.structure.fixed == a.structure.fixed);
  CHECK(r.structure.charge_e == -1);
  CHECK(r.structure.info == a.structure.info);
  REQUIRE(r.energy_ev);
  CHECK(*r.energy_ev == *a.energy_ev);
  REQUIRE(r.forces_ev_per_angstrom);
  CHECK(*r.forces_ev_per_angstrom == *a.forces_ev_per_angstrom);
  CHECK(frames[1].structure.fixed.empty());
  CHECK_FALSE(frames[1].energy_ev);
  CHECK_FALSE(frames[1].forces_ev_per_angstrom);
  CHECK(frames[1].structure.info.empty());
  CHECK(frames[2].structure.positions_angstrom == b.structure.positions_angstrom);
  // The header names what is there.
  CHECK(text.find("Properties=species:S:1:pos:R:3:forces:R:3:fixed:L:1 ") != std::string::npos);
  CHECK(text.find("config_type=\"vacancy hop\"") != std::string::npos);
  CHECK(text.find("\nProperties") == std::string::npos);  // Lattice first

  // Through a file, a whole supercell.
  const auto c = io::load_crystal(test::source_path("lattices/cspbi3_cubic.json"));
  const lattice::SiteGraph g(c, {2, 2, 2});
  io::ExtxyzFrame cell;
  cell.structure = atomistic::SupercellBuilder(g).vacancy(7, "X").structure;
  const auto path = std::filesystem::temp_directory_path() / "ionhop_test_extxyz_roundtrip.xyz";
  io::write_extxyz(path.string(), {cell, a});
  const auto back = io::read_extxyz(path.string());
  std::filesystem::remove(path);
  REQUIRE(back.size() == 2);
  CHECK(back[0].structure.size() == 39);
  CHECK(back[0].structure.positions_angstrom == cell.structure.positions_angstrom);
  CHECK(back[1].structure.info == a.structure.info);
}

TEST_CASE("extxyz reads ASE-style files", "[extxyz]") {
  // Keys in another order, lower-case special keys, single quotes, braces, flags, extra
  // columns of every type skipped by their width, Windows line ends, trailing blank lines.
  const std::string text =
      "3\n"
      "Properties=species:S:1:pos:R:3:Z:I:1:forces:R:3:tags:I:1:magmoms:R:1:label:S:1"
      " energy=-12.5 free_energy=-12.6 pbc=\"T T T\" is_relaxed"
      " Lattice=\"5.0 0.0 0.0 0.0 5.0 0.0 0.0 0.0 5.0\" comment='two words'\n"
      "Pb 0.0 0.0 0.0 82 0.1 0.2 0.3 0 0.0 a\n"
      "I   2.5   0.0   0.0 53 -0.1 0.0 0.0 1 1e-3 b\n"
      "I 0.00000000 +2.50000000 0.0 53 0.0 -0.2 0.0 1 0.0 c\n"
      "2\r\n"
      "pbc=\"T T T\" lattice={4 0 0 0 4 0 0 0 4} properties=species:S:1:pos:R:3:move_mask:L:1"
      " stress=\"1 2 3 4 5 6 7 8 9\" charge=1.0\r\n"
      "Cs 1 1 1 F\r\n"
      "Br 2 2 2 True\r\n"
      "\n\n";
  const auto frames = io::parse_extxyz(text, "ase.xyz");
  REQUIRE(frames.size() == 2);
  const auto& a = frames[0];
  CHECK(a.structure.elements == std::vector<std::string>{"Pb", "I", "I"});
  CHECK(a.structure.cell_angstrom == Eigen::Matrix3d::Identity() * 5.0);
  CHECK(a.structure.positions_angstrom.col(2) == Vec3(0, 2.5, 0));
  REQUIRE(a.energy_ev);
  CHECK(*a.energy_ev == -12.5);
  REQUIRE(a.forces_ev_per_angstrom);
  CHECK(a.forces_ev_per_angstrom->col(0) == Vec3(0.1, 0.2, 0.3));
  CHECK(a.forces_ev_per_angstrom->col(2) == Vec3(0.0, -0.2, 0.0));
  CHECK(a.structure.info.at("free_energy") == "-12.6");
  CHECK(a.structure.info.at("comment") == "two words");
  CHECK(a.structure.info.at("is_relaxed") == "T");
  CHECK(a.structure.info.count("energy") == 0);
  CHECK(a.structure.fixed.empty());
  const auto& b = frames[1];
  CHECK(b.structure.cell_angstrom == Eigen::Matrix3d::Identity() * 4.0);
  CHECK(b.structure.elements == std::vector<std::string>{"Cs", "Br"});
  CHECK(b.structure.fixed == std::vector<bool>{true, false});  // move_mask F = fixed
  CHECK(b.structure.charge_e == 1);
  CHECK(b.structure.info.at("stress") == "1 2 3 4 5 6 7 8 9");
  CHECK_FALSE(b.energy_ev);
  CHECK_FALSE(b.forces_ev_per_angstrom);
}

TEST_CASE("extxyz rejects bad files with frame and line", "[extxyz]") {
  const std::string lattice = "Lattice=\"5 0 0 0 5 0 0 0 5\" ";
  const std::string good = "1\n" + lattice + "Properties=species:S:1:pos:R:3\nI 0 0 0\n";
  REQUIRE(io::parse_extxyz(good).size() == 1);
  // Wrong column count in frame 2 (line 7 of the file).
  CHECK(error_of(good + "2\n" + lattice + "Properties=species:S:1:pos:R:3:forces:R:3\n" +
                 "I 0 0 0 1 2 3\nI 0 0 0\n") ==
        "bad.xyz: frame 2, line 7: expected 7 columns, found 4");
  CHECK(error_of("1\nProperties=species:S:1:pos:R:3 pbc=\"T T T\"\nI 0 0 0\n") ==
        "bad.xyz: frame 1, line 2: comment line has no Lattice (periodic structures need a "
        "cell)");
  CHECK(error_of("1\n" + lattice + "\nI 0 zero 0\n") ==
        "bad.xyz: frame 1, line 3: column 3 (pos): 'zero' is not a number");
  CHECK(error_of(good + "3\n" + lattice + "\nI 0 0 0\nI 1 1 1\n") ==
        "bad.xyz: frame 2, line 8: file ends after 2 of 3 atom lines");
  CHECK(error_of(good + "3\n") == "bad.xyz: frame 2, line 5: file ends before the comment line");
  CHECK(error_of("one\n" + lattice + "\n") ==
        "bad.xyz: frame 1, line 1: expected the atom count (a non-negative integer), found "
        "'one'");
  CHECK(error_of("1\nLattice=\"5 0 0 0 5 0 0 0\"\nI 0 0 0\n") ==
        "bad.xyz: frame 1, line 2: Lattice must hold 9 numbers (a1, a2, a3), found 8");
  CHECK(error_of("1\nLattice=\"5 0 0 0 5 0 0 0 0\"\nI 0 0 0\n").find("linearly dependent") !=
        std::string::npos);
  CHECK(error_of("1\n" + lattice + "pbc=\"T T F\"\nI 0 0 0\n").find("periodic in all three") !=
        std::string::npos);
  CHECK(error_of("1\n" + lattice + "Properties=species:S:1\nI\n") ==
        "bad.xyz: frame 1, line 2: Properties 'species:S:1' has no pos column");
  CHECK(error_of("1\n" + lattice + "Properties=species:S:1:pos:R:3:x:Q:1\nI 0 0 0 1\n")
            .find("type 'Q'") != std::string::npos);
  CHECK(error_of("1\n" + lattice + "Properties=species:S:1:pos:R:3:fixed:L:1\nI 0 0 0 7\n") ==
        "bad.xyz: frame 1, line 3: column 5 (fixed): '7' is not a logical (T or F)");
  CHECK(error_of("1\n" + lattice + "energy=high\nI 0 0 0\n") ==
        "bad.xyz: frame 1, line 2: energy 'high' is not a finite number");
  CHECK(error_of("1\n" + lattice + "comment=\"open\nI 0 0 0\n")
            .find("unterminated value of key 'comment'") != std::string::npos);
  CHECK(test::input_error_of([] {
          io::read_extxyz("/nonexistent/ionhop.xyz");
        }).find("cannot open") != std::string::npos);
}

TEST_CASE("extxyz writer rejects info it cannot represent", "[extxyz]") {
  auto f = sample_frame();
  f.structure.info["energy"] = "1";
  CHECK(test::input_error_of([&] { io::format_extxyz({f}); }) ==
        "info key 'energy' is reserved by extended XYZ");
  f = sample_frame();
  f.structure.info["bad key"] = "1";
  CHECK(test::input_error_of([&] { io::format_extxyz({f}); }).find("not a valid extxyz key") !=
        std::string::npos);
  f = sample_frame();
  f.structure.info["multi"] = "a\nb";
  CHECK(test::input_error_of([&] { io::format_extxyz({f}); }).find("line break") !=
        std::string::npos);
}
