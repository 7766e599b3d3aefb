// Reading and writing sampled CI-NEB barriers (schema "ionhop.barrier_samples/1").
#include "ionhop/io/barrier_samples_file.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include "ionhop/core/error.hpp"
#include "ionhop/io/json_input.hpp"

namespace ionhop::io {

namespace {
constexpr const char* kSchema = "ionhop.barrier_samples/1";

std::map<std::string, int> read_counts(const JsonInput& in) {
  if (!in.raw().is_object() || in.raw().empty())
    in.fail("must be a non-empty object mapping host species to neighbour counts");
  std::map<std::string, int> out;
  for (const auto& [species, _] : in.raw().items()) {
    const JsonInput c = in.at(species.c_str());
    if (species.empty()) c.fail("empty host species name");
    const auto n = c.integer_at_least(0);
    if (n > 1000) c.fail("implausible neighbour count " + std::to_string(n));
    out[species] = static_cast<int>(n);
  }
  return out;
}

// NaN for an absent or null energy of a non-converged sample.
double read_energy(const JsonInput& s, const char* key, bool converged) {
  if (!converged) {
    auto v = s.find(key);
    if (!v || v->raw().is_null()) return std::numeric_limits<double>::quiet_NaN();
    return v->number();
  }
  return s.at(key).number();
}

nlohmann::json text_or_json(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, false);
  return (j.is_discarded() || j.is_string() || j.is_number()) ? nlohmann::json(s) : j;
}
}  // namespace

BarrierSampleSet load_barrier_samples(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "provenance", "samples"});
  if (root.at("schema").string() != kSchema)
    root.at("schema").fail(std::string("unsupported schema (expected \"") + kSchema + "\")");
  BarrierSampleSet set;
  if (auto d = root.find("description")) set.description = d->string();
  if (auto p = root.find("provenance")) set.provenance = p->string_or_json();
  std::set<std::string> ids;
  for (const auto& s : root.at("samples").array()) {
    s.require_object({"id", "defect", "moving_species", "initial_counts", "final_counts",
                      "barrier_ev", "reaction_energy_ev", "converged", "occupation_key",
                      "saddle_counts", "attempt_frequency_hz", "imaginary_frequency_thz",
                      "vineyard_warning", "initial_energy_ev", "endpoint_separation_angstrom",
                      "midpoint_energy_ev", "mirror_plane_energy_ev"});
    barriers::BarrierSample b;
    if (auto id = s.find("id")) {
      b.id = id->string();
      if (!ids.insert(b.id).second) id->fail("duplicate sample id '" + b.id + "'");
    }
    b.defect = s.at("defect").string();
    b.moving_species = s.at("moving_species").string();
    b.initial_counts = read_counts(s.at("initial_counts"));
    b.final_counts = read_counts(s.at("final_counts"));
    if (auto sc = s.find("saddle_counts")) b.saddle_counts = read_counts(*sc);
    b.converged = s.at("converged").boolean();
    b.barrier_ev = read_energy(s, "barrier_ev", b.converged);
    b.reaction_energy_ev = read_energy(s, "reaction_energy_ev", b.converged);
    if (b.converged) {
      // The climbing image is the highest image of a converged band, end points included,
      // so E_saddle ≥ max(E_initial, E_final).
      if (b.barrier_ev < 0)
        s.at("barrier_ev")
            .fail("must be >= 0 for a converged sample (got " + s.at("barrier_ev").raw().dump() +
                  ")");
      if (b.barrier_ev < b.reaction_energy_ev)
        s.at("barrier_ev")
            .fail("must be >= reaction_energy_ev (" + s.at("reaction_energy_ev").raw().dump() +
                  ") for a converged sample: the saddle is the highest image");
    }
    if (auto k = s.find("occupation_key")) b.occupation_key = k->string();
    // Optional Vineyard fields (files written before campaigns computed ν* have none).
    if (auto nu = s.find("attempt_frequency_hz")) {
      // ν* belongs to a saddle, which only a converged band has.
      if (!b.converged) nu->fail("a sample that is not converged has no attempt frequency");
      b.attempt_frequency_hz = nu->positive();
    }
    if (auto im = s.find("imaginary_frequency_thz")) {
      if (!b.attempt_frequency_hz) im->fail("given without attempt_frequency_hz");
      b.imaginary_frequency_thz = im->non_negative();
    }
    if (auto w = s.find("vineyard_warning")) {
      if (!w->raw().is_string()) w->fail("must be a string");
      b.vineyard_warning = w->raw().get<std::string>();
    }
    if (auto e = s.find("initial_energy_ev")) {
      if (!b.converged) e->fail("a sample that is not converged has no relaxed initial state");
      b.initial_energy_ev = e->number();
    }
    if (auto d = s.find("endpoint_separation_angstrom")) {
      if (!b.converged) d->fail("a sample that is not converged has no relaxed endpoints");
      b.endpoint_separation_angstrom = d->non_negative();
    }
    // The midpoint is the half band's last image and the plane crossing lies below its
    // saddle: neither can be above barrier_ev.
    const auto at_most_barrier = [&](const JsonInput& e, const char* what) {
      const double v = e.number();
      if (v > b.barrier_ev)
        e.fail("must be <= barrier_ev (" + s.at("barrier_ev").raw().dump() + "): " + what);
      return v;
    };
    if (auto m = s.find("midpoint_energy_ev")) {
      if (!b.converged) m->fail("a sample that is not converged has no relaxed midpoint state");
      b.midpoint_energy_ev = at_most_barrier(*m, "the midpoint lies on the band below its saddle");
    }
    if (auto m = s.find("mirror_plane_energy_ev")) {
      if (!b.midpoint_energy_ev) m->fail("given without midpoint_energy_ev");
      b.mirror_plane_energy_ev =
          at_most_barrier(*m, "the plane crossing is below the hop's saddle");
    }
    set.samples.push_back(std::move(b));
  }
  return set;
}

nlohmann::json barrier_samples_to_json(const BarrierSampleSet& set) {
  nlohmann::json out;
  out["schema"] = kSchema;
  if (!set.description.empty()) out["description"] = set.description;
  if (!set.provenance.empty()) out["provenance"] = text_or_json(set.provenance);
  out["samples"] = nlohmann::json::array();
  for (const auto& b : set.samples) {
    nlohmann::json s;
    if (!b.id.empty()) s["id"] = b.id;
    s["defect"] = b.defect;
    s["moving_species"] = b.moving_species;
    s["initial_counts"] = b.initial_counts;
    s["final_counts"] = b.final_counts;
    if (!b.saddle_counts.empty()) s["saddle_counts"] = b.saddle_counts;
    // NaN (energies of a non-converged sample) → null.
    s["barrier_ev"] = std::isfinite(b.barrier_ev) ? nlohmann::json(b.barrier_ev) : nullptr;
    s["reaction_energy_ev"] =
        std::isfinite(b.reaction_energy_ev) ? nlohmann::json(b.reaction_energy_ev) : nullptr;
    s["converged"] = b.converged;
    if (!b.occupation_key.empty()) s["occupation_key"] = b.occupation_key;
    if (b.attempt_frequency_hz) s["attempt_frequency_hz"] = *b.attempt_frequency_hz;
    if (b.imaginary_frequency_thz) s["imaginary_frequency_thz"] = *b.imaginary_frequency_thz;
    if (!b.vineyard_warning.empty()) s["vineyard_warning"] = b.vineyard_warning;
    if (b.initial_energy_ev) s["initial_energy_ev"] = *b.initial_energy_ev;
    if (b.endpoint_separation_angstrom)
      s["endpoint_separation_angstrom"] = *b.endpoint_separation_angstrom;
    if (b.midpoint_energy_ev) s["midpoint_energy_ev"] = *b.midpoint_energy_ev;
    if (b.mirror_plane_energy_ev) s["mirror_plane_energy_ev"] = *b.mirror_plane_energy_ev;
    out["samples"].push_back(s);
  }
  return out;
}

void write_barrier_samples(const std::string& path, const BarrierSampleSet& set) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".partial-" +
                                                std::to_string(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << barrier_samples_to_json(set).dump(2) << "\n";
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(temp, ec);
      throw InputError(path, "", "cannot write file");
    }
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw InputError(path, "", "cannot move the new file into place: " + ec.message());
  }
}

void append_barrier_samples(const std::string& path,
                            const std::vector<barriers::BarrierSample>& samples,
                            const BarrierSampleSet& header_if_new) {
  BarrierSampleSet set;
  if (std::filesystem::exists(path)) {
    set = load_barrier_samples(path);
  } else {
    set.description = header_if_new.description;
    set.provenance = header_if_new.provenance;
  }
  std::set<std::string> ids;
  for (const auto& b : set.samples)
    if (!b.id.empty()) ids.insert(b.id);
  for (const auto& b : samples) {
    if (!b.id.empty() && !ids.insert(b.id).second)
      throw InputError(path, "", "sample id '" + b.id + "' is already in the file");
    set.samples.push_back(b);
  }
  write_barrier_samples(path, set);
}

}  // namespace ionhop::io
