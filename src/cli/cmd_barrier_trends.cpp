// `ionhop barrier-trends TABLE...`: the charge-state orderings of the paper's Fig. 1 checked
// on the barriers of rate tables (analysis/charge_state_trends).
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "ionhop/analysis/charge_state_trends.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/rate_table_file.hpp"

namespace ionhop::cli {

namespace {
struct TrendArgs {
  std::vector<std::string> tables;
  double z = 2.0;
  bool json = false;
};

// The standard error of a fitted E_KRA, where the table's species provenance has one
// (fit-barriers writes environment_fit/kra_fit/coefficients/"E_KRA(m)"); 0 otherwise.
double kra_standard_error_ev(const rates::DefectSpecies& sp, const rates::HopRate& hop) {
  const auto p = nlohmann::json::parse(sp.provenance, nullptr, false);
  if (!p.is_object() || !p.contains("environment_fit")) return 0;
  const auto& c = p["environment_fit"]["kra_fit"]["coefficients"];
  if (!c.is_object()) return 0;
  // Interstitial hops carry no moving species: their fit has the one coefficient E_KRA(element).
  const std::string key =
      "E_KRA(" + (hop.moving_species.empty() ? sp.element : hop.moving_species) + ")";
  if (c.contains(key) && c[key].contains("standard_error_ev"))
    return c[key]["standard_error_ev"].get<double>();
  return 0;
}

std::string verdict_line(const analysis::TrendPair& p) {
  char buf[160];
  if (p.verdict == analysis::TrendVerdict::kMissing)
    std::snprintf(buf, sizeof buf, "  %-6s > %-6s  missing", p.higher.c_str(), p.lower.c_str());
  else
    std::snprintf(buf, sizeof buf, "  %-6s > %-6s  %+.4f +/- %.4f eV  %s", p.higher.c_str(),
                  p.lower.c_str(), p.difference_ev, p.standard_error_ev,
                  analysis::to_string(p.verdict));
  return buf;
}
}  // namespace

Action add_barrier_trends_command(CLI::App& app) {
  auto a = std::make_shared<TrendArgs>();
  auto* sub = app.add_subcommand(
      "barrier-trends",
      "Check the charge-state orderings of the migration barriers (Fig. 1 of Tyagi et al.)");
  sub->add_option("tables", a->tables, "rate tables (schema ionhop.rates/1)")->required();
  sub->add_option("--z", a->z, "a difference counts beyond z standard errors (default 2)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--json", a->json, "print the barriers and verdicts as JSON");
  sub->footer(
      "Each species' barrier is its lowest hop barrier (E_KRA), with the standard error of the\n"
      "fit where fit-barriers recorded one. A species may appear in one table only.\n"
      "Example:\n  ionhop barrier-trends rates/cspbi3_vi_plus_mlff.json "
      "rates/cspbi3_ii_minus_mlff.json");
  return [a]() {
    std::map<std::string, analysis::SpeciesBarrier> barriers;
    std::map<std::string, std::string> immobile;  // species without hops → table
    for (const auto& path : a->tables) {
      const rates::RateTable table = io::load_rate_table(path);
      for (std::size_t i = 0; i < table.species.size(); ++i) {
        const auto& sp = table.species[i];
        if (sp.hops.empty() || !sp.mobile) {  // immobile: no barrier to compare
          immobile[sp.name] = path;
          continue;
        }
        if (auto seen = barriers.find(sp.name); seen != barriers.end())
          throw InputError(path, "/species/" + std::to_string(i) + "/name",
                           "species '" + sp.name + "' is also in " + seen->second.source +
                               ": give each species once");
        const rates::HopRate* lowest = &sp.hops.front();
        for (const auto& h : sp.hops)
          if (h.barrier_ev < lowest->barrier_ev) lowest = &h;
        barriers[sp.name] = {lowest->barrier_ev, kra_standard_error_ev(sp, *lowest), path};
      }
    }
    std::vector<analysis::TrendCheck> checks;
    for (const auto& order : analysis::fig1_orderings())
      checks.push_back(analysis::check_ordering(order, barriers, a->z));
    if (a->json) {
      nlohmann::json out = {{"z", a->z},
                            {"barriers", nlohmann::json::object()},
                            {"orderings", nlohmann::json::array()}};
      for (const auto& [name, b] : barriers)
        out["barriers"][name] = {{"barrier_ev", b.barrier_ev},
                                 {"standard_error_ev", b.standard_error_ev},
                                 {"source", b.source}};
      auto pairs_json = [](const std::vector<analysis::TrendPair>& list) {
        nlohmann::json pairs = nlohmann::json::array();
        for (const auto& p : list) {
          nlohmann::json j = {{"higher", p.higher},
                              {"lower", p.lower},
                              {"verdict", analysis::to_string(p.verdict)}};
          if (p.verdict != analysis::TrendVerdict::kMissing) {
            j["difference_ev"] = p.difference_ev;
            j["standard_error_ev"] = p.standard_error_ev;
          }
          pairs.push_back(j);
        }
        return pairs;
      };
      for (const auto& c : checks)
        out["orderings"].push_back({{"expected_order", c.expected_order},
                                    {"overall", analysis::to_string(c.overall)},
                                    {"pairs", pairs_json(c.pairs)},
                                    {"implied_pairs", pairs_json(c.implied_pairs)}});
      out["immobile"] = immobile;
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    std::printf("%-8s %10s %10s  %s\n", "species", "E_b (eV)", "+/- (eV)", "table");
    for (const auto& [name, b] : barriers)
      std::printf("%-8s %10.4f %10.4f  %s\n", name.c_str(), b.barrier_ev, b.standard_error_ev,
                  b.source.c_str());
    for (const auto& [name, path] : immobile)
      std::printf("%-8s %10s %10s  %s (no hops: not compared)\n", name.c_str(), "immobile", "",
                  path.c_str());
    for (const auto& c : checks) {
      std::string order;
      for (const auto& s : c.expected_order) order += (order.empty() ? "" : " > ") + s;
      std::printf("\n%s (z = %g): %s\n", order.c_str(), a->z, analysis::to_string(c.overall));
      for (const auto& p : c.pairs) std::printf("%s\n", verdict_line(p).c_str());
      for (const auto& p : c.implied_pairs)
        std::printf("%s   (implied: the species between are missing)\n", verdict_line(p).c_str());
    }
    return 0;
  };
}

}  // namespace ionhop::cli
