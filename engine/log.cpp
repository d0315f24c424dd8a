#include "engine/log.hpp"

#include <mutex>

namespace roformer {
namespace {

std::mutex sink_mutex;
LogSink current_sink;
LogLevel current_level = LogLevel::kError;

}  // namespace

void set_log_sink(LogSink sink, LogLevel max_level) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  current_sink = std::move(sink);
  current_level = max_level;
}

bool log_enabled(LogLevel level) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  return current_sink && level <= current_level;
}

void log_message(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  if (current_sink && level <= current_level) current_sink(level, message);
}

}  // namespace roformer
