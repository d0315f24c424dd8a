// Logging: quiet by default. The library never prints by itself; an application (or the command
// line with -v) installs a sink.
#pragma once

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

template <typename... Parts>
void log_at(LogLevel level, Parts&&... parts) {
  if (log_enabled(level)) log_message(level, str(std::forward<Parts>(parts)...));
}

}  // namespace roformer
