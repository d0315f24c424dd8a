// Arguments reach the subcommands exactly as typed. CLI11 (2.1) reads an argument shaped like
// "[a,b]" given to a list option (the TEXT positionals) as the list {a, b}, and "[]" as nothing,
// with no setting to turn that off; texts such as "[MASK]" or "[好,差]" must stay whole.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace roformer::cli {

// argv[1..] with every argument CLI11 would split ("[...]") marked so that it no longer looks
// like a list; an argument already ending in the mark is marked too, so unmarking is exact.
std::vector<std::string> mark_bracketed_arguments(int argc, char** argv);

// Adds to every option of `app` and its subcommands a transform that removes the mark, so bound
// variables receive the arguments as typed. Call after every option is registered.
void unmark_option_values(CLI::App& app);

// `text` with every mark removed (for CLI11's error messages, which quote arguments).
std::string without_marks(std::string text);

}  // namespace roformer::cli
