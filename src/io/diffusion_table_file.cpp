#include "ionhop/io/diffusion_table_file.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

namespace {
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) {
    while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
    while (!cell.empty() && cell.front() == ' ') cell.erase(cell.begin());
    out.push_back(cell);
  }
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}
}  // namespace

std::vector<std::pair<std::string, std::vector<analysis::ArrheniusPoint>>> load_diffusion_table(
    const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::string line;
  if (!std::getline(in, line))
    throw InputError(path, "line 1", "empty file (expected a CSV header)");
  const auto header = split_csv_line(line);
  auto column = [&](const std::string& name, bool required) -> int {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    if (required) throw InputError(path, "line 1", "missing column '" + name + "'");
    return -1;
  };
  const int c_t = column("temperature_k", true), c_d = column("diffusion_cm2_s", true),
            c_e = column("diffusion_err_cm2_s", true), c_s = column("species", false);
  // Points under different fields or Fermi levels are separate D(T) series.
  const int c_field = column("field_v_per_cm", false), c_fermi = column("fermi_level_ev", false);

  std::vector<std::pair<std::string, std::vector<analysis::ArrheniusPoint>>> groups;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    const auto cells = split_csv_line(line);
    const std::string where = "line " + std::to_string(line_no);
    if (cells.size() < header.size())
      throw InputError(path, where,
                       "has " + std::to_string(cells.size()) + " fields, header has " +
                           std::to_string(header.size()));
    if (cells[c_d].empty()) continue;  // no D at this point
    auto number = [&](int c, bool positive) {
      double x;
      std::size_t used = 0;
      try {
        x = std::stod(cells[c], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != cells[c].size() || !std::isfinite(x) || (positive ? x <= 0 : x < 0))
        throw InputError(path, where + ", column " + header[c],
                         std::string("must be a finite number ") + (positive ? "> 0" : ">= 0") +
                             " (got '" + cells[c] + "')");
      return x;
    };
    // D = 0 marks an immobile species (nothing to fit); otherwise D and its error must be > 0.
    if (number(c_d, false) == 0.0) continue;
    const analysis::ArrheniusPoint p{number(c_t, true), number(c_d, true), number(c_e, true)};
    std::string species = c_s >= 0 ? cells[c_s] : "";
    if (c_field >= 0 && !cells[c_field].empty() && cells[c_field] != "0 0 0")
      species += " [E = " + cells[c_field] + " V/cm]";
    if (c_fermi >= 0 && !cells[c_fermi].empty()) species += " [E_F = " + cells[c_fermi] + " eV]";
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == species; });
    if (it == groups.end()) {
      groups.push_back({species, {}});
      it = groups.end() - 1;
    }
    it->second.push_back(p);
  }
  if (groups.empty()) throw InputError(path, "", "no data rows with a diffusion coefficient");
  return groups;
}

}  // namespace ionhop::io
