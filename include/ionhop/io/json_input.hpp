// Reading user JSON with precise errors: every accessor knows its file and JSON pointer,
// so a bad value becomes one line like
//   rates/x.json: /species/2/hops/0/barrier_ev: must be a finite number >= 0
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ionhop::io {

// Reads a whole file; throws InputError(file, "", "cannot read file: ...").
std::string read_text_file(const std::string& path);

class JsonInput;

// A file named by a config value: relative paths are relative to the config file's folder.
// Fails (InputError at the value's JSON path) when it is not an existing regular file.
std::string resolve_existing_file(const std::string& config_path, const JsonInput& value);

class JsonInput {
 public:
  // Parses a file; malformed JSON → InputError naming line and column.
  static JsonInput parse_file(const std::string& path, nlohmann::json& storage);
  JsonInput(const nlohmann::json& value, std::string file, std::string path)
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const nlohmann::json& raw() const { return *value_; }
  [[noreturn]] void fail(const std::string& problem) const;

  // Object access. require_object() also rejects keys not in `allowed`.
  void require_object(std::initializer_list<const char*> allowed) const;
  bool has(const char* key) const;
  JsonInput at(const char* key) const;  // required member
  std::optional<JsonInput> find(const char* key) const;

  // Array access.
  std::vector<JsonInput> array(std::size_t min_size = 0) const;

  // Scalars with checks.
  std::string string() const;          // non-empty string
  std::string string_or_json() const;  // a string, or any JSON value dumped as text
  bool boolean() const;
  double number() const;        // finite
  double non_negative() const;  // finite, >= 0
  double positive() const;      // finite, > 0
  std::int64_t integer() const;
  std::int64_t integer_at_least(std::int64_t min) const;
  std::uint64_t seed() const;  // integer in [0, 2^64)

 private:
  const nlohmann::json* value_;
  std::string file_, path_;
};

}  // namespace ionhop::io
