// The process's standard streams: closed ones made harmless at start, stdout checked as output
// goes and at the end.
#pragma once

#include <string>

namespace roformer::cli {

// A closed stdin, stdout or stderr (`>&-`) is opened read-only on /dev/null: files the command
// opens later can then never take its descriptor, and writes to it fail (EBADF) visibly.
void fill_closed_standard_streams();

// Flushes stdout; on failure (full disk, closed descriptor) returns why, else "".
std::string flush_stdout_error();

// Flushes stdout and throws "cannot write output: <why>" on failure: a streaming run stops at the
// first chunk it cannot write instead of computing the rest for nothing.
void require_stdout_written();

// A message made safe for one line of stderr: control characters (a newline in a file name, a
// tensor name or an option value) written as escapes (\n, \t, \x1b), ill-formed UTF-8 as U+FFFD.
std::string one_line(const std::string& message);

}  // namespace roformer::cli
