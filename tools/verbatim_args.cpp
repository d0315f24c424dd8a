#include "tools/verbatim_args.hpp"

namespace roformer::cli {
namespace {

// U+FDD0, a Unicode noncharacter: never meaningful in text, so a clear choice of mark.
constexpr const char* kMark = "\xEF\xB7\x90";
constexpr size_t kMarkSize = 3;

bool ends_with_mark(const std::string& text) {
  return text.size() >= kMarkSize && text.compare(text.size() - kMarkSize, kMarkSize, kMark) == 0;
}

// What CLI11's Option::_add_result treats as a list for options that take several values.
bool looks_like_list(const std::string& text) {
  return !text.empty() && text.front() == '[' && text.back() == ']';
}

void add_unmark_transform(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    option->transform(
        [](std::string value) {
          if (ends_with_mark(value)) value.resize(value.size() - kMarkSize);
          return value;
        },
        /*transform_description=*/"", /*transform_name=*/"unmark");
  }
  for (CLI::App* subcommand : app.get_subcommands([](CLI::App*) { return true; })) {
    add_unmark_transform(*subcommand);
  }
}

}  // namespace

std::vector<std::string> mark_bracketed_arguments(int argc, char** argv) {
  std::vector<std::string> arguments;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    if (looks_like_list(argument) || ends_with_mark(argument)) argument += kMark;
    arguments.push_back(std::move(argument));
  }
  return arguments;
}

void unmark_option_values(CLI::App& app) { add_unmark_transform(app); }

std::string without_marks(std::string text) {
  for (size_t at = text.find(kMark); at != std::string::npos; at = text.find(kMark, at)) {
    text.erase(at, kMarkSize);
  }
  return text;
}

}  // namespace roformer::cli
