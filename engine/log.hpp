// Logging: quiet by default. The library never prints by itself; an application (or the command
// line with -v) installs a sink.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "engine/error.hpp"

namespace roformer {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

using LogSink = std::function<void(LogLevel, const std::string&)>;

// Installs the sink that receives every message at `max_level` or more important; an empty sink
// silences the library (the default).
void set_log_sink(LogSink sink, LogLevel max_level);
bool log_enabled(LogLevel level);
void log_message(LogLevel level, const std::string& message);

// A count and its noun, plural unless the count is 1: counted(1, "text") is "1 text",
// counted(2, "batch", "batches") is "2 batches"; the plural defaults to the noun and an s.
inline std::string counted(size_t count, const std::string& noun, const std::string& plural = "") {
  return std::to_string(count) + " " +
         (count == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

// "was" for a count of 1, else "were": the verb of "1 of 3 texts was truncated".
inline const char* was_or_were(size_t count) { return count == 1 ? "was" : "were"; }

template <typename... Parts>
void log_at(LogLevel level, Parts&&... parts) {
  if (log_enabled(level)) log_message(level, str(std::forward<Parts>(parts)...));
}

}  // namespace roformer
