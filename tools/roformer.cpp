// `roformer`: the command line. One file per subcommand; this one dispatches and maps errors to
// exit codes (0 success, 1 bad input or model, 2 usage).
#include <cstdio>
#include <iostream>

#include "engine/error.hpp"
#include "engine/log.hpp"
#include "tools/cli.hpp"

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

int run_guarded(const std::function<int()>& run) {
  try {
    return run();
  } catch (const roformer::Error& e) {
    std::fprintf(stderr, "roformer: error: %s\n", e.what());
    return e.code() == roformer::ErrorCode::kInvalidArgument ? 2 : 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "roformer: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roformer: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roformer: RoFormer inference on the CPU"};
  app.set_version_flag("--version", std::string(ROFORMER_VERSION));
  app.require_subcommand(1);
  app.fallthrough();
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "Log load time, ISA, threads and shapes to stderr (-vv: more)");

  std::vector<roformer::cli::Command> commands = {
      roformer::cli::add_classify(app), roformer::cli::add_tokenize(app),
      roformer::cli::add_fill_mask(app), roformer::cli::add_tag(app),
      roformer::cli::add_qa(app),       roformer::cli::add_embed(app),
      roformer::cli::add_similarity(app),
      roformer::cli::add_convert(app),  roformer::cli::add_info(app),
      roformer::cli::add_infer(app),    roformer::cli::add_bench(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string where = "roformer";
    for (const auto* sub : app.get_subcommands()) where += " " + sub->get_name();
    std::fprintf(stderr, "roformer: usage error: %s (see %s --help)\n", e.what(), where.c_str());
    return 2;
  }

  if (verbosity > 0) {
    roformer::set_log_sink(
        [](roformer::LogLevel level, const std::string& message) {
          std::fprintf(stderr, "roformer: %s: %s\n", level_name(level), message.c_str());
        },
        verbosity > 1 ? roformer::LogLevel::kDebug : roformer::LogLevel::kInfo);
  } else {
    roformer::set_log_sink(
        [](roformer::LogLevel level, const std::string& message) {
          std::fprintf(stderr, "roformer: %s: %s\n", level_name(level), message.c_str());
        },
        roformer::LogLevel::kWarning);
  }

  for (const auto& command : commands) {
    if (command.app->parsed()) return run_guarded(command.run);
  }
  return 2;
}
