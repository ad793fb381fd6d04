// Memcached's flush_all and stats: internal commands run with every shard parked.
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>

#include "base/clock.h"
#include "core/slab.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/memcache.h"
#include "server/memory.h"

namespace tessera {
namespace {

using mc::Proto;

McOp OpArg(CommandContext& ctx) {
  McOp op{};
  if (ctx.args[kMcOp].size() == sizeof(op)) memcpy(&op, ctx.args[kMcOp].data(), sizeof(op));
  return op;
}

// Flushes memcached's database (db 0) on every shard.
void FlushNow(Server& server) {
  for (int i = 0; i < server.num_shards(); ++i) {
    Shard& s = server.shard(i);
    s.stats().dirty += s.db(0).size();
    ++s.stats().dirty;
    s.db(0).Clear();
  }
}

void McFlush(CommandContext& ctx) {
  McOp op = OpArg(ctx);
  Server& server = *ctx.server;
  ++ctx.shard->stats().mc.cmd_flush;
  // A delay (seconds, or a unix time, as exptime) flushes what exists then; a later flush
  // replaces it.
  int64_t at = McExpireMs(op.exptime, ctx.now_ms);
  if (op.exptime > 0 && at > ctx.now_ms) {
    server.set_mc_flush_at_ms(at);
  } else {
    server.set_mc_flush_at_ms(0);
    FlushNow(server);
  }
  std::string* out = ctx.rb.buffer();
  if (op.proto == Proto::kBinary) {
    if (!op.noreply) mc::AppendBinaryResponse(out, op.opcode, mc::kBinOk, op.opaque, 0, {}, {}, {});
  } else if (!op.noreply) {
    out->append("OK\r\n");
  }
}

using Stats = std::vector<std::pair<std::string, std::string>>;

McStats Sum(Server& server) {
  McStats t;
  for (int i = 0; i < server.num_shards(); ++i) {
    const McStats& s = server.shard(i).stats().mc;
    const uint64_t* a = reinterpret_cast<const uint64_t*>(&s);
    uint64_t* b = reinterpret_cast<uint64_t*>(&t);
    for (size_t k = 0; k < sizeof(McStats) / sizeof(uint64_t); ++k) b[k] += a[k];
  }
  return t;
}

std::string Seconds(const timeval& tv) {
  char b[48];
  snprintf(b, sizeof(b), "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
  return b;
}

// maxmemory, or (unlimited) the machine's memory: memcached always has a limit, and
// monitoring divides by it.
int64_t LimitMaxbytes(const Config& c) {
  if (c.maxmemory > 0) return c.maxmemory;
  return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
}

void General(CommandContext& ctx, Stats* out) {
  Server& server = *ctx.server;
  McStats t = Sum(server);
  size_t items = 0, bytes = 0, conns = 0;
  uint64_t evictions = 0, read = 0, written = 0, rejected = 0;
  for (int i = 0; i < server.num_shards(); ++i) {
    Shard& s = server.shard(i);
    items += s.db(0).size();
    bytes += s.keyspace().used_bytes();
    evictions += s.keyspace().evicted();
    read += s.stats().net_input_bytes;
    written += s.stats().net_output_bytes;
    rejected += s.stats().rejected_connections;
    // (UDP requests are short-lived connections without a socket of their own.)
    for (auto& [id, c] : s.connections()) conns += c->memcache() && c->fd() >= 0 && !c->closed();
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto n = [](auto v) { return std::to_string(v); };
  int64_t now_s = ctx.now_ms / 1000;
  *out = {
      {"pid", n(getpid())},
      {"uptime", n((ctx.now_ms - server.start_time_ms()) / 1000)},
      {"time", n(now_s)},
      {"version", kMcVersion},
      {"libevent", "none"},
      {"pointer_size", n(sizeof(void*) * 8)},
      {"rusage_user", Seconds(ru.ru_utime)},
      {"rusage_system", Seconds(ru.ru_stime)},
      {"max_connections", n(server.config().maxclients)},
      {"curr_connections", n(conns)},
      {"total_connections", n(t.total_connections)},
      {"rejected_connections", n(rejected)},
      {"connection_structures", n(conns)},
      {"cmd_get", n(t.cmd_get)},
      {"cmd_set", n(t.cmd_set)},
      {"cmd_flush", n(t.cmd_flush)},
      {"cmd_touch", n(t.cmd_touch)},
      {"cmd_meta", n(t.meta_cmds)},
      {"get_hits", n(t.get_hits)},
      {"get_misses", n(t.get_misses)},
      {"get_expired", n(t.get_expired)},
      {"get_flushed", "0"},
      {"delete_misses", n(t.delete_misses)},
      {"delete_hits", n(t.delete_hits)},
      {"incr_misses", n(t.incr_misses)},
      {"incr_hits", n(t.incr_hits)},
      {"decr_misses", n(t.decr_misses)},
      {"decr_hits", n(t.decr_hits)},
      {"cas_misses", n(t.cas_misses)},
      {"cas_hits", n(t.cas_hits)},
      {"cas_badval", n(t.cas_badval)},
      {"touch_hits", n(t.touch_hits)},
      {"touch_misses", n(t.touch_misses)},
      {"store_too_large", n(t.store_too_large)},
      {"store_no_memory", "0"},
      {"auth_cmds", "0"},
      {"auth_errors", "0"},
      {"bytes_read", n(read)},
      {"bytes_written", n(written)},
      {"limit_maxbytes", n(LimitMaxbytes(server.config()))},
      {"accepting_conns", "1"},
      {"threads", n(server.num_shards())},
      {"bytes", n(bytes)},
      {"curr_items", n(items)},
      {"total_items", n(t.total_items)},
      {"evictions", n(evictions)},
      {"reclaimed", "0"},
  };
}

void Settings(CommandContext& ctx, Stats* out) {
  const Config& c = ctx.server->config();
  auto n = [](auto v) { return std::to_string(v); };
  *out = {
      {"maxbytes", n(LimitMaxbytes(c))},
      {"maxconns", n(c.maxclients)},
      {"tcpport", n(c.memcached_port)},
      {"udpport", n(c.memcached_udp_port)},
      {"inter", c.bind},
      {"verbosity", "0"},
      {"oldest", "0"},
      {"evictions", c.maxmemory_policy == "noeviction" ? "off" : "on"},
      {"domain_socket", "NULL"},
      {"umask", "700"},
      {"growth_factor", "1.25"},
      {"chunk_size", "48"},
      {"num_threads", n(ctx.server->num_shards())},
      {"stat_key_prefix", ":"},
      {"detail_enabled", "no"},
      {"reqs_per_event", "20"},
      {"cas_enabled", "yes"},
      {"tcp_backlog", n(c.tcp_backlog)},
      {"binding_protocol", "auto-negotiate"},
      {"item_size_max", n(c.memcached_item_size_max)},
      {"maxconns_fast", "yes"},
      {"hashpower_init", "0"},
      {"idle_timeout", n(c.timeout)},
  };
}

// Tessera has no memcached slab classes: items and slabs report one class holding every item.
void Items(CommandContext& ctx, Stats* out) {
  Server& server = *ctx.server;
  size_t items = 0;
  uint64_t evicted = 0;
  for (int i = 0; i < server.num_shards(); ++i) {
    items += server.shard(i).db(0).size();
    evicted += server.shard(i).keyspace().evicted();
  }
  if (items == 0) return;
  *out = {{"items:1:number", std::to_string(items)},
          {"items:1:age", "0"},
          {"items:1:evicted", std::to_string(evicted)},
          {"items:1:evicted_nonzero", "0"},
          {"items:1:outofmemory", "0"},
          {"items:1:reclaimed", "0"}};
}

void Slabs(CommandContext& ctx, Stats* out) {
  Server& server = *ctx.server;
  size_t bytes = 0, items = 0;
  for (int i = 0; i < server.num_shards(); ++i) {
    bytes += server.shard(i).keyspace().used_bytes();
    items += server.shard(i).db(0).size();
  }
  if (items > 0)
    *out = {{"1:chunk_size", std::to_string(items ? bytes / items : 0)},
            {"1:used_chunks", std::to_string(items)},
            {"1:mem_requested", std::to_string(bytes)}};
  out->push_back({"active_slabs", items ? "1" : "0"});
  out->push_back({"total_malloced", std::to_string(bytes)});
}

void McStatsCmd(CommandContext& ctx) {
  McOp op = OpArg(ctx);
  const std::string& arg = ctx.args[kMcValue];
  std::string* out = ctx.rb.buffer();
  bool binary = op.proto == Proto::kBinary;
  Stats stats;
  if (arg.empty()) {
    General(ctx, &stats);
  } else if (arg == "settings") {
    Settings(ctx, &stats);
  } else if (arg == "items") {
    Items(ctx, &stats);
  } else if (arg == "slabs") {
    Slabs(ctx, &stats);
  } else if (arg == "sizes") {
    stats = {{"sizes_status", "disabled"}};
  } else if (arg == "conns") {
  } else if (arg == "reset") {
    for (int i = 0; i < ctx.server->num_shards(); ++i) {
      uint64_t conns = ctx.server->shard(i).stats().mc.total_connections;
      ctx.server->shard(i).stats().mc = McStats();
      ctx.server->shard(i).stats().mc.total_connections = conns;
    }
    if (binary)
      return mc::AppendBinaryResponse(out, op.opcode, mc::kBinOk, op.opaque, 0, {}, {}, {});
    out->append("RESET\r\n");
    return;
  } else {
    if (binary)
      return mc::AppendBinaryResponse(out, op.opcode, mc::kBinKeyNotFound, op.opaque, 0, {}, {},
                                      mc::BinaryStatusText(mc::kBinKeyNotFound));
    out->append("ERROR\r\n");
    return;
  }
  for (auto& [k, v] : stats) {
    if (binary) {
      mc::AppendBinaryResponse(out, op.opcode, mc::kBinOk, op.opaque, 0, {}, k, v);
    } else {
      out->append("STAT ").append(k).append(" ").append(v).append("\r\n");
    }
  }
  if (binary)
    mc::AppendBinaryResponse(out, op.opcode, mc::kBinOk, op.opaque, 0, {}, {}, {});
  else
    out->append("END\r\n");
}

void RegisterMemcacheAdmin(CommandRegistry& r) {
  r.Register(CommandSpec::Make("mc-flush", kMcArgc, kCmdWrite | kCmdMemcache, McFlush)
                 .RouteTo(Route::kAll)
                 .Log(LogAs::kFlushDb)
                 .Acl({"memcache"})
                 .Doc("memcache", "memcached flush_all (internal)", "tessera", "O(N)"));
  r.Register(CommandSpec::Make("mc-stats", kMcArgc, kCmdReadOnly | kCmdMemcache, McStatsCmd)
                 .RouteTo(Route::kAll)
                 .Acl({"memcache"})
                 .Doc("memcache", "memcached stats (internal)", "tessera", "O(1)"));
}

CommandRegistrar registrar(RegisterMemcacheAdmin);

}  // namespace

void McCron(Server& server, int64_t now_ms) {
  int64_t at = server.mc_flush_at_ms();
  if (at == 0 || now_ms < at) return;
  server.RunAtomic(server.AllShards(), [&server] {
    // Still due (no flush_all replaced it since)?
    int64_t due = server.mc_flush_at_ms();
    if (due == 0 || NowMs() < due) return;
    server.set_mc_flush_at_ms(0);
    FlushNow(server);
    static const CommandSpec* flush = Registry().Find("mc-flush");
    if (server.persistence().aof_on())
      server.persistence().AfterCommand(*CurrentShard(), flush, ArgList(), 0, due);
  });
}

}  // namespace tessera
