// `roformer`: the command line. One file per subcommand; this one dispatches and maps errors to
// exit codes (0 success, 1 bad input or model, 2 usage).
#include <cstdio>
#include <iostream>
#include <sstream>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "engine/removed_on_interrupt.hpp"
#include "tools/cli.hpp"
#include "tools/standard_streams.hpp"
#include "tools/verbatim_args.hpp"

namespace {

const char* level_name(roformer::LogLevel level) {
  switch (level) {
    case roformer::LogLevel::kError: return "error";
    case roformer::LogLevel::kWarning: return "warning";
    case roformer::LogLevel::kInfo: return "info";
    case roformer::LogLevel::kDebug: return "debug";
  }
  return "log";
}

// "roformer classify" for the help hint of a usage error.
std::string command_path(const CLI::App& app) {
  std::string path = "roformer";
  for (const auto* sub : app.get_subcommands()) path += " " + sub->get_name();
  return path;
}

int usage_error(const std::string& message, const std::string& where) {
  std::fprintf(stderr, "roformer: usage error: %s (see %s --help)\n",
               roformer::cli::one_line(message).c_str(), where.c_str());
  return 2;
}

// Whether `argument` (-v, -vv, --verbose, --version=..., -h) is one of roformer's own options.
bool is_top_level_option(const CLI::App& app, const std::string& argument) {
  if (argument.rfind("--", 0) == 0) {
    return app.get_option_no_throw(argument.substr(0, argument.find('='))) != nullptr;
  }
  for (size_t i = 1; i < argument.size(); ++i) {  // short flags may be combined: -vv
    if (app.get_option_no_throw(std::string("-") + argument[i]) == nullptr) return false;
  }
  return argument.size() > 1;
}

// The option name `argument` starts with: "--model" of --model=x, "-m" of -mx.
std::string option_name(const std::string& argument) {
  return argument[1] == '-' ? argument.substr(0, argument.find('=')) : argument.substr(0, 2);
}

// An option of the subcommand given before it (`roformer --model x classify`), which CLI11 calls
// "not expected" along with its value: "--model goes after the subcommand: roformer classify
// --model x ...". "" when the first argument before the subcommand that is not one of roformer's
// own options is no option of a subcommand (`--foo`), which the other messages cover.
std::string misplaced_option_message(const CLI::App& app,
                                     const std::vector<std::string>& arguments) {
  // The subcommand given, else every one.
  const bool chosen = !app.get_subcommands().empty();
  const std::vector<const CLI::App*> searched = app.get_subcommands(
      [chosen](const CLI::App* command) { return !chosen || command->parsed(); });
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument.size() < 2 || argument[0] != '-') return "";  // the subcommand, or a stray word
    if (is_top_level_option(app, argument)) continue;
    const std::string name = option_name(argument);
    const CLI::Option* option = nullptr;
    for (const auto* command : searched) {
      if ((option = command->get_option_no_throw(name)) != nullptr) break;
    }
    if (option == nullptr) return "";
    std::string typed = roformer::cli::without_marks(argument);
    const bool value_attached = argument.size() > name.size();  // --model=x, -mx
    if (option->get_items_expected_min() > 0 && !value_attached && i + 1 < arguments.size()) {
      typed += " " + roformer::cli::without_marks(arguments[i + 1]);
    }
    const std::string command = chosen ? searched.front()->get_name() : "SUBCOMMAND";
    return roformer::cli::without_marks(name) + " goes after the subcommand: roformer " + command +
           " " + typed + " ...";
  }
  return "";
}

// CLI11 says only "A subcommand is required" when the first word is no subcommand.
std::string parse_error_message(const CLI::App& app, const CLI::ParseError& error,
                                const std::vector<std::string>& arguments) {
  if (const std::string misplaced = misplaced_option_message(app, arguments); !misplaced.empty()) {
    return misplaced;
  }
  if (!app.get_subcommands().empty()) return roformer::cli::without_marks(error.what());
  std::string known;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    known += (known.empty() ? "" : ", ") + sub->get_name();
  }
  for (const auto& argument : arguments) {
    if (argument.empty()) continue;
    const std::string shown = roformer::cli::without_marks(argument);
    if (argument[0] == '-') {
      if (is_top_level_option(app, argument)) continue;
      return "unknown option \"" + shown +
             "\" before the subcommand (expected a subcommand: " + known + ")";
    }
    return "unknown subcommand \"" + shown + "\" (expected one of: " + known + ")";
  }
  return roformer::cli::without_marks(error.what());
}

int run_guarded(const std::function<int()>& run, const std::string& where) {
  try {
    return run();
  } catch (const roformer::Error& e) {
    if (e.code() == roformer::ErrorCode::kInvalidArgument) return usage_error(e.what(), where);
    std::fprintf(stderr, "roformer: error: %s\n", roformer::cli::one_line(e.what()).c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "roformer: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roformer: error: %s\n", roformer::cli::one_line(e.what()).c_str());
    return 1;
  }
}

// Output that never arrived is a failure even when the command itself succeeded.
int with_output_checked(int exit_code) {
  const std::string write_error = roformer::cli::flush_stdout_error();
  if (write_error.empty() || exit_code != 0) return exit_code;
  std::fprintf(stderr, "roformer: error: cannot write output: %s\n", write_error.c_str());
  return 1;
}

// --help and --version. CLI11 would write them to std::cout and flush it itself, leaving a failed
// write's cause (errno) unknown by the time the output is checked; through stdio, the flush that
// fails is with_output_checked's own, which names it.
int print_help_or_version(const CLI::App& app, const CLI::ParseError& request) {
  std::ostringstream text;
  const int exit_code = app.exit(request, text, std::cerr);
  std::fputs(text.str().c_str(), stdout);
  return with_output_checked(exit_code);
}

}  // namespace

int main(int argc, char** argv) {
  roformer::cli::fill_closed_standard_streams();
  roformer::install_interrupt_cleanup();  // an interrupted run leaves no temporary file
  CLI::App app{"roformer: RoFormer inference on the CPU"};
  app.set_version_flag("--version", std::string(ROFORMER_VERSION));
  app.require_subcommand(1);
  app.fallthrough();
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity,
               "Log load time, ISA, threads and batch shapes to stderr (-vv: every batch)");

  std::vector<roformer::cli::Command> commands = {
      roformer::cli::add_classify(app), roformer::cli::add_tokenize(app),
      roformer::cli::add_fill_mask(app), roformer::cli::add_tag(app),
      roformer::cli::add_qa(app),       roformer::cli::add_embed(app),
      roformer::cli::add_similarity(app),
      roformer::cli::add_convert(app),  roformer::cli::add_info(app),
      roformer::cli::add_infer(app),    roformer::cli::add_bench(app),
  };
  roformer::cli::unmark_option_values(app);

  const std::vector<std::string> arguments = roformer::cli::mark_bracketed_arguments(argc, argv);
  std::vector<const char*> argument_pointers = {argv[0]};
  for (const auto& argument : arguments) argument_pointers.push_back(argument.c_str());
  try {
    app.parse(static_cast<int>(argument_pointers.size()), argument_pointers.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return print_help_or_version(app, e);
    return usage_error(parse_error_message(app, e, arguments), command_path(app));
  }

  roformer::set_log_sink(
      [](roformer::LogLevel level, const std::string& message) {
        roformer::cli::clear_progress_line();
        std::fprintf(stderr, "roformer: %s: %s\n", level_name(level),
                     roformer::cli::one_line(message).c_str());
      },
      verbosity > 1   ? roformer::LogLevel::kDebug
      : verbosity > 0 ? roformer::LogLevel::kInfo
                      : roformer::LogLevel::kWarning);

  for (const auto& command : commands) {
    if (command.app->parsed()) {
      roformer::cli::warn_when_threads_exceed_hardware(*command.app);
      return with_output_checked(run_guarded(command.run, command_path(app)));
    }
  }
  return 2;
}
