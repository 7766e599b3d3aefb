// The `ionhop` subcommands. Each registers its options on a CLI11 app and returns the
// callback that runs it; errors are thrown (InputError → exit 2 in main).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace ionhop::cli {

using Action = std::function<int()>;

// CLI11 validator for seeds and counts: digits only (no sign), so "-3" is an error rather
// than a silently wrapped unsigned value.
inline CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
          return "must be an integer >= 0 (got '" + s + "')";
        return "";
      },
      "UINT");
}

Action add_sweep_command(CLI::App& app, const std::string& command_line);
Action add_run_command(CLI::App& app);
Action add_fit_command(CLI::App& app);
Action add_rates_from_arrhenius_command(CLI::App& app);
Action add_plot_command(CLI::App& app);
Action add_export_command(CLI::App& app);
Action add_neb_command(CLI::App& app);
Action add_sample_barriers_command(CLI::App& app, const std::string& command_line);
Action add_fit_barriers_command(CLI::App& app);
Action add_dft_label_command(CLI::App& app);
Action add_make_training_command(CLI::App& app);
Action add_fit_mlff_command(CLI::App& app);
Action add_validate_command(CLI::App& app);
Action add_label_potential_command(CLI::App& app);
Action add_md_command(CLI::App& app);
Action add_relax_command(CLI::App& app);
Action add_active_learn_command(CLI::App& app);
Action add_learn_neb_command(CLI::App& app);
Action add_barrier_trends_command(CLI::App& app);
Action add_select_uncertain_command(CLI::App& app);

}  // namespace ionhop::cli
