// Parser of CP2K 2023.1 output text (formats recorded in tests/data/cp2k/).
#include "ionhop/reference/cp2k_output.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace ionhop::reference {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> tokens(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string t;
  while (in >> t) out.push_back(t);
  return out;
}

// Parses a whole token as a finite double (Fortran E format included); nullopt otherwise.
std::optional<double> to_double(const std::string& token) {
  try {
    std::size_t used = 0;
    const double x = std::stod(token, &used);
    if (used != token.size() || !std::isfinite(x)) return std::nullopt;
    return x;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool contains(const std::string& line, const char* what) {
  return line.find(what) != std::string::npos;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t*");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t*");
  return s.substr(b, e - b + 1);
}

// Unit factor of a stress header's "[unit]" to eV/Å³; nullopt for an unknown unit.
std::optional<double> stress_unit_to_ev_per_angstrom3(const std::string& header) {
  const auto open = header.find('[');
  const auto close = header.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return std::nullopt;
  const std::string unit = header.substr(open + 1, close - open - 1);
  if (unit == "GPa") return 1.0 / ev_per_angstrom3_gpa;
  if (unit == "bar") return 1e-4 / ev_per_angstrom3_gpa;  // 1 bar = 1e5 Pa = 1e-4 GPa
  return std::nullopt;
}

}  // namespace

Cp2kOutput parse_cp2k_output(const std::string& text, std::size_t expected_atoms) {
  Cp2kOutput out;
  const auto lines = split_lines(text);
  bool not_converged = false;
  bool before_scf = true;
  std::string abort_message;
  std::string format_problem;

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (contains(line, "CP2K| version string:")) {
      const auto pos = line.find("CP2K version");
      if (pos != std::string::npos) out.cp2k_version = trim(line.substr(pos));
    } else if (before_scf && contains(line, "Number of electrons:")) {
      // One line for RKS; one per spin channel for UKS (summed).
      const auto t = tokens(line);
      if (!t.empty()) {
        if (const auto n = to_double(t.back())) out.electrons += static_cast<int>(*n);
      }
    } else if (contains(line, "SCF WAVEFUNCTION OPTIMIZATION")) {
      before_scf = false;
    } else if (contains(line, "SCF run NOT converged")) {
      not_converged = true;
    } else if (contains(line, "SCF run converged in")) {
      ++out.scf_loops;
      const auto t = tokens(line.substr(line.find("converged in") + 12));
      if (!t.empty()) {
        if (const auto n = to_double(t.front())) out.scf_steps = static_cast<int>(*n);
      }
    } else if (contains(line, "Integrated absolute spin density")) {
      const auto t = tokens(line);
      if (const auto m = t.empty() ? std::nullopt : to_double(t.back())) out.abs_spin_density = *m;
    } else if (contains(line, "ENERGY| Total FORCE_EVAL")) {
      const auto t = tokens(line);
      const auto e = t.empty() ? std::nullopt : to_double(t.back());
      // "[a.u.]" in 2023.1, "(a.u.)" in older versions: both Hartree.
      if (e && (contains(line, "[a.u.]") || contains(line, "(a.u.)"))) {
        out.energy_ev = *e * hartree_ev;
      } else {
        format_problem = "unreadable energy line: " + trim(line);
      }
    } else if (contains(line, "ATOMIC FORCES in")) {
      if (!contains(line, "[a.u.]")) {
        format_problem = "forces in an unsupported unit: " + trim(line);
        continue;
      }
      std::vector<Eigen::Vector3d> f;
      std::vector<std::string> elements;
      bool complete = false;
      std::size_t j = i + 1;
      for (; j < lines.size(); ++j) {
        const std::string& row = lines[j];
        if (contains(row, "SUM OF ATOMIC FORCES")) {
          complete = true;
          break;
        }
        const auto t = tokens(row);
        if (t.empty() || t.front() == "#") continue;
        // "  atom  kind  element  Fx  Fy  Fz"
        const auto x = t.size() == 6 ? to_double(t[3]) : std::nullopt;
        const auto y = t.size() == 6 ? to_double(t[4]) : std::nullopt;
        const auto z = t.size() == 6 ? to_double(t[5]) : std::nullopt;
        if (!x || !y || !z) {
          format_problem = "unreadable force row: " + trim(row);
          break;
        }
        f.emplace_back(*x, *y, *z);
        elements.push_back(t[2]);
      }
      i = j;
      if (!complete) {
        if (format_problem.empty()) format_problem = "forces block without its SUM line";
        continue;
      }
      Eigen::Matrix3Xd forces(3, static_cast<Eigen::Index>(f.size()));
      for (std::size_t k = 0; k < f.size(); ++k) {
        // Hartree/Bohr → eV/Å; the printed values are already forces (−gradient).
        forces.col(static_cast<Eigen::Index>(k)) = f[k] * (hartree_ev / bohr_angstrom);
      }
      out.forces_ev_per_angstrom = forces;
      out.force_elements = elements;
    } else if (contains(line, "STRESS|") && contains(line, "stress tensor [") &&
               !contains(line, "Eigenvectors")) {
      const auto factor = stress_unit_to_ev_per_angstrom3(line);
      if (!factor) {
        format_problem = "stress in an unsupported unit: " + trim(line);
        continue;
      }
      // Next: a column header "STRESS|  x  y  z", then rows "STRESS|  x  σxx σxy σxz".
      Eigen::Matrix3d sigma;
      bool good = i + 4 < lines.size();
      for (int r = 0; good && r < 3; ++r) {
        const auto t = tokens(lines[i + 2 + static_cast<std::size_t>(r)]);
        good = t.size() == 5 && t[0] == "STRESS|";
        for (int c = 0; good && c < 3; ++c) {
          const auto v = to_double(t[static_cast<std::size_t>(2 + c)]);
          good = v.has_value();
          if (good) sigma(r, c) = *v;
        }
      }
      if (!good) {
        format_problem = "unreadable stress tensor after: " + trim(line);
        continue;
      }
      // CP2K prints the pressure-sign stress −(1/V) ∂E/∂ε; ionhop uses +(1/V) ∂E/∂ε.
      out.stress_ev_per_angstrom3 = -*factor * sigma;
      i += 4;
    } else if (contains(line, "*** WARNING")) {
      std::string w = trim(line);
      while (i + 1 < lines.size() && trim(lines[i + 1]) != "" && lines[i + 1].find("***") == 1 &&
             !contains(lines[i + 1], "WARNING")) {
        w += " " + trim(lines[++i]);
      }
      out.warnings.push_back(w);
    } else if (contains(line, "[ABORT]")) {
      // The abort box: message lines follow, framed by '*'.
      std::string message;
      for (std::size_t j = i + 1; j < lines.size() && j < i + 8; ++j) {
        const std::string m = trim(lines[j]);
        if (m.empty() || m.find_first_not_of("-_\\/|=") == std::string::npos) continue;
        message += (message.empty() ? "" : " ") + m;
      }
      abort_message = message.empty() ? "(no message)" : message;
    } else if (contains(line, "PROGRAM ENDED AT")) {
      out.ended_normally = true;
    } else {
      // Timing report row of the whole program: "CP2K  1  1.0  self_avg self_max tot_avg
      // tot_max" — the last column is the wall time of the slowest rank.
      const auto t = tokens(line);
      if (t.size() == 7 && t[0] == "CP2K" && t[1] == "1") {
        if (const auto s = to_double(t[6])) out.wall_time_s = *s;
      }
    }
  }

  out.scf_converged = out.scf_loops > 0 && !not_converged;
  if (!abort_message.empty()) {
    out.failure = "CP2K aborted: " + abort_message;
  } else if (not_converged) {
    out.failure =
        "SCF run NOT converged (CP2K printed energy and forces of an unconverged "
        "density; rejected)";
  } else if (out.scf_loops == 0) {
    out.failure = out.ended_normally ? "no converged SCF in the output"
                                     : "output ends before a converged SCF (crashed, killed, "
                                       "or still running)";
  } else if (!out.ended_normally) {
    out.failure = "output truncated (no 'PROGRAM ENDED AT'): CP2K crashed or was killed";
  } else if (!format_problem.empty()) {
    out.failure = format_problem;
  } else if (!out.energy_ev) {
    out.failure = "no 'ENERGY| Total FORCE_EVAL' line";
  } else if (!out.forces_ev_per_angstrom) {
    out.failure = "no 'ATOMIC FORCES' block";
  } else if (expected_atoms > 0 &&
             static_cast<std::size_t>(out.forces_ev_per_angstrom->cols()) != expected_atoms) {
    out.failure = "forces for " + std::to_string(out.forces_ev_per_angstrom->cols()) +
                  " atoms, expected " + std::to_string(expected_atoms);
  }
  return out;
}

Cp2kOutput read_cp2k_output(const std::string& path, std::size_t expected_atoms) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Cp2kOutput out;
    out.failure = "cannot read CP2K output '" + path + "'";
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cp2k_output(text.str(), expected_atoms);
}

}  // namespace ionhop::reference
