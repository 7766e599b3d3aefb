#include "ionhop/io/json_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ionhop/core/error.hpp"

namespace ionhop::io {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "", std::string("cannot read file: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
std::string type_name(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number_float()) return "a number";
  return std::string("a ") + v.type_name();
}

// Parser callback-free location: nlohmann reports a byte offset; turn it into line:col.
std::string line_column(const std::string& text, std::size_t byte) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < std::min(byte, text.size()); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}
}  // namespace

JsonInput JsonInput::parse_file(const std::string& path, nlohmann::json& storage) {
  const std::string text = read_text_file(path);
  try {
    storage = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, "",
                     "malformed JSON near " + line_column(text, e.byte > 0 ? e.byte - 1 : 0));
  } catch (const nlohmann::json::out_of_range&) {
    // e.g. 1e400: JSON allows it, a double cannot hold it.
    throw InputError(
        path, "", "a number is out of the range of a double (non-finite values are not allowed)");
  }
  return JsonInput(storage, path, "");
}

void JsonInput::fail(const std::string& problem) const {
  throw InputError(file_, path_.empty() ? "/" : path_, problem);
}

void JsonInput::require_object(std::initializer_list<const char*> allowed) const {
  if (!value_->is_object()) fail("must be an object, not " + type_name(*value_));
  for (const auto& [key, _] : value_->items()) {
    const bool known =
        std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; });
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
      JsonInput(*value_, file_, path_ + "/" + key).fail("unknown key (allowed: " + list + ")");
    }
  }
}

bool JsonInput::has(const char* key) const { return value_->is_object() && value_->contains(key); }

JsonInput JsonInput::at(const char* key) const {
  if (!value_->is_object()) fail("must be an object, not " + type_name(*value_));
  auto it = value_->find(key);
  if (it == value_->end())
    JsonInput(*value_, file_, path_ + "/" + key).fail("missing required key");
  return JsonInput(*it, file_, path_ + "/" + key);
}

std::optional<JsonInput> JsonInput::find(const char* key) const {
  if (!has(key)) return std::nullopt;
  return at(key);
}

std::vector<JsonInput> JsonInput::array(std::size_t min_size) const {
  if (!value_->is_array()) fail("must be an array, not " + type_name(*value_));
  if (value_->size() < min_size)
    fail("must have at least " + std::to_string(min_size) + " element" +
         (min_size == 1 ? "" : "s"));
  std::vector<JsonInput> out;
  for (std::size_t i = 0; i < value_->size(); ++i)
    out.emplace_back((*value_)[i], file_, path_ + "/" + std::to_string(i));
  return out;
}

std::string JsonInput::string() const {
  if (!value_->is_string()) fail("must be a string, not " + type_name(*value_));
  auto s = value_->get<std::string>();
  if (s.empty()) fail("must not be empty");
  return s;
}

std::string JsonInput::string_or_json() const {
  if (value_->is_string()) return string();
  if (value_->is_null()) fail("must not be null");
  return value_->dump();
}

bool JsonInput::boolean() const {
  if (!value_->is_boolean()) fail("must be true or false, not " + type_name(*value_));
  return value_->get<bool>();
}

double JsonInput::number() const {
  if (!value_->is_number()) fail("must be a number, not " + type_name(*value_));
  const double x = value_->get<double>();
  if (!std::isfinite(x)) fail("must be a finite number");
  return x;
}

double JsonInput::non_negative() const {
  if (!value_->is_number() || !std::isfinite(value_->get<double>()) || value_->get<double>() < 0)
    fail("must be a finite number >= 0" + (value_->is_number()
                                               ? std::string(" (got ") + value_->dump() + ")"
                                               : ", not " + type_name(*value_)));
  return value_->get<double>();
}

double JsonInput::positive() const {
  if (!value_->is_number() || !std::isfinite(value_->get<double>()) || value_->get<double>() <= 0)
    fail("must be a finite number > 0" + (value_->is_number()
                                              ? std::string(" (got ") + value_->dump() + ")"
                                              : ", not " + type_name(*value_)));
  return value_->get<double>();
}

std::int64_t JsonInput::integer() const {
  if (value_->is_number_float()) {
    const double x = value_->get<double>();
    if (std::isfinite(x) && x == std::floor(x) && std::abs(x) < 9e15)
      return static_cast<std::int64_t>(x);
  }
  if (!value_->is_number_integer()) fail("must be an integer, not " + type_name(*value_));
  if (value_->is_number_unsigned() && value_->get<std::uint64_t>() > INT64_MAX)
    fail("integer too large");
  return value_->get<std::int64_t>();
}

std::int64_t JsonInput::integer_at_least(std::int64_t min) const {
  const auto v = integer();
  if (v < min)
    fail("must be an integer >= " + std::to_string(min) + " (got " + std::to_string(v) + ")");
  return v;
}

std::uint64_t JsonInput::seed() const {
  if (value_->is_number_unsigned()) return value_->get<std::uint64_t>();
  return static_cast<std::uint64_t>(integer_at_least(0));
}

std::string resolve_existing_file(const std::string& config_path, const JsonInput& value) {
  namespace fs = std::filesystem;
  const fs::path p(value.string());
  const std::string full =
      p.is_absolute() ? p.string()
                      : (fs::path(config_path).parent_path() / p).lexically_normal().string();
  if (!fs::is_regular_file(full)) value.fail("no such file: " + full);
  return full;
}

}  // namespace ionhop::io
