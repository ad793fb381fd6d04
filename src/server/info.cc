// INFO: Redis's sections and field names, aggregated over every shard (runs with all shards
// parked, Route::kAll).

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/clock.h"
#include "base/malloc.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"

namespace tessera {
namespace {

std::string Human(int64_t bytes) { return FormatBytesHuman(bytes); }

int64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return static_cast<int64_t>(pages) * page;
}

struct Totals {
  ShardStats st;
  int64_t expired = 0, evicted = 0, blocked = 0, defrag_moved = 0;
};

Totals Aggregate(Server& server) {
  Totals t;
  t.st.commands.resize(Registry().all().size());
  for (int i = 0; i < server.num_shards(); ++i) {
    Shard& s = server.shard(i);
    const ShardStats& x = s.stats();
    t.st.commands_processed += x.commands_processed;
    t.st.connections_received += x.connections_received;
    t.st.rejected_connections += x.rejected_connections;
    t.st.keyspace_hits += x.keyspace_hits;
    t.st.keyspace_misses += x.keyspace_misses;
    t.st.net_input_bytes += x.net_input_bytes;
    t.st.net_output_bytes += x.net_output_bytes;
    t.st.dirty += x.dirty;
    t.st.total_error_replies += x.total_error_replies;
    for (auto& [code, n] : x.errors) t.st.errors[code] += n;
    t.st.expired_time_cap_reached += x.expired_time_cap_reached;
    t.st.instantaneous_ops += x.instantaneous_ops;
    for (size_t c = 0; c < x.commands.size(); ++c) {
      t.st.commands[c].calls += x.commands[c].calls;
      t.st.commands[c].usec += x.commands[c].usec;
      t.st.commands[c].rejected_calls += x.commands[c].rejected_calls;
      t.st.commands[c].failed_calls += x.commands[c].failed_calls;
    }
    for (int d = 0; d < s.num_dbs(); ++d) t.expired += s.db(d).expired();
    t.evicted += static_cast<int64_t>(s.keyspace().evicted());
    t.defrag_moved += static_cast<int64_t>(s.keyspace().moved_entries());
    t.blocked += s.blocked_clients();
  }
  return t;
}

class InfoWriter {
 public:
  void Section(const char* name) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += name;
    out_ += "\r\n";
  }
  void Field(const char* k, const std::string& v) {
    out_ += k;
    out_ += ':';
    out_ += v;
    out_ += "\r\n";
  }
  void Field(const char* k, int64_t v) { Field(k, std::to_string(v)); }
  void Raw(const std::string& line) { out_ += line + "\r\n"; }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void Server_(InfoWriter& w, CommandContext& ctx) {
  Server& s = *ctx.server;
  utsname u;
  uname(&u);
  int64_t now_us = NowUs();
  int64_t uptime = (now_us / 1000 - s.start_time_ms()) / 1000;
  w.Section("Server");
  w.Field("redis_version", "7.0.15");
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", "0");
  w.Field("redis_build_id", "0");
  w.Field("redis_mode", "standalone");
  w.Field("tessera_version", "0.1.0");
  w.Field("tessera_threads", s.num_shards());
  w.Field("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  w.Field("arch_bits", "64");
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", s.shard(0).loop().engine());
  w.Field("atomicvar_api", "c11-builtin");
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", "no");
  w.Field("run_id", s.run_id());
  w.Field("tcp_port", s.tcp_port());
  w.Field("server_time_usec", now_us);
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", s.config().hz);
  w.Field("configured_hz", s.config().hz);
  w.Field("lru_clock", (now_us / 1000000) & ((1 << 24) - 1));
  w.Field("executable", s.executable());
  w.Field("config_file", s.config().config_file);
  w.Field("io_threads_active", "0");
}

void Clients(InfoWriter& w, CommandContext& ctx, const Totals& t) {
  Server& s = *ctx.server;
  size_t max_in = 0, max_out = 0;
  for (int i = 0; i < s.num_shards(); ++i)
    for (auto& [id, c] : s.shard(i).connections()) {
      max_in = std::max(max_in, c->query_buffer_size());
      max_out = std::max(max_out, c->output_buffer_size());
    }
  w.Section("Clients");
  w.Field("connected_clients", s.connected_clients().load());
  w.Field("cluster_connections", "0");
  w.Field("maxclients", s.config().maxclients);
  w.Field("client_recent_max_input_buffer", static_cast<int64_t>(max_in));
  w.Field("client_recent_max_output_buffer", static_cast<int64_t>(max_out));
  w.Field("blocked_clients", t.blocked);
  w.Field("tracking_clients", "0");
  w.Field("clients_in_timeout_table", "0");
}

std::string Ratio(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f", v);
  return buf;
}

void Memory(InfoWriter& w, CommandContext& ctx) {
  Server& server = *ctx.server;
  const MemorySnapshot m = server.SnapshotMemory();
  const AllocatorStats& a = m.allocator;
  const Config& cfg = server.config();
  auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  auto ratio = [](size_t x, size_t y) { return y ? static_cast<double>(x) / y : 0.0; };
  // Redis's split: the dataset is keys and values; the key tables count as overhead.
  int64_t dataset = std::min(i64(m.used), i64(m.dataset - m.index));
  int64_t overhead = i64(m.used) - dataset;
  char perc[32];
  snprintf(perc, sizeof(perc), "%.2f%%", m.peak ? 100.0 * m.used / m.peak : 0.0);
  char dperc[32];
  int64_t net = i64(m.used) - i64(m.startup);
  snprintf(dperc, sizeof(dperc), "%.2f%%", net > 0 ? 100.0 * dataset / net : 0.0);
  w.Section("Memory");
  w.Field("used_memory", i64(m.used));
  w.Field("used_memory_human", Human(i64(m.used)));
  w.Field("used_memory_rss", i64(m.rss));
  w.Field("used_memory_rss_human", Human(i64(m.rss)));
  w.Field("used_memory_peak", i64(m.peak));
  w.Field("used_memory_peak_human", Human(i64(m.peak)));
  w.Field("used_memory_peak_perc", perc);
  w.Field("used_memory_overhead", overhead);
  w.Field("used_memory_startup", i64(m.startup));
  w.Field("used_memory_dataset", dataset);
  w.Field("used_memory_dataset_perc", dperc);
  w.Field("allocator_allocated", i64(a.allocated));
  w.Field("allocator_active", i64(a.active));
  w.Field("allocator_resident", i64(a.resident));
  w.Field("total_system_memory", TotalSystemMemory());
  w.Field("total_system_memory_human", Human(TotalSystemMemory()));
  w.Field("maxmemory", cfg.maxmemory);
  w.Field("maxmemory_human", Human(cfg.maxmemory));
  w.Field("maxmemory_policy", cfg.maxmemory_policy);
  w.Field("allocator_frag_ratio", Ratio(ratio(a.active, a.allocated)));
  w.Field("allocator_frag_bytes", i64(a.active) - i64(a.allocated));
  w.Field("allocator_rss_ratio", Ratio(ratio(a.resident, a.active)));
  w.Field("allocator_rss_bytes", i64(a.resident) - i64(a.active));
  w.Field("rss_overhead_ratio", Ratio(ratio(m.rss, a.resident)));
  w.Field("rss_overhead_bytes", i64(m.rss) - i64(a.resident));
  w.Field("mem_fragmentation_ratio", Ratio(ratio(m.rss, m.used)));
  w.Field("mem_fragmentation_bytes", i64(m.rss) - i64(m.used));
  // Tessera's entry slabs: bytes in pages and in live blocks (the difference is what
  // compaction wins back).
  w.Field("slab_pages_bytes", i64(m.slab_pages));
  w.Field("slab_used_bytes", i64(m.slab_used));
  w.Field("slab_frag_ratio", Ratio(ratio(m.slab_pages, m.slab_used)));
  w.Field("mem_allocator", AllocatorName());
  w.Field("active_defrag_running", server.compacting() ? "1" : "0");
  w.Field("lazyfree_pending_objects", "0");
  w.Field("lazyfreed_objects", "0");
}

void PersistenceSection(InfoWriter& w, CommandContext& ctx, bool loading) {
  w.Section("Persistence");
  for (const auto& [k, v] : ctx.server->persistence().Info(loading)) w.Field(k.c_str(), v);
}

void Stats(InfoWriter& w, const Totals& t, PubSub& pubsub) {
  const ShardStats& st = t.st;
  w.Section("Stats");
  w.Field("total_connections_received", static_cast<int64_t>(st.connections_received));
  w.Field("total_commands_processed", static_cast<int64_t>(st.commands_processed));
  w.Field("instantaneous_ops_per_sec", static_cast<int64_t>(st.instantaneous_ops));
  w.Field("total_net_input_bytes", static_cast<int64_t>(st.net_input_bytes));
  w.Field("total_net_output_bytes", static_cast<int64_t>(st.net_output_bytes));
  w.Field("rejected_connections", static_cast<int64_t>(st.rejected_connections));
  w.Field("expired_keys", t.expired);
  w.Field("expired_time_cap_reached_count", static_cast<int64_t>(st.expired_time_cap_reached));
  w.Field("evicted_keys", t.evicted);
  w.Field("keyspace_hits", static_cast<int64_t>(st.keyspace_hits));
  w.Field("keyspace_misses", static_cast<int64_t>(st.keyspace_misses));
  w.Field("active_defrag_hits", t.defrag_moved);
  w.Field("pubsub_channels", pubsub.Count(PubSub::kChannel));
  w.Field("pubsub_patterns", pubsub.Count(PubSub::kPattern));
  w.Field("pubsubshard_channels", pubsub.Count(PubSub::kShardChannel));
  w.Field("total_error_replies", static_cast<int64_t>(st.total_error_replies));
}

void Replication(InfoWriter& w, CommandContext& ctx) {
  w.Section("Replication");
  w.Field("role", "master");
  w.Field("connected_slaves", "0");
  w.Field("master_replid", ctx.server->run_id());
  w.Field("master_repl_offset", "0");
}

void Cpu(InfoWriter& w) {
  rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto sec = [](const timeval& tv) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
             static_cast<long>(tv.tv_usec));
    return std::string(buf);
  };
  w.Section("CPU");
  w.Field("used_cpu_sys", sec(self.ru_stime));
  w.Field("used_cpu_user", sec(self.ru_utime));
  w.Field("used_cpu_sys_children", sec(children.ru_stime));
  w.Field("used_cpu_user_children", sec(children.ru_utime));
}

void CommandStatsSection(InfoWriter& w, const Totals& t) {
  w.Section("Commandstats");
  for (const CommandSpec* spec : Registry().all()) {
    const CommandStats& c = t.st.commands[spec->id];
    if (c.calls == 0 && c.rejected_calls == 0 && c.failed_calls == 0) continue;
    char buf[256];
    snprintf(buf, sizeof(buf),
             "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
             "failed_calls=%llu",
             spec->name.c_str(), static_cast<unsigned long long>(c.calls),
             static_cast<unsigned long long>(c.usec),
             c.calls ? static_cast<double>(c.usec) / c.calls : 0.0,
             static_cast<unsigned long long>(c.rejected_calls),
             static_cast<unsigned long long>(c.failed_calls));
    w.Raw(buf);
  }
}

void Keyspace(InfoWriter& w, CommandContext& ctx) {
  Server& s = *ctx.server;
  w.Section("Keyspace");
  for (int d = 0; d < s.config().databases; ++d) {
    int64_t keys = 0, expires = 0, ttl_sum = 0, ttl_n = 0;
    for (int i = 0; i < s.num_shards(); ++i) {
      Db& db = s.shard(i).db(d);
      keys += static_cast<int64_t>(db.size());
      expires += static_cast<int64_t>(db.expires_count());
      if (db.avg_ttl() > 0) {
        ttl_sum += db.avg_ttl();
        ++ttl_n;
      }
    }
    if (keys == 0) continue;
    char buf[128];
    snprintf(buf, sizeof(buf), "db%d:keys=%lld,expires=%lld,avg_ttl=%lld", d,
             static_cast<long long>(keys), static_cast<long long>(expires),
             static_cast<long long>(ttl_n ? ttl_sum / ttl_n : 0));
    w.Raw(buf);
  }
}

// The sections INFO's arguments ask for: none = default; "all", "everything", "default" or
// names (case-insensitive).
class Wanted {
 public:
  explicit Wanted(CommandContext& ctx) {
    static const char* kDefault[] = {"server",     "clients",     "memory",  "persistence",
                                     "stats",      "replication", "cpu",     "modules",
                                     "errorstats", "cluster",     "keyspace"};
    if (ctx.argc() == 1) want_.assign(std::begin(kDefault), std::end(kDefault));
    for (size_t i = 1; i < ctx.argc(); ++i) {
      std::string s = ToLower(ctx.arg(i));
      if (s == "all" || s == "everything") {
        everything_ = true;
      } else if (s == "default") {
        want_.insert(want_.end(), std::begin(kDefault), std::end(kDefault));
      } else {
        want_.push_back(s);
      }
    }
  }
  bool operator()(const char* name) const {
    if (everything_) return true;
    for (auto& s : want_)
      if (s == name) return true;
    return false;
  }

 private:
  std::vector<std::string> want_;
  bool everything_ = false;
};

// INFO while start-up recovery runs: the sections that read no keyspace.
void InfoWhileLoading(CommandContext& ctx) {
  Wanted wanted(ctx);
  InfoWriter w;
  if (wanted("server")) Server_(w, ctx);
  if (wanted("persistence")) PersistenceSection(w, ctx, true);
  ctx.rb.Verbatim(w.str());
}

void Info(CommandContext& ctx) {
  Wanted wanted(ctx);
  InfoWriter w;
  Totals t = Aggregate(*ctx.server);
  if (wanted("server")) Server_(w, ctx);
  if (wanted("clients")) Clients(w, ctx, t);
  if (wanted("memory")) Memory(w, ctx);
  if (wanted("persistence")) PersistenceSection(w, ctx, false);
  if (wanted("stats")) Stats(w, t, ctx.server->pubsub());
  if (wanted("replication")) Replication(w, ctx);
  if (wanted("cpu")) Cpu(w);
  if (wanted("modules")) w.Section("Modules");
  if (wanted("commandstats")) CommandStatsSection(w, t);
  if (wanted("errorstats")) {
    w.Section("Errorstats");
    for (auto& [code, n] : t.st.errors) w.Raw("errorstat_" + code + ":count=" + std::to_string(n));
  }
  if (wanted("cluster")) {
    w.Section("Cluster");
    w.Field("cluster_enabled", "0");
  }
  if (wanted("keyspace")) Keyspace(w, ctx);
  ctx.rb.Verbatim(w.str());
}

void RegisterInfo(CommandRegistry& r) {
  r.Register(
      CommandSpec::Make("info", -1, kCmdLoading | kCmdStale, Info)
          .RouteTo(Route::kAll)
          .WhileLoading(InfoWhileLoading)
          .Acl({"slow", "dangerous"})
          .Doc("server", "Get information and statistics about the server", "1.0.0", "O(1)"));
}

CommandRegistrar registrar(RegisterInfo);

}  // namespace
}  // namespace tessera
