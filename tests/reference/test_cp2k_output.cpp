// CP2K output parser on recorded CP2K 2023.1 outputs (tests/data/cp2k/, trimmed by
// scripts/cp2k_trim_output.sh): the 40-atom CsPbI3 single point (numbers, units, net
// force), finite differences that fix the force and stress signs, unconverged runs
// (max_scf = 2; a UKS cation after 100 steps) reported as failures, the spin density of a
// smeared UKS doublet (V_I^0), and damaged text.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "../test_support.hpp"
#include "ionhop/reference/cp2k_output.hpp"

using namespace ionhop;
using namespace ionhop::reference;

namespace {

std::string fixture(const std::string& relative) {
  std::ifstream in(test::data_path("cp2k/" + relative));
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr double force_unit = hartree_ev / bohr_angstrom;  // Hartree/Bohr → eV/Å

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("CP2K output: conversion constants are CODATA 2018", "[cp2k]") {
  CHECK(hartree_ev == 27.211386245988);
  CHECK(bohr_angstrom == 0.529177210903);
  CHECK(force_unit == Approx(51.422067476325886).epsilon(1e-14));
  CHECK(ev_per_angstrom3_gpa == Approx(1.602176634e-19 / 1e-30 / 1e9).epsilon(1e-14));
}

TEST_CASE("CP2K output: 40-atom CsPbI3 single point", "[cp2k]") {
  const auto out = parse_cp2k_output(fixture("cspbi3_40/out.trimmed"), 40);
  INFO(out.failure);
  REQUIRE(out.ok());
  CHECK(out.scf_converged);
  CHECK(out.scf_loops == 1);
  CHECK(out.scf_steps == 14);
  CHECK(out.ended_normally);
  CHECK(out.cp2k_version == "CP2K version 2023.1");
  CHECK(out.electrons == 272);  // 8 × (9 + 4 + 3·7): the CHARGE 0 cell
  REQUIRE(out.wall_time_s);
  CHECK(*out.wall_time_s == 108.882);
  REQUIRE(out.warnings.size() == 1);  // the harmless non-square MPI grid note
  CHECK(out.warnings[0].find("non-square number of MPI ranks") != std::string::npos);

  // Energy: the ENERGY| line in Hartree, CODATA factor.
  REQUIRE(out.energy_ev);
  CHECK(*out.energy_ev == Approx(-466.527864613765701 * 27.211386245988).epsilon(1e-15));
  CHECK(*out.energy_ev == Approx(-12694.8699).margin(1e-3));

  // Forces: the printed block, a.u. → eV/Å, sign kept (CP2K prints forces).
  REQUIRE(out.forces_ev_per_angstrom);
  const Eigen::Matrix3Xd& f = *out.forces_ev_per_angstrom;
  REQUIRE(f.cols() == 40);
  CHECK(out.force_elements.front() == "Cs");
  CHECK(out.force_elements[1] == "Pb");
  CHECK(out.force_elements.back() == "I");
  CHECK(f(0, 0) == Approx(0.00012096 * force_unit));
  CHECK(f(1, 0) == Approx(-0.00139063 * force_unit));
  CHECK(f(2, 22) == Approx(-0.01089182 * force_unit));  // the largest component
  CHECK(f(0, 29) == Approx(0.00914242 * force_unit));
  const double max_force = f.colwise().norm().maxCoeff();
  CHECK(max_force == Approx(0.5601).margin(1e-3));
  // Physics: no net force on a periodic cell. GPW's real-space grid breaks translation
  // invariance slightly (the "egg-box" effect), so it is small, not zero: CP2K's own SUM
  // line (3.8e-5 Ha/Bohr = 0.002 eV/Å) against forces of up to 0.56 eV/Å.
  const double net = f.rowwise().sum().norm();
  CHECK(net == Approx(0.00003807 * force_unit).margin(2e-5));
  CHECK(net < 0.01 * max_force);

  // Stress: GPa → eV/Å³ and CP2K's pressure sign flipped to ionhop's (1/V) ∂E/∂ε.
  REQUIRE(out.stress_ev_per_angstrom3);
  const Eigen::Matrix3d& s = *out.stress_ev_per_angstrom3;
  CHECK(s(0, 0) == Approx(-1.35785716748 / 160.2176634));
  CHECK(s(1, 1) == Approx(-1.32444182340 / 160.2176634));
  CHECK(s(2, 2) == Approx(-1.33912172642 / 160.2176634));
  CHECK(s(0, 1) == Approx(1.81939447536e-03 / 160.2176634));
  CHECK(s(0, 2) == Approx(-7.86712350981e-03 / 160.2176634));
  CHECK((s - s.transpose()).norm() < 1e-15);  // symmetric
  // CP2K's "1/3 Trace" line: 1.34047357243 GPa (compressed: the cell wants to expand).
  CHECK(-s.trace() / 3 * 160.2176634 == Approx(1.34047357243).epsilon(1e-10));
}

TEST_CASE("CP2K output: finite differences fix the force and stress signs", "[cp2k]") {
  // 5-atom CsPbI3 cell (a = 6.29 Å, displaced atoms), EPS_SCF 1e-8; see
  // fd_cspbi3_5atom/center.inp for the variants.
  const auto centre = parse_cp2k_output(fixture("fd_cspbi3_5atom/center.out"), 5);
  const auto zp = parse_cp2k_output(fixture("fd_cspbi3_5atom/i3_z_plus.out"), 5);
  const auto zm = parse_cp2k_output(fixture("fd_cspbi3_5atom/i3_z_minus.out"), 5);
  const auto sp = parse_cp2k_output(fixture("fd_cspbi3_5atom/strain_plus.out"), 5);
  const auto sm = parse_cp2k_output(fixture("fd_cspbi3_5atom/strain_minus.out"), 5);
  for (const auto* o : {&centre, &zp, &zm, &sp, &sm}) {
    INFO(o->failure);
    REQUIRE(o->ok());
  }
  SECTION("F_z of atom 3 = −∂E/∂z (central difference, h = 0.005 Å)") {
    const double h = 0.005;
    const double fd = -(*zp.energy_ev - *zm.energy_ev) / (2 * h);
    const double printed = (*centre.forces_ev_per_angstrom)(2, 2);
    CHECK(fd == Approx(-0.48231).margin(1e-4));  // pushed back towards the ideal site
    CHECK(printed == Approx(fd).epsilon(1e-3));
  }
  SECTION("trace σ = (1/V) ∂E/∂ε for isotropic strain ε = ±0.002") {
    const double volume = 6.29 * 6.29 * 6.29;
    const double eps = 0.002;
    // E(ε) with every diagonal strain ε: dE/dε = V (σ_xx + σ_yy + σ_zz).
    const double fd_trace = (*sp.energy_ev - *sm.energy_ev) / (2 * eps) / volume;
    const double parsed_trace = centre.stress_ev_per_angstrom3->trace();
    CHECK(fd_trace > 0);  // energy rises on expansion: this cell is under tension
    CHECK(parsed_trace == Approx(fd_trace).epsilon(0.01));
    // Same magnitude with CP2K's own sign would be −fd: the flip is needed.
    CHECK(std::abs(parsed_trace + fd_trace) > std::abs(parsed_trace - fd_trace));
  }
}

TEST_CASE("CP2K output: unconverged SCF is a failure, never a result", "[cp2k]") {
  SECTION("40-atom cell with MAX_SCF 2") {
    const auto out = parse_cp2k_output(fixture("cspbi3_40_unconverged/out.trimmed"), 40);
    CHECK_FALSE(out.ok());
    CHECK_FALSE(out.scf_converged);
    CHECK(out.failure.find("SCF run NOT converged") == 0);
    // CP2K 2023.1 still printed an energy: the parser must not let it through.
    CHECK(out.energy_ev.has_value());
  }
  SECTION("I2+ cation (UKS) after 100 steps without smearing; converged on retry") {
    const auto failed = parse_cp2k_output(fixture("i2_cation_uks/attempt-1.out"), 2);
    CHECK_FALSE(failed.ok());
    CHECK(failed.failure.find("SCF run NOT converged") == 0);
    CHECK(failed.electrons == 13);  // 7 (spin 1) + 6 (spin 2): UKS, CHARGE +1
    const auto retried = parse_cp2k_output(fixture("i2_cation_uks/attempt-2.out"), 2);
    INFO(retried.failure);
    CHECK(retried.ok());
    CHECK(retried.electrons == 13);
    CHECK_FALSE(retried.stress_ev_per_angstrom3.has_value());  // stress was not asked for
    // Equal and opposite forces on the two atoms of the molecule.
    const auto& f = *retried.forces_ev_per_angstrom;
    CHECK((f.col(0) + f.col(1)).norm() < 1e-3);
  }
  SECTION("V_I^0 (UKS doublet, 300 K smearing, moment pinned): the spin density is read") {
    // The first V_I^0 bootstrap frame (39 atoms, 265 electrons). Its input pins
    // n(up) - n(down) = 1; the run ended with ∫|ρ↑ − ρ↓| = 1.12 (≥ 2S = 1, spin polarisation
    // of the host), where the unpinned run of the same frame had lost the moment (4e-5).
    const auto input = fixture("vi_zero_uks_smeared/in.inp");
    CHECK(input.find("UKS TRUE") != std::string::npos);
    CHECK(input.find("FIXED_MAGNETIC_MOMENT 1\n") != std::string::npos);
    const auto out = parse_cp2k_output(fixture("vi_zero_uks_smeared/out.trimmed"), 39);
    INFO(out.failure);
    CHECK(out.ok());
    CHECK(out.electrons == 265);  // 133 (spin 1) + 132 (spin 2)
    REQUIRE(out.abs_spin_density.has_value());
    CHECK(*out.abs_spin_density == 1.1230291485);
    CHECK(*out.energy_ev == Approx(-454.956748010881938 * hartree_ev).epsilon(1e-14));
  }
  SECTION("closed-shell runs print no spin density") {
    CHECK_FALSE(parse_cp2k_output(fixture("cspbi3_40/out.trimmed")).abs_spin_density);
  }
}

TEST_CASE("CP2K output: damaged or incomplete outputs are failures", "[cp2k]") {
  const std::string good = fixture("cspbi3_40/out.trimmed");
  CHECK(parse_cp2k_output(good).ok());
  SECTION("wrong atom count") {
    CHECK(parse_cp2k_output(good, 39).failure == "forces for 40 atoms, expected 39");
  }
  SECTION("truncated before the end banner (killed)") {
    const auto cut = good.substr(0, good.find("PROGRAM ENDED AT"));
    CHECK(parse_cp2k_output(cut).failure.find("output truncated") == 0);
  }
  SECTION("truncated before the SCF finished") {
    const auto cut = good.substr(0, good.find("*** SCF run converged"));
    CHECK(parse_cp2k_output(cut).failure.find("output ends before a converged SCF") == 0);
  }
  SECTION("no forces block") {
    const auto text = replace_once(good, "ATOMIC FORCES in [a.u.]", "ATOMIC");
    CHECK(parse_cp2k_output(text).failure == "no 'ATOMIC FORCES' block");
  }
  SECTION("a garbled force row") {
    const auto text = replace_once(good, "0.00012096", "0.000X2096");
    CHECK(parse_cp2k_output(text).failure.find("unreadable force row") == 0);
  }
  SECTION("an abort box") {
    const auto text = good +
                      "\n *******************************************************\n"
                      " *   ___                                               *\n"
                      " *  /   \\                                              *\n"
                      " * [ABORT]                                             *\n"
                      " *  \\___/     SCF run NOT converged. To continue the   *\n"
                      " *    |       calculation regardless, please set ...   *\n";
    const auto out = parse_cp2k_output(text);
    CHECK(out.failure.find("CP2K aborted: ") == 0);
    CHECK(out.failure.find("SCF run NOT converged") != std::string::npos);
  }
  SECTION("stress in bar") {
    const auto text =
        replace_once(good, "Analytical stress tensor [GPa]", "Analytical stress tensor [bar]");
    const auto out = parse_cp2k_output(text);
    REQUIRE(out.ok());
    CHECK((*out.stress_ev_per_angstrom3)(0, 0) == Approx(-1.35785716748e-4 / 160.2176634));
  }
  SECTION("missing file") {
    CHECK(read_cp2k_output("/nonexistent/ionhop/out.log").failure.find("cannot read") == 0);
  }
}
