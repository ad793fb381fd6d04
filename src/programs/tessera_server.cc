// tessera-server: parses configuration and runs the server until SHUTDOWN or a signal.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/log.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using namespace tessera;
  if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
    printf("Tessera server v=0.1.0 (Redis 7.0 protocol compatible)\n");
    return 0;
  }
  if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf(
        "Usage: tessera-server [/path/to/tessera.conf] [--name value ...]\n"
        "Every redis.conf-style setting can be given as --name value, e.g.\n"
        "  tessera-server --port 6380 --threads 4 --maxclients 20000\n");
    return 0;
  }
  Config cfg;
  std::string err;
  std::vector<std::string> warnings;
  if (!LoadConfig(argc, argv, &cfg, &err, &warnings)) {
    fprintf(stderr, "\n*** FATAL CONFIG ERROR ***\n%s\n", err.c_str());
    return 1;
  }
  if (cfg.loglevel == "warning")
    SetLogLevel(LogLevel::kWarning);
  else if (cfg.loglevel == "verbose" || cfg.loglevel == "debug")
    SetLogLevel(LogLevel::kVerbose);
  if (!cfg.logfile.empty() && !freopen(cfg.logfile.c_str(), "a", stderr)) {
    fprintf(stdout, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  setvbuf(stderr, nullptr, _IOLBF, 0);
  for (auto& w : warnings) LOG_WARNING("%s", w.c_str());
  std::string pidfile = cfg.pidfile;
  if (!pidfile.empty()) {
    if (FILE* f = fopen(pidfile.c_str(), "w")) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    } else {
      LOG_WARNING("Failed to write PID file: %s", strerror(errno));
    }
  }
  Server server(std::move(cfg));
  server.set_executable(argv[0]);
  int rc = server.Run();
  if (!pidfile.empty()) unlink(pidfile.c_str());
#if !defined(__SANITIZE_ADDRESS__)
  // Everything durable is written by now (Run flushed the logs): freeing millions of keys one
  // by one would only delay the exit (Redis does not either). Sanitizer builds free all, so
  // that leaks stay visible.
  fflush(stderr);
  std::_Exit(rc);
#endif
  return rc;
}
