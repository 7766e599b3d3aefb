// ionhop: kinetic Monte Carlo of charged point defects in halide perovskites.
// Dispatches to the subcommands; turns bad input into one line on stderr and exit code 2.
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "ionhop/core/build_info.hpp"
#include "ionhop/core/error.hpp"

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"ionhop " + std::string(ionhop::core::version()) +
               ": lattice kinetic Monte Carlo of charged point defects in halide perovskites"};
  app.require_subcommand(1);
  app.set_version_flag(
      "--version", std::string(ionhop::core::version()) + " (" + ionhop::core::git_commit() + ")");
  app.footer(
      "Examples:\n"
      "  ionhop sweep examples/cspbi3_charged_iodide_sweep.json --out results/cspbi3\n"
      "  ionhop run --lattice lattices/cspbi3_cubic.json --rates rates/cspbi3_md_effective.json "
      "\\\n"
      "             --species V_I^+ --temperature 300 --hops 1000000\n"
      "  ionhop fit results/cspbi3/points.csv\n"
      "Run 'ionhop SUBCOMMAND --help' for each subcommand's options.");

  using namespace ionhop::cli;
  Action sweep = add_sweep_command(app, command_line);
  Action run = add_run_command(app);
  Action fit = add_fit_command(app);
  Action convert = add_rates_from_arrhenius_command(app);
  Action plot = add_plot_command(app);
  Action device_export = add_export_command(app);
  Action neb = add_neb_command(app);
  Action sample_barriers = add_sample_barriers_command(app, command_line);
  Action fit_barriers = add_fit_barriers_command(app);
  Action make_training = add_make_training_command(app);
  Action dft_label = add_dft_label_command(app);
  Action fit_mlff = add_fit_mlff_command(app);
  Action validate = add_validate_command(app);
  Action label_potential = add_label_potential_command(app);
  Action md = add_md_command(app);
  Action relax = add_relax_command(app);
  Action active_learn = add_active_learn_command(app);
  Action learn_neb = add_learn_neb_command(app);
  Action barrier_trends = add_barrier_trends_command(app);
  Action select_uncertain = add_select_uncertain_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ionhop: error: " << e.what() << " (see ionhop --help)\n";
    return 2;
  }

  try {
    for (auto* sub : app.get_subcommands()) {
      if (sub->get_name() == "sweep") return sweep();
      if (sub->get_name() == "run") return run();
      if (sub->get_name() == "fit") return fit();
      if (sub->get_name() == "rates-from-arrhenius") return convert();
      if (sub->get_name() == "plot") return plot();
      if (sub->get_name() == "export") return device_export();
      if (sub->get_name() == "neb") return neb();
      if (sub->get_name() == "sample-barriers") return sample_barriers();
      if (sub->get_name() == "fit-barriers") return fit_barriers();
      if (sub->get_name() == "make-training-structures") return make_training();
      if (sub->get_name() == "dft-label") return dft_label();
      if (sub->get_name() == "active-learn") return active_learn();
      if (sub->get_name() == "learn-neb") return learn_neb();
      if (sub->get_name() == "fit-mlff") return fit_mlff();
      if (sub->get_name() == "validate") return validate();
      if (sub->get_name() == "label-with-potential") return label_potential();
      if (sub->get_name() == "md") return md();
      if (sub->get_name() == "relax") return relax();
      if (sub->get_name() == "barrier-trends") return barrier_trends();
      if (sub->get_name() == "select-uncertain") return select_uncertain();
    }
  } catch (const ionhop::InputError& e) {
    std::cerr << "ionhop: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ionhop: internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
