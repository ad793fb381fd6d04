// Server configuration: one table of settings, each with its redis.conf name, type, default
// and whether CONFIG SET may change it at runtime. The same table parses the config file
// (redis.conf syntax), `--name value` command-line flags, and serves CONFIG GET/SET/REWRITE.
//
// Concurrency: settings are read by every shard thread. CONFIG SET runs with every shard
// stopped (Route::kAll), so plain fields need no atomics.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tessera {

struct OutputBufferLimit {
  int64_t hard = 0, soft = 0;
  int64_t soft_seconds = 0;
};

struct Config {
  std::string bind = "127.0.0.1";
  int64_t port = 6379;
  int64_t threads = 0;  // 0 = number of cores
  int64_t databases = 16;
  int64_t maxclients = 10000;
  int64_t timeout = 0;  // idle seconds before a client is closed; 0 = never
  int64_t tcp_backlog = 511;
  // The memcached front door (server/memcache.h): TCP and UDP ports (0 = off) and the
  // largest item value (memcached's -I).
  int64_t memcached_port = 0;
  int64_t memcached_udp_port = 0;
  int64_t memcached_item_size_max = 1 << 20;
  int64_t tcp_keepalive = 300;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  OutputBufferLimit obuf_normal{0, 0, 0};
  OutputBufferLimit obuf_replica{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit obuf_pubsub{32LL << 20, 8LL << 20, 60};
  int64_t notify_keyspace_events = 0;  // NotifyClass bits (server/notify.h)
  int64_t hz = 10;
  std::string loglevel = "notice";
  std::string logfile = "";
  std::string requirepass = "";
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  // Encoding thresholds of small collections (core/encoding.h).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t hll_sparse_max_bytes = 3000;
  // Slab compaction (Redis's active defragmentation settings; on by default in Tessera).
  std::string activedefrag = "yes";
  int64_t active_defrag_ignore_bytes = 100LL << 20;
  int64_t active_defrag_threshold_lower = 10;
  int64_t active_defrag_threshold_upper = 100;
  int64_t active_defrag_cycle_min = 1;
  int64_t active_defrag_cycle_max = 25;
  // Persistence (server/persistence.h).
  std::string dir = ".";
  std::string dbfilename = "dump.rdb";
  std::string save = "3600 1 300 100 60 10000";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  std::string appendonly = "no";
  std::string appendfsync = "everysec";
  std::string appenddirname = "appendonlydir";
  std::string appendfilename = "appendonly.aof";
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL << 20;
  bool aof_load_truncated = true;
  // Tessera's own: at start-up, cut a log at a corrupt record instead of refusing to start.
  bool aof_load_truncate_corrupt = false;
  std::string io_engine = "epoll";
  std::string daemonize = "no";
  std::string pidfile = "";
  std::string protected_mode = "yes";

  // Redis settings Tessera accepts, validates and reports but does not act on yet
  // (docs/configuration.md lists them), keyed by name.
  std::map<std::string, std::string> compat;

  // The config file given on the command line (CONFIG REWRITE writes it back).
  std::string config_file;
};

// Loads settings: optional config file as the first argument, then `--name value...` flags.
// Returns false with `*err` on an unknown directive or a bad value (as Redis refuses to start);
// Redis directives that are accepted without effect are named in `*warnings`.
bool LoadConfig(int argc, char** argv, Config* cfg, std::string* err,
                std::vector<std::string>* warnings);

// Applies one directive (name lowercase, args already split). `runtime` = from CONFIG SET.
// Returns "" on success, else the error reason Redis would print.
std::string ApplyConfig(Config* cfg, const std::string& name, const std::vector<std::string>& args,
                        bool runtime);

// (name, value) pairs of the settings whose name matches the glob `pattern`.
std::vector<std::pair<std::string, std::string>> GetConfig(const Config& cfg,
                                                           const std::string& pattern);

// True when `name` (or an alias) is a known setting.
bool IsConfigName(const std::string& name);

// Rewrites cfg.config_file: existing lines for known settings are replaced by current values,
// the rest kept, missing non-default settings appended. Returns "" or an error.
std::string RewriteConfig(const Config& cfg);

}  // namespace tessera
