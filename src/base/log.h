// Minimal leveled logging to stderr, in Redis's line format: "pid:role dd Mon yyyy hh:mm:ss.mmm *
// msg".
#pragma once

#include <cstdarg>

namespace tessera {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_NOTICE(...) ::tessera::Log(::tessera::LogLevel::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) ::tessera::Log(::tessera::LogLevel::kWarning, __VA_ARGS__)
#define LOG_VERBOSE(...) ::tessera::Log(::tessera::LogLevel::kVerbose, __VA_ARGS__)

}  // namespace tessera
