// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, with Redis 7.0's replies; the
// numbers come from the shards' keyspaces and the allocator (server/memory.h).
#include <climits>

#include "base/malloc.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"

namespace tessera {
namespace {

// A key's footprint: its entry block, what its value holds outside the block, and its slot in
// the key table (4-byte handle + 1-byte tag).
constexpr size_t kSlotBytes = 5;

void MemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      auto v = ParseInt64(ctx.arg(j + 1));
      if (!v) return ctx.ReplyNotInteger();
      if (*v < 0) return ctx.ReplySyntaxError();
      ++j;  // every element is counted exactly, so the sample count changes nothing
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  const std::string& key = ctx.arg(2);
  Entry* e = ctx.DbFor(key).Find(key, ctx.now_ms);
  if (!e) return ctx.rb.Null();
  size_t bytes = SlabAllocator::BlockSize(e->encoded_size()) + e->HeapBytes() + kSlotBytes;
  ctx.rb.Integer(static_cast<int64_t>(bytes));
}

struct Totals {
  MemorySnapshot m;
  size_t keys = 0;
  size_t clients = 0;
};

Totals Gather(CommandContext& ctx) {
  Totals t;
  t.m = ctx.server->SnapshotMemory();
  for (int i = 0; i < ctx.server->num_shards(); ++i) {
    Shard& s = ctx.server->shard(i);
    for (int d = 0; d < s.num_dbs(); ++d) t.keys += s.db(d).size();
    for (const auto& [id, c] : s.connections()) t.clients += c->MemoryUsage();
  }
  return t;
}

double Ratio(size_t a, size_t b) { return b ? static_cast<double>(a) / b : 0; }

void MemoryStats(CommandContext& ctx) {
  Totals t = Gather(ctx);
  const MemorySnapshot& m = t.m;
  const AllocatorStats& a = m.allocator;
  auto i64 = [](size_t v) { return static_cast<int64_t>(v); };
  size_t dataset = std::min(m.used, m.dataset - m.index);
  size_t overhead = m.used - dataset;
  size_t net = m.used > m.startup ? m.used - m.startup : 0;

  int dbs_with_keys = 0;
  std::vector<std::pair<size_t, size_t>> per_db(ctx.shard->num_dbs());
  for (int d = 0; d < ctx.shard->num_dbs(); ++d) {
    size_t n = 0;
    for (int i = 0; i < ctx.server->num_shards(); ++i) {
      const Db& db = ctx.server->shard(i).db(d);
      n += db.size();
      per_db[d].first += db.index_bytes() - db.expires_count() * sizeof(KeyTable::Handle);
      per_db[d].second += db.expires_count() * sizeof(KeyTable::Handle);
    }
    if (n)
      ++dbs_with_keys;
    else
      per_db[d] = {SIZE_MAX, 0};
  }

  ctx.rb.MapHeader(27 + dbs_with_keys);
  auto kv = [&](const char* k, int64_t v) {
    ctx.rb.Bulk(k);
    ctx.rb.Integer(v);
  };
  auto kd = [&](const char* k, double v) {
    ctx.rb.Bulk(k);
    ctx.rb.Double(v);
  };
  kv("peak.allocated", i64(m.peak));
  kv("total.allocated", i64(m.used));
  kv("startup.allocated", i64(m.startup));
  kv("replication.backlog", 0);
  kv("clients.slaves", 0);
  kv("clients.normal", i64(t.clients));
  kv("cluster.links", 0);
  kv("aof.buffer", 0);
  kv("lua.caches", 0);
  kv("functions.caches", 0);
  for (int d = 0; d < ctx.shard->num_dbs(); ++d) {
    if (per_db[d].first == SIZE_MAX) continue;
    ctx.rb.Bulk("db." + std::to_string(d));
    ctx.rb.MapHeader(2);
    kv("overhead.hashtable.main", i64(per_db[d].first));
    kv("overhead.hashtable.expires", i64(per_db[d].second));
  }
  kv("overhead.total", i64(overhead));
  kv("keys.count", i64(t.keys));
  kv("keys.bytes-per-key", t.keys ? i64(net / t.keys) : 0);
  kv("dataset.bytes", i64(dataset));
  kd("dataset.percentage", net ? 100.0 * dataset / net : 0);
  kd("peak.percentage", m.peak ? 100.0 * m.used / m.peak : 0);
  kv("allocator.allocated", i64(a.allocated));
  kv("allocator.active", i64(a.active));
  kv("allocator.resident", i64(a.resident));
  kd("allocator-fragmentation.ratio", Ratio(a.active, a.allocated));
  kv("allocator-fragmentation.bytes", i64(a.active) - i64(a.allocated));
  kd("allocator.rss-ratio", Ratio(a.resident, a.active));
  kv("allocator.rss-bytes", i64(a.resident) - i64(a.active));
  kd("rss-overhead.ratio", Ratio(m.rss, a.resident));
  kv("rss-overhead.bytes", i64(m.rss) - i64(a.resident));
  kd("fragmentation", Ratio(m.rss, m.used));
  kv("fragmentation.bytes", i64(m.rss) - i64(m.used));
}

// Redis's getMemoryDoctorReport, over the same thresholds.
void MemoryDoctor(CommandContext& ctx) {
  Totals t = Gather(ctx);
  const MemorySnapshot& m = t.m;
  std::vector<std::string> findings;
  if (m.used < (5u << 20)) {
    ctx.rb.Bulk(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill it "
        "with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.");
    return;
  }
  if (m.peak > m.used && static_cast<double>(m.peak) / m.used > 1.5)
    findings.push_back(
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, "
        "so you can expect to see a big fragmentation ratio, however this is actually harmless "
        "and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "
        "is currently bigger than expected, the memory will be used as soon as you fill the "
        "Redis instance with more data. If the memory peak was only occasional and you want to "
        "try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other "
        "option is to shutdown and restart the instance.\n\n");
  if (m.used && static_cast<double>(m.rss) / m.used > 1.4 && m.rss - m.used > (10u << 20))
    findings.push_back(
        " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
        "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
        "than the sum of the logical allocations Redis performed). Tessera compacts its entry "
        "slabs by itself while activedefrag is yes (slab_frag_ratio in INFO memory); what "
        "remains is allocator overhead: try MEMORY PURGE.\n\n");
  if (m.slab_used && static_cast<double>(m.slab_pages) / m.slab_used > 1.3 &&
      ctx.server->config().activedefrag != "yes")
    findings.push_back(
        " * Slab fragmentation: the entry slabs hold more than 130% of their live bytes and "
        "activedefrag is off. Turn it on (CONFIG SET activedefrag yes) to compact them.\n\n");
  if (t.keys && t.clients / t.keys > 200 && t.clients > (200u << 10) * 10)
    findings.push_back(
        " * Big client buffers: The clients output buffers are in general big. Check your "
        "client-output-buffer-limit settings.\n\n");
  if (findings.empty()) {
    ctx.rb.Bulk(
        "Hi Sam, I can't find any memory issue in your instance. I can only account for "
        "what occurs on this base.");
    return;
  }
  std::string out = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  for (auto& f : findings) out += f;
  out += "I'm here to keep you safe, Sam. I want to help you.\n";
  ctx.rb.Bulk(out);
}

void MemoryMallocStats(CommandContext& ctx) { ctx.rb.Bulk(AllocatorReport()); }

void MemoryPurge(CommandContext& ctx) {
  AllocatorPurge();
  ctx.rb.Ok();
}

void MemoryHelp(CommandContext& ctx) {
  ctx.ReplyHelp("MEMORY",
                {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
                 "    Return internal statistics report from the memory allocator.", "PURGE",
                 "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
                 "    Return information about the memory usage of the server.",
                 "USAGE <key> [SAMPLES <count>]",
                 "    Return memory in bytes used by <key> and its value. Nested values are",
                 "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

CommandSpec Sub(std::string name, int arity, uint32_t flags, Handler h, Route route,
                std::vector<std::string> acl, std::string summary) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .RouteTo(route)
      .Acl(std::move(acl))
      .Doc("server", std::move(summary), "4.0.0", "O(1)");
}

void RegisterMemoryFamily(CommandRegistry& r) {
  r.Register(
      CommandSpec::Make("memory", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("server", "A container for memory diagnostics commands", "4.0.0",
               "Depends on subcommand.")
          .Subcommands({
              Sub("doctor", 2, 0, MemoryDoctor, Route::kAll, {"slow"},
                  "Outputs memory problems report"),
              Sub("help", 2, kCmdLoading | kCmdStale, MemoryHelp, Route::kLocal, {"slow"},
                  "Show helpful text about the different subcommands"),
              Sub("malloc-stats", 2, 0, MemoryMallocStats, Route::kLocal, {"slow"},
                  "Show allocator internal stats"),
              Sub("purge", 2, 0, MemoryPurge, Route::kLocal, {"slow"},
                  "Ask the allocator to release memory"),
              Sub("stats", 2, 0, MemoryStats, Route::kAll, {"slow"}, "Show memory usage details"),
              Sub("usage", -3, kCmdReadOnly, MemoryUsage, Route::kKeys, {"read", "slow"},
                  "Estimate the memory usage of a key")
                  .Keys(2, 2, 1),
          }));
}

CommandRegistrar registrar(RegisterMemoryFamily);

}  // namespace
}  // namespace tessera
