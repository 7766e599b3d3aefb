// Barrier-campaign and CI-NEB config files → plain settings, with precise errors.
#include "ionhop/io/barrier_campaign_file.hpp"

#include <filesystem>

#include "ionhop/core/error.hpp"
#include "ionhop/core/sha256.hpp"
#include "ionhop/io/extxyz.hpp"
#include "ionhop/io/lattice_file.hpp"

namespace ionhop::io {

namespace fs = std::filesystem;

namespace {

std::array<int, 3> supercell_of(const JsonInput& cell) {
  const auto n = cell.array(3);
  if (n.size() != 3) cell.fail("must be [n1, n2, n3]");
  return {static_cast<int>(n[0].integer_at_least(1)), static_cast<int>(n[1].integer_at_least(1)),
          static_cast<int>(n[2].integer_at_least(1))};
}

std::vector<std::string> strings(const JsonInput& list) {
  std::vector<std::string> out;
  for (const auto& s : list.array(1)) {
    const std::string v = s.string();
    if (std::find(out.begin(), out.end(), v) != out.end()) s.fail("duplicate '" + v + "'");
    out.push_back(v);
  }
  return out;
}
}  // namespace

atomistic::NebSettings parse_neb_settings(const JsonInput& neb) {
  neb.require_object({"images", "spring_constant_ev_per_angstrom2",
                      "force_tolerance_ev_per_angstrom", "max_steps", "climb", "interpolation",
                      "relax_endpoints", "endpoint_force_tolerance_ev_per_angstrom",
                      "endpoint_max_steps", "band_rattle_angstrom", "band_rattle_seed"});
  atomistic::NebSettings s;
  if (auto v = neb.find("images")) s.images = v->integer_at_least(1);
  if (auto v = neb.find("spring_constant_ev_per_angstrom2"))
    s.spring_constant_ev_per_angstrom2 = v->positive();
  if (auto v = neb.find("force_tolerance_ev_per_angstrom"))
    s.force_tolerance_ev_per_angstrom = v->positive();
  if (auto v = neb.find("max_steps")) s.max_steps = v->integer_at_least(1);
  if (auto v = neb.find("climb")) s.climb = v->boolean();
  if (auto v = neb.find("interpolation")) {
    const std::string i = v->string();
    if (i == "idpp")
      s.interpolation = atomistic::Interpolation::kIdpp;
    else if (i == "linear")
      s.interpolation = atomistic::Interpolation::kLinear;
    else
      v->fail("unknown interpolation '" + i + "' (use \"idpp\" or \"linear\")");
  }
  if (auto v = neb.find("relax_endpoints")) s.relax_endpoints = v->boolean();
  if (auto v = neb.find("endpoint_force_tolerance_ev_per_angstrom"))
    s.endpoint_relaxation.force_tolerance_ev_per_angstrom = v->positive();
  if (auto v = neb.find("endpoint_max_steps"))
    s.endpoint_relaxation.max_steps = v->integer_at_least(1);
  if (auto v = neb.find("band_rattle_angstrom")) s.band_rattle_angstrom = v->non_negative();
  if (auto v = neb.find("band_rattle_seed")) s.band_rattle_seed = v->seed();
  return s;
}

nlohmann::json neb_settings_to_json(const atomistic::NebSettings& s) {
  nlohmann::json out = {
      {"images", s.images},
      {"spring_constant_ev_per_angstrom2", s.spring_constant_ev_per_angstrom2},
      {"force_tolerance_ev_per_angstrom", s.force_tolerance_ev_per_angstrom},
      {"max_steps", s.max_steps},
      {"climb", s.climb},
      {"climb_force_factor", s.climb_force_factor},
      {"interpolation", s.interpolation == atomistic::Interpolation::kIdpp ? "idpp" : "linear"},
      {"relax_endpoints", s.relax_endpoints},
      {"endpoint_force_tolerance_ev_per_angstrom",
       s.endpoint_relaxation.force_tolerance_ev_per_angstrom},
      {"endpoint_max_steps", s.endpoint_relaxation.max_steps},
      {"optimizer", "FIRE (Bitzek et al. 2006)"}};
  // Written only when used, so provenance of earlier tables stays as it was.
  if (s.band_rattle_angstrom > 0) {
    out["band_rattle_angstrom"] = s.band_rattle_angstrom;
    out["band_rattle_seed"] = s.band_rattle_seed;
  }
  return out;
}

BarrierCampaignConfig load_barrier_campaign(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "lattice", "potential", "supercell", "defect",
                       "environment", "sampling", "neb", "vineyard", "training_domain",
                       "rate_table"});
  if (root.at("schema").string() != "ionhop.barrier_campaign/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.barrier_campaign/1\")");
  BarrierCampaignConfig c;
  c.path = path;
  c.sha256 = core::sha256_hex(read_text_file(path));
  if (auto d = root.find("description")) c.description = d->string();
  c.lattice_path = resolve_existing_file(path, root.at("lattice"));
  c.lattice_sha256 = core::sha256_hex(read_text_file(c.lattice_path));
  c.crystal = load_crystal(c.lattice_path);
  c.potential_path = resolve_existing_file(path, root.at("potential"));
  c.supercell = supercell_of(root.at("supercell"));

  auto& s = c.settings;
  const JsonInput defect = root.at("defect");
  defect.require_object({"name", "charge", "sublattice", "hop_shell", "from_site", "hop",
                         "mechanism", "interstitial_element", "interstitial_delta_angstrom",
                         "axis_sublattice"});
  s.defect_name = defect.at("name").string();
  c.charge = static_cast<int>(defect.at("charge").integer());
  s.cell_charge_e = c.charge;
  s.sublattice = defect.at("sublattice").string();
  if (!c.crystal.has_sublattice(s.sublattice))
    defect.at("sublattice").fail("no sublattice '" + s.sublattice + "' in " + c.lattice_path);
  s.hop_shell = defect.at("hop_shell").string();
  if (!c.crystal.shell_index(s.hop_shell))
    defect.at("hop_shell").fail("no hop shell '" + s.hop_shell + "' in " + c.lattice_path);
  if (auto v = defect.find("from_site")) s.from_site = v->integer_at_least(0);
  if (auto v = defect.find("hop")) s.hop = v->integer_at_least(0);
  // As in ionhop.neb/1's "hop": a split interstitial needs its element and half-separation.
  if (auto m = defect.find("mechanism")) {
    const std::string mechanism = m->string();
    if (mechanism == "interstitial")
      s.mechanism = rates::Mechanism::interstitial;
    else if (mechanism != "vacancy")
      m->fail("unknown mechanism '" + mechanism + "' (use \"vacancy\" or \"interstitial\")");
  }
  if (s.mechanism == rates::Mechanism::interstitial) {
    s.interstitial.sublattice = s.sublattice;
    s.interstitial.element = defect.at("interstitial_element").string();
    s.interstitial.delta_angstrom = defect.at("interstitial_delta_angstrom").positive();
    if (auto v = defect.find("axis_sublattice")) {
      s.interstitial.axis_sublattice = v->string();
      if (!c.crystal.has_sublattice(s.interstitial.axis_sublattice))
        v->fail("no sublattice '" + s.interstitial.axis_sublattice + "' in " + c.lattice_path);
    }
  } else {
    for (const char* key :
         {"interstitial_element", "interstitial_delta_angstrom", "axis_sublattice"})
      if (auto v = defect.find(key)) v->fail("only for \"mechanism\": \"interstitial\"");
  }

  const JsonInput env = root.at("environment");
  env.require_object({"shell", "species", "background", "moving_species"});
  s.environment_shell = env.at("shell").string();
  if (!c.crystal.shell_index(s.environment_shell))
    env.at("shell").fail("no hop shell '" + s.environment_shell + "' in " + c.lattice_path);
  s.species = strings(env.at("species"));
  if (auto b = env.find("background")) s.background = b->string();
  s.moving_species = strings(env.at("moving_species"));
  for (const auto& m : s.moving_species)
    if (std::find(s.species.begin(), s.species.end(), m) == s.species.end())
      env.at("moving_species").fail("'" + m + "' is not one of /environment/species");

  const JsonInput sampling = root.at("sampling");
  sampling.require_object({"mode", "budget_per_moving_species", "max_exhaustive", "seed",
                           "rattle_angstrom", "repeats", "endpoints", "endpoint_refinements",
                           "fix_beyond_angstrom", "fix_elements", "initial_start", "midpoint_start",
                           "confirm_minima"});
  const std::string mode = sampling.at("mode").string();
  if (mode == "exhaustive")
    s.mode = barriers::SamplingMode::exhaustive;
  else if (mode == "stratified")
    s.mode = barriers::SamplingMode::stratified;
  else
    sampling.at("mode").fail("unknown mode '" + mode + "' (use \"exhaustive\" or \"stratified\")");
  if (auto v = sampling.find("budget_per_moving_species"))
    s.budget_per_moving_species = v->integer_at_least(1);
  if (auto v = sampling.find("max_exhaustive")) s.max_exhaustive = v->integer_at_least(1);
  if (auto v = sampling.find("seed")) s.seed = v->seed();

  if (auto neb = root.find("neb")) s.neb = parse_neb_settings(*neb);
  if (auto r = sampling.find("rattle_angstrom")) s.rattle_angstrom = r->non_negative();
  if (auto r = sampling.find("fix_beyond_angstrom")) s.fix_beyond_angstrom = r->positive();
  if (auto r = sampling.find("fix_elements")) s.fix_elements = strings(*r);
  // A seed structure (the file's last frame), its resolved path and its SHA-256.
  const auto seed_structure = [&](const JsonInput& key, std::optional<atomistic::Structure>& to,
                                  std::string& file, std::string& sha256) {
    file = resolve_existing_file(path, key);
    const auto frames = read_extxyz(file);
    if (frames.empty()) throw InputError(file, "", "no frame");
    to = frames.back().structure;
    sha256 = core::sha256_hex(read_text_file(file));
  };
  if (auto r = sampling.find("initial_start"))
    seed_structure(*r, s.initial_start, s.initial_start_path, c.initial_start_sha256);
  if (auto r = sampling.find("midpoint_start"))
    seed_structure(*r, s.midpoint_start, s.midpoint_start_path, c.midpoint_start_sha256);
  if (auto r = sampling.find("repeats")) s.repeats = r->integer_at_least(1);
  if (auto r = sampling.find("confirm_minima")) s.confirm_minima = r->boolean();
  if (auto r = sampling.find("endpoint_refinements"))
    s.max_endpoint_refinements = static_cast<std::size_t>(r->integer_at_least(0));
  if (auto r = sampling.find("endpoints")) {
    try {
      s.endpoints = atomistic::parse_endpoint_mode(r->string());
    } catch (const InputError& e) {
      r->fail(e.problem());
    }
  }

  // Top level rather than inside "neb": parse_neb_settings is shared with ionhop.neb/1,
  // where the prefactor is the --vineyard flag.
  if (auto v = root.find("vineyard")) {
    v->require_object({"enabled", "hessian_step_angstrom", "imaginary_tolerance_thz",
                       "saddle_refinements", "saddle_refinement_angstrom"});
    s.vineyard = true;  // the object asks for it unless it says "enabled": false
    if (auto e = v->find("enabled")) s.vineyard = e->boolean();
    if (auto h = v->find("hessian_step_angstrom")) s.harmonic.displacement_angstrom = h->positive();
    if (auto t = v->find("imaginary_tolerance_thz"))
      s.harmonic.imaginary_tolerance_thz = t->non_negative();
    if (auto r = v->find("saddle_refinements")) {
      s.saddle_refinement.max_refinements = static_cast<std::size_t>(r->integer_at_least(0));
      // The refinement follows the saddle's Hessian modes, which only Vineyard computes.
      if (!s.vineyard && s.saddle_refinement.max_refinements > 0)
        r->fail("needs \"enabled\": true (refinement uses the saddle's normal modes)");
    }
    if (auto a = v->find("saddle_refinement_angstrom"))
      s.saddle_refinement.displacement_angstrom = a->positive();
  }

  if (auto d = root.find("training_domain")) {
    d->require_object({"stop_band_above_ev_per_angstrom", "check_every_steps"});
    c.stop_band_above_force_uncertainty_ev_per_angstrom =
        d->at("stop_band_above_ev_per_angstrom").positive();
    if (auto e = d->find("check_every_steps"))
      s.band_guard_every_steps = static_cast<std::size_t>(e->integer_at_least(1));
  }

  const JsonInput table = root.at("rate_table");
  table.require_object({"name", "description", "attempt_frequency_hz",
                        "attempt_frequency_by_moving_hz", "reference_species",
                        "ground_state_tolerance_ev"});
  if (auto g = table.find("ground_state_tolerance_ev"))
    c.ground_state_tolerance_ev = g->non_negative();
  c.table_name = table.at("name").string();
  if (auto d = table.find("description")) c.table_description = d->string();
  const JsonInput nu = table.at("attempt_frequency_hz");
  if (nu.raw().is_string()) {
    if (nu.raw().get<std::string>() != "vineyard")
      nu.fail("must be a number (Hz) or \"vineyard\" (got \"" + nu.raw().get<std::string>() +
              "\")");
    // The prefactors come from this campaign's samples: without /vineyard there are none.
    if (!s.vineyard) nu.fail("\"vineyard\" needs the campaign's \"vineyard\": {\"enabled\": true}");
    c.attempt_frequency_from_vineyard = true;
  } else {
    c.attempt_frequency_hz = nu.positive();
  }
  if (auto by = table.find("attempt_frequency_by_moving_hz")) {
    if (!by->raw().is_object()) by->fail("must be an object {moving species: Hz}");
    for (const auto& [key, value] : by->raw().items()) {
      const JsonInput entry(value, c.path, by->path() + "/" + key);
      if (std::find(s.moving_species.begin(), s.moving_species.end(), key) ==
          s.moving_species.end())
        entry.fail("'" + key + "' is not one of /environment/moving_species");
      c.attempt_frequency_by_moving_hz[key] = entry.positive();
    }
  }
  if (auto r = table.find("reference_species")) {
    c.reference_species = r->string();
    if (std::find(s.species.begin(), s.species.end(), c.reference_species) == s.species.end())
      r->fail("'" + c.reference_species + "' is not one of /environment/species");
  }
  return c;
}

AttemptFrequencies resolve_attempt_frequencies(const BarrierCampaignConfig& config,
                                               const std::vector<barriers::BarrierSample>& samples,
                                               const std::vector<std::string>& moving_species,
                                               const std::string& samples_path) {
  AttemptFrequencies out;
  out.vineyard = barriers::vineyard_statistics(samples, config.settings.defect_name);
  if (!config.attempt_frequency_from_vineyard) {
    out.default_hz = config.attempt_frequency_hz;
    out.by_moving_hz = config.attempt_frequency_by_moving_hz;
    return out;
  }
  for (const auto& m : moving_species) {
    // A number per moving species still wins: it is the user's explicit choice.
    if (auto given = config.attempt_frequency_by_moving_hz.find(m);
        given != config.attempt_frequency_by_moving_hz.end()) {
      out.by_moving_hz[m] = given->second;
      continue;
    }
    const auto st = out.vineyard.find(m);
    if (st == out.vineyard.end() || st->second.samples == 0) {
      const std::size_t without = st == out.vineyard.end() ? 0 : st->second.converged_without;
      throw InputError(
          config.path, "/rate_table/attempt_frequency_hz",
          "\"vineyard\": no converged sample of moving species '" + m + "'" +
              (samples_path.empty() ? "" : " in " + samples_path) + " has a Vineyard prefactor (" +
              std::to_string(without) +
              " converged without one): run sample-barriers with /vineyard enabled, or give "
              "/rate_table/attempt_frequency_by_moving_hz/" +
              m);
    }
    out.by_moving_hz[m] = st->second.geometric_mean_hz;
    out.from_vineyard.insert(m);
  }
  return out;
}

NebConfig load_neb_config(const std::string& path) {
  nlohmann::json doc;
  const JsonInput root = JsonInput::parse_file(path, doc);
  root.require_object({"schema", "description", "potential", "endpoints", "lattice", "supercell",
                       "hop", "charge_e", "neb", "rattle_angstrom", "rattle_seed",
                       "fix_beyond_angstrom", "fix_elements", "initial_start"});
  if (root.at("schema").string() != "ionhop.neb/1")
    root.at("schema").fail("unsupported schema (expected \"ionhop.neb/1\")");
  NebConfig c;
  c.path = path;
  if (auto d = root.find("description")) c.description = d->string();
  // Optional here: learn-neb fits its own model; `ionhop neb` requires it (require_potential).
  if (auto p = root.find("potential")) c.potential_path = resolve_existing_file(path, *p);
  if (auto q = root.find("charge_e")) c.charge_e = static_cast<int>(q->integer());
  const bool files = root.has("endpoints"), built = root.has("lattice") || root.has("hop");
  if (files == built)
    root.fail(
        "give either \"endpoints\" (two extxyz files) or \"lattice\", \"supercell\" and \"hop\"");
  if (files) {
    const JsonInput e = root.at("endpoints");
    e.require_object({"initial", "final"});
    c.initial_path = resolve_existing_file(path, e.at("initial"));
    c.final_path = resolve_existing_file(path, e.at("final"));
  } else {
    c.lattice_path = resolve_existing_file(path, root.at("lattice"));
    c.crystal = load_crystal(c.lattice_path);
    c.supercell = supercell_of(root.at("supercell"));
    const JsonInput hop = root.at("hop");
    hop.require_object({"mechanism", "sublattice", "shell", "from_site", "hop",
                        "interstitial_element", "interstitial_delta_angstrom", "axis_sublattice",
                        "occupants"});
    if (auto m = hop.find("mechanism")) {
      c.mechanism = m->string();
      if (c.mechanism != "vacancy" && c.mechanism != "interstitial")
        m->fail("unknown mechanism '" + c.mechanism + "' (use \"vacancy\" or \"interstitial\")");
    }
    if (auto v = hop.find("sublattice")) c.sublattice = v->string();
    if (!c.crystal.has_sublattice(c.sublattice))
      hop.fail("no sublattice '" + c.sublattice + "' in " + c.lattice_path);
    if (auto v = hop.find("shell")) c.hop_shell = v->string();
    if (!c.crystal.shell_index(c.hop_shell))
      hop.fail("no hop shell '" + c.hop_shell + "' in " + c.lattice_path);
    if (auto v = hop.find("from_site")) c.from_site = v->integer_at_least(0);
    if (auto v = hop.find("hop")) c.hop = v->integer_at_least(0);
    if (c.mechanism == "interstitial") {
      c.interstitial_element = hop.at("interstitial_element").string();
      c.interstitial_delta_angstrom = hop.at("interstitial_delta_angstrom").positive();
    }
    if (auto v = hop.find("axis_sublattice")) c.axis_sublattice = v->string();
    if (auto occ = hop.find("occupants")) {
      for (const auto& [key, value] : occ->raw().items()) {
        const JsonInput entry(value, c.path, occ->path() + "/" + key);
        if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos)
          entry.fail("keys are site indices");
        c.occupants[key] = entry.string();
      }
    }
  }
  if (auto neb = root.find("neb")) c.neb = parse_neb_settings(*neb);
  if (auto r = root.find("rattle_angstrom")) c.rattle_angstrom = r->non_negative();
  if (auto r = root.find("rattle_seed")) c.rattle_seed = r->seed();
  if (auto r = root.find("fix_beyond_angstrom")) c.fix_beyond_angstrom = r->positive();
  if (auto r = root.find("fix_elements")) c.fix_elements = strings(*r);
  if (auto r = root.find("initial_start")) {
    if (files)
      r->fail(
          "only for a hop built from \"lattice\" and \"hop\" (with \"endpoints\" files the "
          "initial file is the start)");
    c.initial_start_path = resolve_existing_file(path, *r);
  }
  return c;
}

}  // namespace ionhop::io
