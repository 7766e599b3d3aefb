// Dispatch on a potential file's schema.
#include "ionhop/io/potential_file.hpp"

#include "ionhop/core/sha256.hpp"
#include "ionhop/io/json_input.hpp"
#include "ionhop/io/mlff_model_file.hpp"
#include "ionhop/io/pair_potential_file.hpp"

namespace ionhop::io {

LoadedPotential load_potential(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  const std::string schema = root.at("schema").string();
  LoadedPotential out;
  out.path = path;
  out.sha256 = core::sha256_hex(read_text_file(path));
  if (schema == "ionhop.pair_potential/1") {
    out.potential = std::make_unique<atomistic::PairPotential>(load_pair_potential(path));
    return out;
  }
  if (schema == "ionhop.mlff/1") {
    out.potential = std::make_unique<mlff::LinearModel>(mlff_model_from_json(doc, path));
    return out;
  }
  root.at("schema").fail("unknown potential schema '" + schema +
                         "' (supported: \"ionhop.pair_potential/1\", \"ionhop.mlff/1\")");
}

}  // namespace ionhop::io
