// `ionhop rates-from-arrhenius`: a rate table from MD Arrhenius laws (ν0 = 6 D0 / (z d²)).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "ionhop/core/error.hpp"
#include "ionhop/io/lattice_file.hpp"
#include "ionhop/io/md_reference_file.hpp"
#include "ionhop/io/rate_table_file.hpp"
#include "ionhop/io/sweep_config_file.hpp"
#include "ionhop/rates/from_arrhenius.hpp"

namespace ionhop::cli {

namespace {
struct ConvertArgs {
  std::string reference, lattice, shell, out, name;
};
}  // namespace

Action add_rates_from_arrhenius_command(CLI::App& app) {
  auto a = std::make_shared<ConvertArgs>();
  auto* sub = app.add_subcommand(
      "rates-from-arrhenius",
      "Rate table from MD Arrhenius laws: barrier = Ea, attempt frequency = 6 D0/(z d^2)");
  sub->add_option("reference", a->reference, "MD Arrhenius table (schema ionhop.md_arrhenius/1)")
      ->required();
  sub->add_option("--lattice", a->lattice, "lattice file")->required();
  sub->add_option("--shell", a->shell, "hop shell the defects use (e.g. X-X)")->required();
  sub->add_option("--out", a->out, "rate table to write (JSON)")->required();
  sub->add_option("--name", a->name, "table name")->default_val("rates from MD Arrhenius laws");
  sub->footer(
      "Example:\n"
      "  ionhop rates-from-arrhenius examples/reference/cspbi3_md_arrhenius_table1.json \\\n"
      "         --lattice lattices/cspbi3_cubic.json --shell X-X --out "
      "rates/cspbi3_md_effective.json");
  return [a]() {
    const auto crystal = io::load_crystal(a->lattice);
    const auto ref = io::load_md_reference(a->reference);
    std::vector<rates::ArrheniusLaw> laws;
    for (std::size_t i = 0; i < ref.species.size(); ++i) {
      const auto& md = ref.species[i];
      rates::ArrheniusLaw law;
      law.species = md.species;
      if (md.mechanism.empty())
        throw InputError(a->reference, "/species/" + std::to_string(i) + "/mechanism",
                         "missing required key (needed to build a rate table)");
      law.mechanism =
          md.mechanism == "vacancy" ? rates::Mechanism::vacancy : rates::Mechanism::interstitial;
      if (!md.charge)
        throw InputError(a->reference, "/species/" + std::to_string(i) + "/charge",
                         "missing required key (needed to build a rate table)");
      law.charge = *md.charge;
      law.immobile = md.immobile;
      law.activation_energy_ev = md.activation_energy_ev;
      law.prefactor_cm2_s = md.prefactor_cm2_s;
      law.provenance =
          md.immobile ? "immobile: no migration observed in the MD reference (" + a->reference + ")"
                      : "E_a and D0 from " + a->reference;
      laws.push_back(law);
    }
    rates::RateTable table;
    try {
      table = rates::rate_table_from_arrhenius(laws, crystal, a->shell, a->name, "");
    } catch (const InputError& e) {
      throw InputError("command line", "--shell", e.problem());
    }
    const auto g = rates::shell_geometry(crystal, a->shell);
    nlohmann::json prov = {
        {"source", ref.description},
        {"reference_file", a->reference},
        {"reference_sha256", io::file_sha256(a->reference)},
        {"lattice_file", a->lattice},
        {"conversion",
         "Each species hops on shell '" + a->shell + "' (z = " + std::to_string(g.coordination) +
             ", d = " + std::to_string(g.hop_length_angstrom) +
             " Angstrom) with barrier E_a and attempt frequency nu0 = 6 D0 / (z d^2), so that the "
             "uncorrelated walk D = z Gamma d^2 / 6 reproduces D0 exp(-E_a / kB T) exactly. Not "
             "the "
             "paper's Eq. 2 (D0 = d^2 nu0 / z)."},
        {"caveat",
         "Rates derived from MD Arrhenius fits make a KMC-vs-MD comparison a consistency check of "
         "the "
         "KMC and analysis chain, not an independent prediction."}};
    table.provenance = prov.dump();
    nlohmann::json j = io::rate_table_to_json(table);
    j["lattice"] = crystal.name;
    const std::string tmp = a->out + ".partial";
    {
      std::ofstream out(tmp);
      out << j.dump(2) << "\n";
      if (!out) throw InputError(a->out, "", "cannot write file");
    }
    std::filesystem::rename(tmp, a->out);
    std::cout << "Wrote " << a->out << " (" << table.species.size()
              << " species, z = " << g.coordination << ", d = " << g.hop_length_angstrom
              << " Angstrom)\n";
    return 0;
  };
}

}  // namespace ionhop::cli
