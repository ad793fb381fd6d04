// The settings table and the file / flag / CONFIG parsers built on it.
#include "server/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "protocol/resp_parser.h"
#include "server/notify.h"

namespace tessera {
namespace {

struct Setting {
  std::string name;
  std::vector<std::string> aliases;
  bool mutable_at_runtime;
  std::function<std::string(const Config&)> get;
  // Returns "" or the reason the value is refused.
  std::function<std::string(Config*, const std::vector<std::string>&)> set;
  int nargs = 1;  // -1: any number of arguments, joined by spaces
  // How CONFIG REWRITE writes the value (defaults to `get`).
  std::function<std::string(const Config&)> rewrite = nullptr;
  bool compat = false;    // accepted for redis.conf compatibility, kept in Config::compat
  bool effective = true;  // false: a Config field exists for a later issue, nothing reads it yet
  // Redis 7's PROTECTED_CONFIG: CONFIG SET refuses it unless enable-protected-configs allows.
  bool protected_config = false;
};

// Memory sizes as CONFIG REWRITE writes them: the largest unit that divides exactly.
std::string HumanMemory(int64_t v) {
  const int64_t kGb = 1LL << 30, kMb = 1LL << 20, kKb = 1LL << 10;
  if (v != 0 && v % kGb == 0) return std::to_string(v / kGb) + "gb";
  if (v != 0 && v % kMb == 0) return std::to_string(v / kMb) + "mb";
  if (v != 0 && v % kKb == 0) return std::to_string(v / kKb) + "kb";
  return std::to_string(v);
}

std::string JoinArgs(const std::vector<std::string>& a) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ' ';
    out += a[i];
  }
  return out;
}

Setting IntSetting(std::string name, int64_t Config::*field, int64_t lo, int64_t hi, bool runtime) {
  return Setting{std::move(name),
                 {},
                 runtime,
                 [field](const Config& c) { return std::to_string(c.*field); },
                 [field, lo, hi](Config* c, const std::vector<std::string>& a) -> std::string {
                   auto v = ParseInt64(a[0]);
                   if (!v) return "argument couldn't be parsed into an integer";
                   if (*v < lo || *v > hi)
                     return "argument must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + " inclusive";
                   c->*field = *v;
                   return "";
                 }};
}

Setting MemSetting(std::string name, int64_t Config::*field, int64_t lo, bool runtime) {
  Setting s{std::move(name),
            {},
            runtime,
            [field](const Config& c) { return std::to_string(c.*field); },
            [field, lo](Config* c, const std::vector<std::string>& a) -> std::string {
              auto v = ParseMemory(a[0]);
              if (!v || *v < lo) return "argument must be a memory value";
              c->*field = *v;
              return "";
            }};
  s.rewrite = [field](const Config& c) { return HumanMemory(c.*field); };
  return s;
}

// A Redis setting kept in Config::compat: validated like Redis validates it, reported by CONFIG
// GET, written by CONFIG REWRITE, but not acted on.
enum class CompatKind { kBool, kInt, kMemory, kEnum, kString };

Setting Compat(std::string name, CompatKind kind, std::string def, bool runtime,
               std::vector<std::string> allowed = {}, int64_t lo = 0, int64_t hi = INT_MAX) {
  Setting s;
  s.name = name;
  s.mutable_at_runtime = runtime;
  s.compat = true;
  s.effective = false;
  s.get = [name, def](const Config& c) {
    auto it = c.compat.find(name);
    return it == c.compat.end() ? def : it->second;
  };
  s.set = [name, kind, allowed, lo, hi](Config* c, const std::vector<std::string>& a) {
    std::string v = a[0];
    switch (kind) {
      case CompatKind::kBool:
        v = ToLower(v);
        if (v != "yes" && v != "no") return std::string("argument must be 'yes' or 'no'");
        break;
      case CompatKind::kInt: {
        auto n = ParseInt64(v);
        if (!n) return std::string("argument couldn't be parsed into an integer");
        if (*n < lo || *n > hi)
          return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                 " inclusive";
        break;
      }
      case CompatKind::kMemory: {
        auto n = ParseMemory(v);
        if (!n || *n < 0) return std::string("argument must be a memory value");
        v = std::to_string(*n);
        break;
      }
      case CompatKind::kEnum: {
        v = ToLower(v);
        bool ok = false;
        for (auto& x : allowed) ok |= x == v;
        if (!ok) {
          std::string msg = "argument(s) must be one of the following: ";
          for (size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : "") + allowed[i];
          return msg;
        }
        break;
      }
      case CompatKind::kString:
        break;
    }
    c->compat[name] = v;
    return std::string();
  };
  if (kind == CompatKind::kMemory)
    s.rewrite = [get = s.get](const Config& c) {
      auto n = ParseInt64(get(c));
      return n ? HumanMemory(*n) : get(c);
    };
  return s;
}

void AddCompatSettings(std::vector<Setting>& s) {
  using K = CompatKind;
  // {name, default, settable at runtime}
  struct BoolDef {
    const char* name;
    const char* def;
    bool runtime;
  };
  static const BoolDef kBools[] = {
      {"lazyfree-lazy-eviction", "no", true},    {"lazyfree-lazy-expire", "no", true},
      {"lazyfree-lazy-server-del", "no", true},  {"lazyfree-lazy-user-del", "no", true},
      {"lazyfree-lazy-user-flush", "no", true},  {"replica-lazy-flush", "no", true},
      {"activerehashing", "yes", true},          {"replica-serve-stale-data", "yes", true},
      {"replica-read-only", "yes", true},        {"repl-diskless-sync", "yes", true},
      {"repl-disable-tcp-nodelay", "no", true},  {"dynamic-hz", "yes", true},
      {"aof-use-rdb-preamble", "yes", true},     {"aof-timestamp-enabled", "no", true},
      {"no-appendfsync-on-rewrite", "no", true}, {"rdb-del-sync-files", "no", true},
      {"crash-log-enabled", "yes", true},        {"crash-memcheck-enabled", "yes", true},
      {"jemalloc-bg-thread", "yes", true},       {"syslog-enabled", "no", false},
      {"always-show-logo", "no", false},         {"set-proc-title", "yes", false},
  };
  for (const BoolDef& b : kBools) s.push_back(Compat(b.name, K::kBool, b.def, b.runtime));
  s.push_back(Compat("supervised", K::kEnum, "no", false, {"upstart", "systemd", "auto", "no"}));
  s.push_back(Compat("syslog-ident", K::kString, "redis", false));
  s.push_back(Compat("syslog-facility", K::kString, "local0", false));
  s.push_back(Compat("unixsocket", K::kString, "", false));
  s.push_back(Compat("unixsocketperm", K::kInt, "0", false, {}, 0, 777));
  s.push_back(Compat("masterauth", K::kString, "", true));
  s.push_back(Compat("masteruser", K::kString, "", true));
  s.push_back(Compat("io-threads", K::kInt, "1", false, {}, 1, 128));
  s.push_back(Compat("io-threads-do-reads", K::kBool, "no", false));
  s.push_back(Compat("repl-diskless-sync-delay", K::kInt, "5", true));
  s.push_back(Compat("repl-timeout", K::kInt, "60", true, {}, 1));
  s.push_back(Compat("repl-backlog-size", K::kMemory, "1048576", true));
  s.push_back(Compat("repl-backlog-ttl", K::kInt, "3600", true));
  s.push_back(Compat("replica-priority", K::kInt, "100", true));
  s.push_back(Compat("min-replicas-to-write", K::kInt, "0", true));
  s.push_back(Compat("min-replicas-max-lag", K::kInt, "10", true));
  s.push_back(Compat("list-compress-depth", K::kInt, "0", true));
  s.push_back(Compat("stream-node-max-bytes", K::kMemory, "4096", true));
  s.push_back(Compat("stream-node-max-entries", K::kInt, "100", true));
  s.push_back(Compat("latency-monitor-threshold", K::kInt, "0", true, {}, 0, INT64_MAX));
  s.push_back(Compat("slowlog-log-slower-than", K::kInt, "10000", true, {}, -1, INT64_MAX));
  s.push_back(Compat("slowlog-max-len", K::kInt, "128", true, {}, 0, INT64_MAX));
  s.push_back(Compat("lua-time-limit", K::kInt, "5000", true, {}, 0, INT64_MAX));
  s.push_back(Compat("busy-reply-threshold", K::kInt, "5000", true, {}, 0, INT64_MAX));
  s.push_back(Compat("active-expire-effort", K::kInt, "1", true, {}, 1, 10));
  s.push_back(Compat("aof-rewrite-incremental-fsync", K::kBool, "yes", true));
  s.push_back(Compat("rdb-save-incremental-fsync", K::kBool, "yes", true));
  s.push_back(Compat("oom-score-adj", K::kEnum, "no", true, {"no", "yes", "relative", "absolute"}));
  s.push_back(Compat("oom-score-adj-values", K::kString, "0 200 800", true));
  s.push_back(Compat("tracking-table-max-keys", K::kInt, "1000000", true, {}, 0, INT64_MAX));
  s.push_back(Compat("acllog-max-len", K::kInt, "128", true, {}, 0, INT64_MAX));
  s.push_back(Compat("sanitize-dump-payload", K::kEnum, "no", true, {"no", "yes", "clients"}));
  s.push_back(Compat("cluster-enabled", K::kEnum, "no", false, {"no"}));
  s.push_back(Compat("enable-debug-command", K::kEnum, "no", false, {"no", "yes", "local"}));
  s.back().effective = true;  // read by DEBUG
  s.push_back(Compat("enable-protected-configs", K::kEnum, "no", false, {"no", "yes", "local"}));
  s.push_back(Compat("enable-module-command", K::kEnum, "no", false, {"no", "yes", "local"}));
  s.push_back(Compat("maxmemory-eviction-tenacity", K::kInt, "10", true, {}, 0, 100));
  s.push_back(Compat("replica-announced", K::kBool, "yes", true));
  s.push_back(Compat("shutdown-timeout", K::kInt, "10", true));
  s.push_back(Compat("shutdown-on-sigint", K::kString, "default", true));
  s.push_back(Compat("shutdown-on-sigterm", K::kString, "default", true));
  s.push_back(Compat("locale-collate", K::kString, "", true));
}

Setting StrSetting(std::string name, std::string Config::*field, bool runtime,
                   std::vector<std::string> allowed = {}) {
  return Setting{std::move(name),
                 {},
                 runtime,
                 [field](const Config& c) { return c.*field; },
                 [field, allowed](Config* c, const std::vector<std::string>& a) -> std::string {
                   std::string v = allowed.empty() ? a[0] : ToLower(a[0]);
                   if (!allowed.empty()) {
                     bool ok = false;
                     for (auto& x : allowed) ok |= (x == v);
                     if (!ok) {
                       // A yes/no setting is a boolean to Redis, with its own error text.
                       if (allowed == std::vector<std::string>{"yes", "no"})
                         return std::string("argument must be 'yes' or 'no'");
                       std::string msg = "argument(s) must be one of the following: ";
                       for (size_t i = 0; i < allowed.size(); ++i)
                         msg += (i ? ", " : "") + allowed[i];
                       return msg;
                     }
                   }
                   c->*field = v;
                   return "";
                 }};
}

Setting BoolSetting(std::string name, bool Config::*field, bool runtime) {
  return Setting{std::move(name),
                 {},
                 runtime,
                 [field](const Config& c) { return std::string(c.*field ? "yes" : "no"); },
                 [field](Config* c, const std::vector<std::string>& a) -> std::string {
                   std::string v = ToLower(a[0]);
                   if (v != "yes" && v != "no") return "argument must be 'yes' or 'no'";
                   c->*field = v == "yes";
                   return "";
                 }};
}

std::string ObufString(const Config& c) {
  auto one = [](const char* cls, const OutputBufferLimit& l) {
    return std::string(cls) + " " + std::to_string(l.hard) + " " + std::to_string(l.soft) + " " +
           std::to_string(l.soft_seconds);
  };
  return one("normal", c.obuf_normal) + " " + one("slave", c.obuf_replica) + " " +
         one("pubsub", c.obuf_pubsub);
}

std::string SetObuf(Config* c, const std::vector<std::string>& a) {
  std::vector<std::string> words;
  for (auto& s : a) {
    std::istringstream in(s);
    std::string w;
    while (in >> w) words.push_back(w);
  }
  if (words.empty() || words.size() % 4 != 0)
    return "Wrong number of arguments in buffer limit configuration.";
  Config tmp = *c;
  for (size_t i = 0; i < words.size(); i += 4) {
    std::string cls = ToLower(words[i]);
    OutputBufferLimit* l = nullptr;
    if (cls == "normal")
      l = &tmp.obuf_normal;
    else if (cls == "slave" || cls == "replica")
      l = &tmp.obuf_replica;
    else if (cls == "pubsub")
      l = &tmp.obuf_pubsub;
    else
      return "Invalid client class specified in buffer limit configuration.";
    auto hard = ParseMemory(words[i + 1]);
    auto soft = ParseMemory(words[i + 2]);
    auto secs = ParseInt64(words[i + 3]);
    if (!hard || !soft || !secs || *hard < 0 || *soft < 0 || *secs < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    *l = {*hard, *soft, *secs};
  }
  *c = tmp;
  return "";
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> kSettings = [] {
    std::vector<Setting> s;
    s.push_back(StrSetting("bind", &Config::bind, false));
    s.back().nargs = -1;
    s.push_back(IntSetting("port", &Config::port, 0, 65535, false));
    s.push_back(IntSetting("threads", &Config::threads, 0, 1024, false));
    s.push_back(IntSetting("databases", &Config::databases, 1, INT_MAX, false));
    s.push_back(IntSetting("maxclients", &Config::maxclients, 1, INT_MAX, true));
    s.push_back(IntSetting("timeout", &Config::timeout, 0, INT_MAX, true));
    s.push_back(IntSetting("tcp-backlog", &Config::tcp_backlog, 0, INT_MAX, false));
    s.push_back(IntSetting("tcp-keepalive", &Config::tcp_keepalive, 0, INT_MAX, true));
    s.push_back(IntSetting("memcached-port", &Config::memcached_port, 0, 65535, false));
    s.push_back(IntSetting("memcached-udp-port", &Config::memcached_udp_port, 0, 65535, false));
    s.push_back(
        MemSetting("memcached-item-size-max", &Config::memcached_item_size_max, 1024, false));
    s.push_back(MemSetting("proto-max-bulk-len", &Config::proto_max_bulk_len, 1024 * 1024, true));
    s.push_back(MemSetting("client-query-buffer-limit", &Config::client_query_buffer_limit,
                           1024 * 1024, true));
    s.push_back(Setting{"client-output-buffer-limit", {}, true, ObufString, SetObuf, -1});
    s.push_back(IntSetting("hz", &Config::hz, 1, 500, true));
    s.push_back(
        StrSetting("loglevel", &Config::loglevel, true, {"debug", "verbose", "notice", "warning"}));
    s.push_back(Setting{"notify-keyspace-events",
                        {},
                        true,
                        [](const Config& c) { return FormatNotifyFlags(c.notify_keyspace_events); },
                        [](Config* c, const std::vector<std::string>& a) -> std::string {
                          int64_t flags = ParseNotifyFlags(a[0]);
                          if (flags < 0)
                            return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
                          c->notify_keyspace_events = flags;
                          return "";
                        }});
    s.push_back(StrSetting("logfile", &Config::logfile, false));
    s.push_back(StrSetting("requirepass", &Config::requirepass, true));
    s.push_back(MemSetting("maxmemory", &Config::maxmemory, 0, true));
    s.push_back(StrSetting(
        "maxmemory-policy", &Config::maxmemory_policy, true,
        {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
         "allkeys-lfu", "allkeys-random", "noeviction", "allkeys-fifo", "volatile-fifo"}));
    s.push_back(IntSetting("maxmemory-samples", &Config::maxmemory_samples, 1, INT_MAX, true));
    s.push_back(IntSetting("lfu-log-factor", &Config::lfu_log_factor, 0, INT_MAX, true));
    s.push_back(IntSetting("lfu-decay-time", &Config::lfu_decay_time, 0, INT_MAX, true));
    s.push_back(IntSetting("hash-max-listpack-entries", &Config::hash_max_listpack_entries, 0,
                           INT64_MAX, true));
    s.back().aliases = {"hash-max-ziplist-entries"};
    s.push_back(IntSetting("hash-max-listpack-value", &Config::hash_max_listpack_value, 0,
                           INT64_MAX, true));
    s.back().aliases = {"hash-max-ziplist-value"};
    s.push_back(IntSetting("list-max-listpack-size", &Config::list_max_listpack_size, INT_MIN,
                           INT_MAX, true));
    s.back().aliases = {"list-max-ziplist-size"};
    s.push_back(
        IntSetting("set-max-intset-entries", &Config::set_max_intset_entries, 0, INT64_MAX, true));
    s.push_back(IntSetting("zset-max-listpack-entries", &Config::zset_max_listpack_entries, 0,
                           INT64_MAX, true));
    s.back().aliases = {"zset-max-ziplist-entries"};
    s.push_back(IntSetting("zset-max-listpack-value", &Config::zset_max_listpack_value, 0,
                           INT64_MAX, true));
    s.back().aliases = {"zset-max-ziplist-value"};
    s.push_back(MemSetting("hll-sparse-max-bytes", &Config::hll_sparse_max_bytes, 0, true));
    s.push_back(StrSetting("activedefrag", &Config::activedefrag, true, {"yes", "no"}));
    s.push_back(
        MemSetting("active-defrag-ignore-bytes", &Config::active_defrag_ignore_bytes, 1, true));
    s.push_back(IntSetting("active-defrag-threshold-lower", &Config::active_defrag_threshold_lower,
                           0, 1000, true));
    s.push_back(IntSetting("active-defrag-threshold-upper", &Config::active_defrag_threshold_upper,
                           0, 1000, true));
    s.push_back(
        IntSetting("active-defrag-cycle-min", &Config::active_defrag_cycle_min, 1, 99, true));
    s.push_back(
        IntSetting("active-defrag-cycle-max", &Config::active_defrag_cycle_max, 1, 99, true));
    s.push_back(StrSetting("dir", &Config::dir, true));
    s.back().protected_config = true;
    s.back().set = [](Config* c, const std::vector<std::string>& a) -> std::string {
      // Kept absolute, as Redis reports it (it chdir()s there).
      char* abs = realpath(a[0].c_str(), nullptr);
      if (!abs) return strerror(errno);
      struct stat st;
      bool dir = stat(abs, &st) == 0 && S_ISDIR(st.st_mode);
      if (dir) c->dir = abs;
      free(abs);
      return dir ? "" : strerror(ENOTDIR);
    };
    s.push_back(StrSetting("dbfilename", &Config::dbfilename, true));
    s.back().protected_config = true;
    s.push_back(StrSetting("save", &Config::save, true));
    s.back().nargs = -1;
    s.back().set = [](Config* c, const std::vector<std::string>& a) -> std::string {
      // "" or pairs of <seconds> <changes>, as Redis checks them.
      std::istringstream in(a[0]);
      std::vector<std::string> w;
      for (std::string x; in >> x;) w.push_back(x);
      if (w.size() % 2 != 0) return "Invalid save parameters";
      for (auto& x : w) {
        auto n = ParseInt64(x);
        if (!n || *n < 0) return "Invalid save parameters";
      }
      c->save = a[0];
      return "";
    };
    s.push_back(BoolSetting("rdbcompression", &Config::rdbcompression, true));
    s.push_back(BoolSetting("rdbchecksum", &Config::rdbchecksum, false));
    s.push_back(
        BoolSetting("stop-writes-on-bgsave-error", &Config::stop_writes_on_bgsave_error, true));
    s.push_back(StrSetting("appendonly", &Config::appendonly, true, {"yes", "no"}));
    s.push_back(
        StrSetting("appendfsync", &Config::appendfsync, true, {"everysec", "always", "no"}));
    s.push_back(StrSetting("appenddirname", &Config::appenddirname, false));
    s.push_back(StrSetting("appendfilename", &Config::appendfilename, false));
    s.push_back(IntSetting("auto-aof-rewrite-percentage", &Config::auto_aof_rewrite_percentage, 0,
                           INT_MAX, true));
    s.push_back(
        MemSetting("auto-aof-rewrite-min-size", &Config::auto_aof_rewrite_min_size, 0, true));
    s.push_back(BoolSetting("aof-load-truncated", &Config::aof_load_truncated, true));
    s.push_back(
        BoolSetting("aof-load-truncate-corrupt", &Config::aof_load_truncate_corrupt, false));
    s.push_back(StrSetting("io-engine", &Config::io_engine, false, {"epoll", "io_uring"}));
    s.push_back(StrSetting("daemonize", &Config::daemonize, false, {"no"}));
    s.push_back(StrSetting("pidfile", &Config::pidfile, false));
    s.push_back(StrSetting("protected-mode", &Config::protected_mode, true, {"yes", "no"}));
    // Fields that exist but that nothing reads yet; reported as having no effect.
    for (auto& x : s)
      for (const char* n : {"protected-mode", "daemonize"})
        if (x.name == n) x.effective = false;
    AddCompatSettings(s);
    return s;
  }();
  return kSettings;
}

const Setting* FindSetting(const std::string& name) {
  std::string lower = ToLower(name);
  for (auto& s : Settings()) {
    if (s.name == lower) return &s;
    for (auto& a : s.aliases)
      if (a == lower) return &s;
  }
  return nullptr;
}

}  // namespace

bool IsConfigName(const std::string& name) { return FindSetting(name) != nullptr; }

std::string ApplyConfig(Config* cfg, const std::string& name, const std::vector<std::string>& args,
                        bool runtime) {
  const Setting* s = FindSetting(name);
  if (!s) return "unknown";
  if (runtime && !s->mutable_at_runtime) return "can't set immutable config";
  if (runtime && s->protected_config && cfg->compat["enable-protected-configs"] != "yes" &&
      cfg->compat["enable-protected-configs"] != "local")
    return "can't set protected config";
  if (s->nargs == -1) {
    std::vector<std::string> joined{JoinArgs(args)};
    return s->set(cfg, joined);
  }
  if (static_cast<int>(args.size()) != s->nargs) return "wrong number of arguments";
  return s->set(cfg, args);
}

std::vector<std::pair<std::string, std::string>> GetConfig(const Config& cfg,
                                                           const std::string& pattern) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& s : Settings()) {
    if (GlobMatch(pattern, s.name, true))
      out.emplace_back(s.name, s.get(cfg));
    else
      for (auto& a : s.aliases)
        if (GlobMatch(pattern, a, true)) out.emplace_back(a, s.get(cfg));
  }
  return out;
}

bool LoadConfig(int argc, char** argv, Config* cfg, std::string* err,
                std::vector<std::string>* warnings) {
  // Collect "name args..." directives from the file, then from the flags (flags win).
  std::vector<std::vector<std::string>> directives;
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') {
    cfg->config_file = argv[1];
    std::ifstream in(cfg->config_file);
    if (!in) {
      *err = "Fatal error, can't open config file '" + cfg->config_file + "'";
      return false;
    }
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> words;
      size_t start = line.find_first_not_of(" \t\r");
      if (start == std::string::npos || line[start] == '#') continue;
      if (!SplitInlineArgs(line, &words)) {
        *err = "Unbalanced quotes in configuration line: " + line;
        return false;
      }
      if (!words.empty()) directives.push_back(std::move(words));
    }
    i = 2;
  }
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      *err = "Invalid argument '" + a + "': options look like --name value";
      return false;
    }
    std::vector<std::string> d{a.substr(2)};
    while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) d.push_back(argv[++i]);
    directives.push_back(std::move(d));
  }
  for (auto& d : directives) {
    std::string name = ToLower(d[0]);
    std::vector<std::string> args(d.begin() + 1, d.end());
    const Setting* setting = FindSetting(name);
    if (!setting) {
      *err = "Bad directive or wrong number of arguments: '" + d[0] + "' is not a known setting";
      return false;
    }
    if (!setting->effective)
      warnings->push_back("Directive '" + d[0] + "' is accepted but has no effect in Tessera yet");
    if (args.empty() && setting->nargs != -1 && setting->get(Config()) != "") {
      *err = "Directive '" + d[0] + "' needs a value";
      return false;
    }
    if (args.empty()) args.push_back("");
    std::string e = ApplyConfig(cfg, name, args, false);
    if (!e.empty()) {
      *err = "Bad directive '" + d[0] + "': " + e;
      return false;
    }
  }
  return true;
}

std::string RewriteConfig(const Config& cfg) {
  if (cfg.config_file.empty()) return "The server is running without a config file";
  std::vector<std::string> lines;
  {
    std::ifstream in(cfg.config_file);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
  }
  Config defaults;
  auto quote = [](const std::string& v) {
    if (!v.empty() && v.find_first_of(" \t\"'") == std::string::npos) return v;
    std::string out = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::vector<bool> written(Settings().size(), false);
  std::vector<std::string> out;
  for (auto& line : lines) {
    std::vector<std::string> words;
    size_t start = line.find_first_not_of(" \t\r");
    if (start != std::string::npos && line[start] != '#' && SplitInlineArgs(line, &words) &&
        !words.empty()) {
      const Setting* s = FindSetting(words[0]);
      if (s) {
        size_t idx = s - Settings().data();
        if (!written[idx]) {
          written[idx] = true;
          std::string v = s->rewrite ? s->rewrite(cfg) : s->get(cfg);
          out.push_back(s->name + " " + (s->nargs == -1 && !v.empty() ? v : quote(v)));
        }
        continue;
      }
    }
    out.push_back(line);
  }
  bool header = false;
  for (size_t k = 0; k < Settings().size(); ++k) {
    const Setting& s = Settings()[k];
    if (written[k] || s.get(cfg) == s.get(defaults)) continue;
    if (!header) {
      out.push_back("# Generated by CONFIG REWRITE");
      header = true;
    }
    std::string v = s.rewrite ? s.rewrite(cfg) : s.get(cfg);
    out.push_back(s.name + " " + (s.nargs == -1 && !v.empty() ? v : quote(v)));
  }
  std::string tmp = cfg.config_file + ".tmp-rewrite";
  {
    std::ofstream o(tmp, std::ios::trunc);
    for (auto& l : out) o << l << "\n";
    o.flush();
    if (!o) return "Rewriting config file: write failed";
  }
  FILE* f = fopen(tmp.c_str(), "r");
  if (f) {
    fsync(fileno(f));
    fclose(f);
  }
  if (rename(tmp.c_str(), cfg.config_file.c_str()) != 0)
    return "Rewriting config file: rename failed";
  return "";
}

}  // namespace tessera
