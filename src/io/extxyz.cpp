// Extended-XYZ reader and writer (see extxyz.hpp for the accepted dialect).
#include "ionhop/io/extxyz.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "ionhop/core/error.hpp"

namespace ionhop::io {

namespace {

using atomistic::Vec3;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string_view> split_tokens(std::string_view s, bool commas_too = false) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  auto sep = [&](char c) { return is_space(c) || (commas_too && c == ','); };
  while (i < s.size()) {
    while (i < s.size() && sep(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !sep(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<double> parse_real(std::string_view token) {
  // from_chars rejects a leading '+', which Fortran and some Python writers emit.
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || ptr != token.data() + token.size() || token.empty()) return std::nullopt;
  return value;
}

std::optional<long long> parse_integer(std::string_view token) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || ptr != token.data() + token.size() || token.empty()) return std::nullopt;
  return value;
}

std::optional<bool> parse_logical(std::string_view token) {
  const std::string t = lower(token);
  if (t == "t" || t == "true") return true;
  if (t == "f" || t == "false") return false;
  return std::nullopt;
}

std::string format_real(double x) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("nan");
}

// One parse position, for errors: "frame N, line M" (both from 1).
struct Where {
  const std::string& file;
  std::size_t frame;
  std::size_t line;  // 0-based index into the file's lines
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(file, "frame " + std::to_string(frame) + ", line " + std::to_string(line + 1),
                     problem);
  }
};

// key=value pairs of a comment line, in order of appearance. Values may be bare or
// delimited by "…", '…' or {…}; backslash escapes the next character inside quotes. A
// key without '=' is a flag, value "T" (as ASE reads it).
std::vector<std::pair<std::string, std::string>> parse_key_values(std::string_view line,
                                                                  const Where& where) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t key_start = i;
    while (i < line.size() && !is_space(line[i]) && line[i] != '=') ++i;
    const std::string key(line.substr(key_start, i - key_start));
    if (key.empty())
      where.fail("comment line: '=' without a key at column " + std::to_string(i + 1));
    std::size_t look = i;
    while (look < line.size() && is_space(line[look])) ++look;
    if (look == line.size() || line[look] != '=') {
      out.emplace_back(key, "T");
      continue;
    }
    i = look + 1;
    while (i < line.size() && is_space(line[i])) ++i;
    std::string value;
    if (i < line.size() && (line[i] == '"' || line[i] == '\'' || line[i] == '{')) {
      const char close = line[i] == '{' ? '}' : line[i];
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '\\' && close != '}' && i < line.size()) {
          value += line[i++];
        } else if (c == close) {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) where.fail("comment line: unterminated value of key '" + key + "'");
    } else {
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      value = std::string(line.substr(start, i - start));
    }
    for (const auto& kv : out)
      if (kv.first == key) where.fail("comment line: key '" + key + "' appears twice");
    out.emplace_back(key, std::move(value));
  }
  return out;
}

struct Column {
  std::string name;
  char type;          // S, R, I or L
  std::size_t width;  // number of whitespace-separated fields
  std::size_t first;  // index of its first field on an atom line
};

std::vector<Column> parse_properties(const std::string& text, const Where& where) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? colon : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() % 3 != 0)
    where.fail("Properties '" + text + "' is not a list of name:type:count triples");
  std::vector<Column> columns;
  std::size_t field = 0;
  for (std::size_t p = 0; p < parts.size(); p += 3) {
    const std::string& name = parts[p];
    const std::string type = parts[p + 1];
    const auto count = parse_integer(parts[p + 2]);
    if (name.empty()) where.fail("Properties '" + text + "' has an empty column name");
    if (type.size() != 1 || std::string_view("SRIL").find(type[0]) == std::string_view::npos)
      where.fail("Properties column '" + name + "' has type '" + type +
                 "' (expected S, R, I or L)");
    if (!count || *count < 1)
      where.fail("Properties column '" + name + "' has count '" + parts[p + 2] +
                 "' (expected a positive integer)");
    for (const auto& c : columns)
      if (c.name == name) where.fail("Properties names column '" + name + "' twice");
    columns.push_back({name, type[0], static_cast<std::size_t>(*count), field});
    field += static_cast<std::size_t>(*count);
  }
  return columns;
}

const Column* find_column(const std::vector<Column>& columns, const std::string& name) {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

void require_column_shape(const Column& c, char type, std::size_t width, const Where& where) {
  if (c.type != type || c.width != width)
    where.fail("Properties column '" + c.name + "' is " + std::string(1, c.type) + ":" +
               std::to_string(c.width) + ", expected " + std::string(1, type) + ":" +
               std::to_string(width));
}

bool reserved_key(const std::string& key) {
  const std::string k = lower(key);
  return k == "lattice" || k == "properties" || k == "pbc" || key == "energy" || key == "charge";
}

std::string quote_if_needed(const std::string& value) {
  const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return is_space(c) || c == '"' || c == '\'' || c == '=' || c == '{' || c == '}' || c == '\\';
  });
  if (plain) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<ExtxyzFrame> parse_extxyz(const std::string& text, const std::string& file) {
  std::vector<std::string_view> lines;
  {
    const std::string_view all(text);
    std::size_t start = 0;
    while (start < all.size()) {
      std::size_t end = all.find('\n', start);
      if (end == std::string_view::npos) end = all.size();
      std::string_view line = all.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines.push_back(line);
      start = end + 1;
    }
  }
  // Blank lines at the end of a file are not a frame.
  while (!lines.empty() && split_tokens(lines.back()).empty()) lines.pop_back();

  std::vector<ExtxyzFrame> frames;
  std::size_t l = 0;
  while (l < lines.size()) {
    Where where{file, frames.size() + 1, l};
    const auto count_tokens = split_tokens(lines[l]);
    const auto count = count_tokens.size() == 1 ? parse_integer(count_tokens[0]) : std::nullopt;
    if (!count || *count < 0)
      where.fail("expected the atom count (a non-negative integer), found '" +
                 std::string(lines[l]) + "'");
    const auto n = static_cast<std::size_t>(*count);
    where.line = ++l;
    if (l >= lines.size()) where.fail("file ends before the comment line");

    ExtxyzFrame frame;
    atomistic::Structure& s = frame.structure;
    std::optional<Eigen::Matrix3d> lattice;
    std::string properties = "species:S:1:pos:R:3";
    for (auto& [key, value] : parse_key_values(lines[l], where)) {
      const std::string k = lower(key);
      if (k == "lattice") {
        const auto tokens = split_tokens(value, true);
        if (tokens.size() != 9)
          where.fail("Lattice must hold 9 numbers (a1, a2, a3), found " +
                     std::to_string(tokens.size()));
        Eigen::Matrix3d cell;
        for (int t = 0; t < 9; ++t) {
          const auto x = parse_real(tokens[t]);
          if (!x || !std::isfinite(*x))
            where.fail("Lattice entry '" + std::string(tokens[t]) + "' is not a finite number");
          cell(t / 3, t % 3) = *x;
        }
        lattice = cell;
      } else if (k == "properties") {
        properties = value;
      } else if (k == "pbc") {
        const auto tokens = split_tokens(value, true);
        bool all_true = tokens.size() == 3;
        for (auto t : tokens) {
          const auto b = parse_logical(t);
          if (!b) where.fail("pbc entry '" + std::string(t) + "' is not T or F");
          all_true = all_true && *b;
        }
        if (!all_true)
          where.fail("pbc=\"" + value + "\": structures are periodic in all three directions");
      } else if (key == "energy") {
        const auto e = parse_real(value);
        if (!e || !std::isfinite(*e)) where.fail("energy '" + value + "' is not a finite number");
        frame.energy_ev = *e;
      } else if (key == "charge") {
        const auto q = parse_real(value);
        if (!q || *q != std::round(*q) || std::abs(*q) > 1e9)
          where.fail("charge '" + value + "' is not an integer");
        s.charge_e = static_cast<int>(*q);
      } else {
        s.info[key] = value;
      }
    }
    if (!lattice) where.fail("comment line has no Lattice (periodic structures need a cell)");
    if (!(std::abs(lattice->determinant()) > 1e-9))
      where.fail("Lattice vectors are linearly dependent (cell volume " +
                 format_real(lattice->determinant()) + " Å³)");
    s.cell_angstrom = *lattice;

    const auto columns = parse_properties(properties, where);
    const Column* species = find_column(columns, "species");
    const Column* pos = find_column(columns, "pos");
    const Column* forces = find_column(columns, "forces");
    const Column* fixed = find_column(columns, "fixed");
    const Column* move_mask = find_column(columns, "move_mask");
    if (!species) where.fail("Properties '" + properties + "' has no species column");
    if (!pos) where.fail("Properties '" + properties + "' has no pos column");
    require_column_shape(*species, 'S', 1, where);
    require_column_shape(*pos, 'R', 3, where);
    if (forces) require_column_shape(*forces, 'R', 3, where);
    if (fixed) require_column_shape(*fixed, 'L', 1, where);
    if (move_mask && (move_mask->type != 'L' || (move_mask->width != 1 && move_mask->width != 3)))
      where.fail("Properties column 'move_mask' must be L:1 or L:3");
    const std::size_t width = columns.back().first + columns.back().width;

    s.elements.resize(n);
    s.positions_angstrom.resize(3, static_cast<Eigen::Index>(n));
    if (forces) frame.forces_ev_per_angstrom = Eigen::Matrix3Xd(3, static_cast<Eigen::Index>(n));
    std::vector<bool> fixed_flags(n, false);
    bool any_fixed = false;
    for (std::size_t a = 0; a < n; ++a) {
      where.line = ++l;
      if (l >= lines.size())
        where.fail("file ends after " + std::to_string(a) + " of " + std::to_string(n) +
                   " atom lines");
      const auto fields = split_tokens(lines[l]);
      if (fields.size() != width)
        where.fail("expected " + std::to_string(width) + " columns, found " +
                   std::to_string(fields.size()));
      // Check every field against its declared type, skipped columns included.
      for (const auto& c : columns)
        for (std::size_t f = c.first; f < c.first + c.width; ++f) {
          const bool ok = c.type == 'S'   ? true
                          : c.type == 'R' ? parse_real(fields[f]).has_value()
                          : c.type == 'I' ? parse_integer(fields[f]).has_value()
                                          : parse_logical(fields[f]).has_value();
          if (!ok)
            where.fail("column " + std::to_string(f + 1) + " (" + c.name + "): '" +
                       std::string(fields[f]) + "' is not " +
                       (c.type == 'R'   ? "a number"
                        : c.type == 'I' ? "an integer"
                                        : "a logical (T or F)"));
        }
      s.elements[a] = std::string(fields[species->first]);
      for (int d = 0; d < 3; ++d) {
        const double x = *parse_real(fields[pos->first + d]);
        if (!std::isfinite(x))
          where.fail("column " + std::to_string(pos->first + d + 1) + " (pos) is not finite");
        s.positions_angstrom(d, static_cast<Eigen::Index>(a)) = x;
        if (forces)
          (*frame.forces_ev_per_angstrom)(d, static_cast<Eigen::Index>(a)) =
              *parse_real(fields[forces->first + d]);
      }
      bool is_fixed = fixed && *parse_logical(fields[fixed->first]);
      if (move_mask) {
        // ASE: move_mask true = free to move; FixAtoms (all three false) is a fixed atom.
        bool free = false;
        for (std::size_t d = 0; d < move_mask->width; ++d)
          free = free || *parse_logical(fields[move_mask->first + d]);
        is_fixed = is_fixed || !free;
      }
      fixed_flags[a] = is_fixed;
      any_fixed = any_fixed || is_fixed;
    }
    if (any_fixed) s.fixed = std::move(fixed_flags);
    frames.push_back(std::move(frame));
    ++l;
  }
  return frames;
}

std::vector<ExtxyzFrame> read_extxyz(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_extxyz(text.str(), path);
}

void write_extxyz_frame(std::ostream& out, const ExtxyzFrame& frame) {
  const atomistic::Structure& s = frame.structure;
  const std::size_t n = s.size();
  if (static_cast<std::size_t>(s.positions_angstrom.cols()) != n)
    throw InputError("", "",
                     "structure has " + std::to_string(n) + " elements but " +
                         std::to_string(s.positions_angstrom.cols()) + " positions");
  if (frame.forces_ev_per_angstrom &&
      static_cast<std::size_t>(frame.forces_ev_per_angstrom->cols()) != n)
    throw InputError("", "",
                     "frame has " + std::to_string(frame.forces_ev_per_angstrom->cols()) +
                         " force vectors for " + std::to_string(n) + " atoms");
  if (!s.fixed.empty() && s.fixed.size() != n)
    throw InputError("", "",
                     "structure has " + std::to_string(s.fixed.size()) + " fixed flags for " +
                         std::to_string(n) + " atoms");
  for (std::size_t a = 0; a < n; ++a)
    if (s.elements[a].empty() ||
        std::any_of(s.elements[a].begin(), s.elements[a].end(), [](char c) { return is_space(c); }))
      throw InputError("", "",
                       "element '" + s.elements[a] + "' of atom " + std::to_string(a) +
                           " is empty or holds spaces");
  for (const auto& [key, value] : s.info) {
    if (reserved_key(key))
      throw InputError("", "", "info key '" + key + "' is reserved by extended XYZ");
    const bool valid_key = !key.empty() && std::none_of(key.begin(), key.end(), [](char c) {
      return is_space(c) || c == '=' || c == '"' || c == '\'' || c == '{' || c == '}';
    });
    if (!valid_key) throw InputError("", "", "info key '" + key + "' is not a valid extxyz key");
    if (value.find_first_of("\r\n") != std::string::npos)
      throw InputError("", "", "info value of '" + key + "' holds a line break");
  }
  const bool any_fixed = std::any_of(s.fixed.begin(), s.fixed.end(), [](bool f) { return f; });

  std::string line = std::to_string(n) + "\nLattice=\"";
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      line += format_real(s.cell_angstrom(r, c)) + (r == 2 && c == 2 ? "\"" : " ");
  line += " Properties=species:S:1:pos:R:3";
  if (frame.forces_ev_per_angstrom) line += ":forces:R:3";
  if (any_fixed) line += ":fixed:L:1";
  if (frame.energy_ev) line += " energy=" + format_real(*frame.energy_ev);
  line += " pbc=\"T T T\" charge=" + std::to_string(s.charge_e);
  for (const auto& [key, value] : s.info) line += " " + key + "=" + quote_if_needed(value);
  out << line << '\n';
  for (std::size_t a = 0; a < n; ++a) {
    const auto k = static_cast<Eigen::Index>(a);
    line = s.elements[a];
    for (int d = 0; d < 3; ++d) line += " " + format_real(s.positions_angstrom(d, k));
    if (frame.forces_ev_per_angstrom)
      for (int d = 0; d < 3; ++d) line += " " + format_real((*frame.forces_ev_per_angstrom)(d, k));
    if (any_fixed) line += s.fixed[a] ? " T" : " F";
    out << line << '\n';
  }
}

std::string format_extxyz(const std::vector<ExtxyzFrame>& frames) {
  std::ostringstream out;
  for (const auto& f : frames) write_extxyz_frame(out, f);
  return out.str();
}

void write_extxyz(const std::string& path, const std::vector<ExtxyzFrame>& frames) {
  const std::string text = format_extxyz(frames);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path, "", std::string("cannot write: ") + std::strerror(errno));
  out << text;
  out.flush();
  if (!out) throw InputError(path, "", "write failed");
}

}  // namespace ionhop::io
