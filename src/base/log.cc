// stderr logger; one fprintf per line so lines from shard threads do not interleave.
#include "base/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

namespace tessera {
namespace {
std::atomic<LogLevel> g_level{LogLevel::kNotice};
}

void SetLogLevel(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel GetLogLevel() { return g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, const char* fmt, ...) {
  if (level < GetLogLevel()) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tm_buf;
  localtime_r(&tv.tv_sec, &tm_buf);
  char ts[64];
  size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S", &tm_buf);
  snprintf(ts + n, sizeof(ts) - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  static const char kMarks[] = ".-*#";
  fprintf(stderr, "%d:M %s %c %s\n", static_cast<int>(getpid()), ts,
          kMarks[static_cast<int>(level)], msg);
}

}  // namespace tessera
