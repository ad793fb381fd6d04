// Consumer-group commands: XGROUP XACK XPENDING XCLAIM XAUTOCLAIM.
// Replies and errors as Redis 7.0's t_stream.c. Claims log what they did as exact XCLAIMs
// (stream_ops.h), so replay does not depend on idle times.
#include <algorithm>
#include <climits>

#include "base/strings.h"
#include "server/blocking.h"
#include "server/stream_ops.h"

namespace tessera {
namespace {

void ReplyNoGroup(CommandContext& ctx, const std::string& key, const std::string& group) {
  ctx.rb.Error("NOGROUP No such key '" + key + "' or consumer group '" + group + "'");
}

// XCLAIM / XAUTOCLAIM key group ...: the stream's entry (*e) and its group, or nullptr after
// the reply (WRONGTYPE, NOGROUP).
StreamGroup* ClaimGroup(CommandContext& ctx, Entry** e) {
  bool wrong;
  *e = ctx.LookupWriteOf(ctx.arg(1), ValueType::kStream, &wrong);
  if (wrong) return nullptr;
  StreamGroup* g = *e ? StreamOf(*e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
  return g;
}

// ENTRIESREAD's value: >= 0 or -1.
bool ParseEntriesRead(CommandContext& ctx, const std::string& arg, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  if (*v < 0 && *v != StreamGroup::kInvalidEntriesRead) {
    ctx.rb.Error("ERR value for ENTRIESREAD must be positive or -1");
    return false;
  }
  *out = *v;
  return true;
}

// ---------------------------------------------------------------------------------------------
// XGROUP

// The key's stream for XGROUP subcommands; replies the error when it is missing (unless
// `mkstream`) or of another type. *s stays null when absent with mkstream.
bool XGroupStream(CommandContext& ctx, bool mkstream, Entry** e) {
  bool wrong;
  *e = ctx.LookupWriteOf(ctx.arg(2), ValueType::kStream, &wrong);
  if (wrong) return false;
  if (!*e && !mkstream) {
    ctx.rb.Error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  return true;
}

StreamGroup* XGroupGroup(CommandContext& ctx, Entry* e) {
  StreamGroup* g = StreamOf(e)->FindGroup(ctx.arg(3));
  if (!g)
    ctx.rb.Error("NOGROUP No such consumer group '" + ctx.arg(3) + "' for key name '" + ctx.arg(2) +
                 "'");
  return g;
}

// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
void XGroupCreate(CommandContext& ctx) {
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
  for (size_t i = 5; i < ctx.argc();) {
    if (EqualsIgnoreCase(ctx.arg(i), "mkstream")) {
      mkstream = true;
      ++i;
    } else if (EqualsIgnoreCase(ctx.arg(i), "entriesread") && i + 1 < ctx.argc()) {
      if (!ParseEntriesRead(ctx, ctx.arg(i + 1), &entries_read)) return;
      i += 2;
    } else {
      return ctx.ReplySubcommandSyntaxError();
    }
  }
  if (ctx.argc() > 8) return ctx.ReplySubcommandSyntaxError();
  Entry* e;
  if (!XGroupStream(ctx, mkstream, &e)) return;
  const std::string& key = ctx.arg(2);
  StreamID id;
  if (ctx.arg(4) == "$")
    id = e ? StreamOf(e)->last_id() : StreamID::Min();
  else if (!ParseStreamID(&ctx, ctx.arg(4), &id, 0, true))
    return;
  Db& db = ctx.DbFor(key);
  if (!e) {
    db.Add(key, Value::FromObject(std::make_unique<Stream>()), ctx.now_ms);
    e = db.Find(key, ctx.now_ms);
  }
  bool created = db.Mutate(e, [&](Object& o) {
    return static_cast<Stream&>(o).CreateGroup(ctx.arg(3), id, entries_read) != nullptr;
  });
  if (!created) return ctx.rb.Error("BUSYGROUP Consumer Group name already exists");
  ctx.Dirty(key);
  ctx.Notify(NotifyClass::kStream, "xgroup-create", key);
  ctx.rb.Ok();
}

// XGROUP SETID key group id|$ [ENTRIESREAD n]
void XGroupSetId(CommandContext& ctx) {
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
  if (ctx.argc() == 7) {
    if (!EqualsIgnoreCase(ctx.arg(5), "entriesread")) return ctx.ReplySubcommandSyntaxError();
    if (!ParseEntriesRead(ctx, ctx.arg(6), &entries_read)) return;
  } else if (ctx.argc() != 5) {
    return ctx.ReplySubcommandSyntaxError();
  }
  Entry* e;
  if (!XGroupStream(ctx, false, &e)) return;
  StreamGroup* g = XGroupGroup(ctx, e);
  if (!g) return;
  StreamID id;
  if (ctx.arg(4) == "$")
    id = StreamOf(e)->last_id();
  else if (!ParseStreamID(&ctx, ctx.arg(4), &id, 0, false))
    return;
  ctx.DbFor(ctx.arg(2)).Mutate(e, [&](Object&) {
    g->last_id = id;
    g->entries_read = entries_read;
  });
  ctx.Dirty(ctx.arg(2));
  ctx.Notify(NotifyClass::kStream, "xgroup-setid", ctx.arg(2));
  ctx.rb.Ok();
}

void XGroupDestroy(CommandContext& ctx) {
  Entry* e;
  if (!XGroupStream(ctx, false, &e)) return;
  const std::string& key = ctx.arg(2);
  bool gone = ctx.DbFor(key).Mutate(
      e, [&](Object& o) { return static_cast<Stream&>(o).DestroyGroup(ctx.arg(3)); });
  if (!gone) return ctx.rb.Integer(0);
  ctx.Dirty(key);
  ctx.Notify(NotifyClass::kStream, "xgroup-destroy", key);
  // Clients blocked in XREADGROUP on this group get -NOGROUP.
  ctx.ShardFor(key).blocking().SignalReady(ctx.db_index, key);
  ctx.rb.Integer(1);
}

void XGroupCreateConsumer(CommandContext& ctx) {
  Entry* e;
  if (!XGroupStream(ctx, false, &e)) return;
  StreamGroup* g = XGroupGroup(ctx, e);
  if (!g) return;
  bool created = ctx.DbFor(ctx.arg(2)).Mutate(e, [&](Object&) {
    return g->CreateConsumer(ctx.arg(4), ctx.now_ms) != nullptr;
  });
  if (created) {
    ctx.Dirty(ctx.arg(2));
    ctx.Notify(NotifyClass::kStream, "xgroup-createconsumer", ctx.arg(2));
  }
  ctx.rb.Integer(created);
}

void XGroupDelConsumer(CommandContext& ctx) {
  Entry* e;
  if (!XGroupStream(ctx, false, &e)) return;
  StreamGroup* g = XGroupGroup(ctx, e);
  if (!g) return;
  int64_t pending =
      ctx.DbFor(ctx.arg(2)).Mutate(e, [&](Object&) { return g->DeleteConsumer(ctx.arg(4)); });
  if (pending >= 0) {  // -1: no such consumer, nothing changed
    ctx.Dirty(ctx.arg(2));
    ctx.Notify(NotifyClass::kStream, "xgroup-delconsumer", ctx.arg(2));
  }
  ctx.rb.Integer(std::max<int64_t>(pending, 0));
}

void XGroupHelp(CommandContext& ctx) {
  ctx.ReplyHelp(
      "XGROUP",
      {"CREATE <key> <groupname> <id|$> [option]",
       "    Create a new consumer group. Options are:", "    * MKSTREAM",
       "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
       "      Set the group's entries_read counter (internal use).",
       "CREATECONSUMER <key> <groupname> <consumer>",
       "    Create a new consumer in the specified group.",
       "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
       "DESTROY <key> <groupname>", "    Remove the specified group.",
       "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
       "    Set the current group ID and entries_read counter."},
      "    Prints this help.");
}

// ---------------------------------------------------------------------------------------------
// XACK key group id [id ...]

void XAck(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kStream, &wrong);
  if (wrong) return;
  StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return ctx.rb.Integer(0);
  std::vector<StreamID> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j)
    if (!ParseStreamID(&ctx, ctx.arg(j), &ids[j - 3], 0, true)) return;
  int64_t n = ctx.DbFor(key).Mutate(e, [&](Object&) {
    int64_t acked = 0;
    for (StreamID id : ids) acked += g->Ack(id);
    return acked;
  });
  if (n) ctx.Dirty(key, static_cast<uint64_t>(n));
  ctx.rb.Integer(n);
}

// ---------------------------------------------------------------------------------------------
// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]

void XPending(CommandContext& ctx) {
  bool summary = ctx.argc() == 3;
  if (!summary && (ctx.argc() < 6 || ctx.argc() > 9)) return ctx.ReplySyntaxError();
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  const std::string* consumer = nullptr;
  if (!summary) {
    size_t at = 3;
    if (EqualsIgnoreCase(ctx.arg(3), "idle")) {
      auto v = ParseInt64(ctx.arg(4));
      if (!v) return ctx.ReplyNotInteger();
      minidle = *v;
      if (ctx.argc() < 8) return ctx.ReplySyntaxError();
      at += 2;
    }
    auto c = ParseInt64(ctx.arg(at + 2));
    if (!c) return ctx.ReplyNotInteger();
    count = std::max<int64_t>(*c, 0);
    bool ex;
    if (!ParseIntervalID(ctx, ctx.arg(at), &start, &ex, 0)) return;
    if (ex && !start.Incr()) return ctx.rb.Error("ERR invalid start ID for the interval");
    if (!ParseIntervalID(ctx, ctx.arg(at + 1), &end, &ex, UINT64_MAX)) return;
    if (ex && !end.Decr()) return ctx.rb.Error("ERR invalid end ID for the interval");
    if (at + 3 < ctx.argc()) consumer = &ctx.arg(at + 3);
  }
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kStream, &wrong);
  if (wrong) return;
  StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
  ReplyBuilder& rb = ctx.rb;
  if (summary) {
    rb.ArrayHeader(4);
    rb.Integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      rb.Null();
      rb.Null();
      rb.NullArray();
      return;
    }
    ReplyStreamID(rb, g->pel.begin()->first);
    ReplyStreamID(rb, g->pel.rbegin()->first);
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) n += !c->pel.empty();
    rb.ArrayHeader(n);
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      rb.ArrayHeader(2);
      rb.Bulk(name);
      rb.Bulk(std::to_string(c->pel.size()));
    }
    return;
  }
  StreamConsumer* only = nullptr;
  if (consumer && !(only = g->FindConsumer(*consumer))) return rb.ArrayHeader(0);
  std::string body;
  ReplyBuilder inner(&body, rb.resp());
  size_t n = 0;
  auto emit = [&](StreamID id, const StreamNack& nack) {
    if (minidle && ctx.now_ms - nack.delivery_time < minidle) return;
    ++n;
    --count;
    inner.ArrayHeader(4);
    ReplyStreamID(inner, id);
    inner.Bulk(nack.consumer->name);
    inner.Integer(std::max<int64_t>(ctx.now_ms - nack.delivery_time, 0));
    inner.Integer(static_cast<int64_t>(nack.delivery_count));
  };
  if (only) {
    for (auto it = only->pel.lower_bound(start); count && it != only->pel.end() && *it <= end; ++it)
      emit(*it, g->pel[*it]);
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end; ++it)
      emit(it->first, it->second);
  }
  rb.ArrayHeader(n);
  rb.buffer()->append(body);
}

// ---------------------------------------------------------------------------------------------
// XCLAIM / XAUTOCLAIM

// Gives pending entry `id` to consumer `name` (created on first use) with the claim's delivery
// time and count, replies it, and logs the claim.
struct Claimer {
  CommandContext& ctx;
  ReplyBuilder& rb;
  const Stream& s;
  StreamGroup& g;
  const std::string& key;
  const std::string& group;
  const std::string& name;
  bool justid;
  LogParts* log;  // null: the log is off
  StreamConsumer* consumer = nullptr;
  size_t changes = 0;

  void Claim(StreamID id, StreamNack& nack, int64_t time, int64_t retrycount) {
    if (!consumer && !(consumer = g.FindConsumer(name))) {
      consumer = g.CreateConsumer(name, ctx.now_ms);
      ctx.Notify(NotifyClass::kStream, "xgroup-createconsumer", key);
    }
    consumer->seen_time = ctx.now_ms;
    uint64_t count = retrycount >= 0 ? static_cast<uint64_t>(retrycount)
                     : justid        ? nack.delivery_count
                                     : nack.delivery_count + 1;
    const StreamNack& n = g.Assign(id, consumer, time, count);
    if (justid)
      ReplyStreamID(rb, id);
    else if (!ReplyEntryById(rb, s, id))
      rb.Null();
    ++changes;
    if (log) log->push_back(XClaimPart(key, group, name, id, n));
  }
  // A pending entry whose stream entry is gone leaves the PEL (logged as a claim that replay
  // drops the same way).
  void Drop(StreamID id) {
    StreamNack& nack = g.pel[id];
    ++changes;
    if (log) log->push_back(XClaimPart(key, group, nack.consumer->name, id, nack));
    g.Ack(id);
  }
};

bool ParseMinIdle(CommandContext& ctx, const char* cmd, int64_t* out) {
  auto v = ParseInt64(ctx.arg(4));
  if (!v) {
    ctx.rb.Error(std::string("ERR Invalid min-idle-time argument for ") + cmd);
    return false;
  }
  *out = std::max<int64_t>(*v, 0);
  return true;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
//        [FORCE] [JUSTID] [LASTID id]
void XClaim(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  Entry* e;
  StreamGroup* g = ClaimGroup(ctx, &e);
  if (!g) return;
  int64_t minidle;
  if (!ParseMinIdle(ctx, "XCLAIM", &minidle)) return;
  std::vector<StreamID> ids;
  size_t j = 5;
  for (StreamID id; j < ctx.argc() && ParseStreamID(nullptr, ctx.arg(j), &id, 0, true); ++j)
    ids.push_back(id);
  int64_t now = ctx.now_ms, time = -1, retrycount = -1;
  bool force = false, justid = false;
  StreamID last_id;
  for (; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    const std::string& opt = ctx.arg(j);
    auto num = [&](const char* what, int64_t* out) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v) ctx.rb.Error(std::string("ERR Invalid ") + what + " option argument for XCLAIM");
      if (v) *out = *v;
      return v.has_value();
    };
    if (EqualsIgnoreCase(opt, "force")) {
      force = true;
    } else if (EqualsIgnoreCase(opt, "justid")) {
      justid = true;
    } else if (EqualsIgnoreCase(opt, "idle") && more) {
      if (!num("IDLE", &time)) return;
      time = now - time;
    } else if (EqualsIgnoreCase(opt, "time") && more) {
      if (!num("TIME", &time)) return;
    } else if (EqualsIgnoreCase(opt, "retrycount") && more) {
      if (!num("RETRYCOUNT", &retrycount)) return;
    } else if (EqualsIgnoreCase(opt, "lastid") && more) {
      if (!ParseStreamID(&ctx, ctx.arg(++j), &last_id, 0, true)) return;
    } else {
      return ctx.rb.Error("ERR Unrecognized XCLAIM option '" + opt + "'");
    }
  }
  if (time < 0 || time > now) time = now;
  LogParts log;
  std::string body;
  ReplyBuilder rb(&body, ctx.rb.resp());
  size_t n = 0, changes = 0;
  ctx.DbFor(key).Mutate(e, [&](Object& o) {
    auto& s = static_cast<Stream&>(o);
    if (last_id > g->last_id) {
      g->last_id = last_id;
      ++changes;
      log.push_back(SetIdPart(key, ctx.arg(2), *g));
    }
    Claimer c{ctx, rb, s, *g, key, ctx.arg(2), ctx.arg(3), justid, LogTo(ctx, &log)};
    for (StreamID id : ids) {
      auto it = g->pel.find(id);
      if (!s.Exists(id)) {
        if (it != g->pel.end()) c.Drop(id);
        continue;
      }
      if (it == g->pel.end()) {
        if (!force) continue;
        it = g->pel.emplace(id, StreamNack{now, 1, nullptr}).first;
      } else if (minidle && now - it->second.delivery_time < minidle) {
        continue;
      }
      c.Claim(id, it->second, time, retrycount);
      ++n;
    }
    changes += c.changes;
  });
  if (changes) ctx.Dirty(key, changes);
  ctx.rb.ArrayHeader(n);
  ctx.rb.buffer()->append(body);
  ctx.Propagate(std::move(log));
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XAutoClaim(CommandContext& ctx) {
  int64_t minidle;
  if (!ParseMinIdle(ctx, "XAUTOCLAIM", &minidle)) return;
  StreamID start;
  bool ex;
  if (!ParseIntervalID(ctx, ctx.arg(5), &start, &ex, 0)) return;
  if (ex && !start.Incr()) return ctx.rb.Error("ERR invalid start ID for the interval");
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 1 || *v > LONG_MAX / 16) return ctx.rb.Error("ERR COUNT must be > 0");
      count = *v;
    } else if (EqualsIgnoreCase(ctx.arg(j), "justid")) {
      justid = true;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  const std::string& key = ctx.arg(1);
  Entry* e;
  StreamGroup* g = ClaimGroup(ctx, &e);
  if (!g) return;
  LogParts log;
  std::string body;
  ReplyBuilder rb(&body, ctx.rb.resp());
  size_t n = 0, changes = 0;
  std::vector<StreamID> deleted;
  StreamID cursor;
  ctx.DbFor(key).Mutate(e, [&](Object& o) {
    auto& s = static_cast<Stream&>(o);
    Claimer c{ctx, rb, s, *g, key, ctx.arg(2), ctx.arg(3), justid, LogTo(ctx, &log)};
    int64_t attempts = count * 10;
    auto it = g->pel.lower_bound(start);
    while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
      StreamID id = it->first;
      ++it;
      if (!s.Exists(id)) {
        c.Drop(id);
        deleted.push_back(id);
        --count;
        continue;
      }
      StreamNack& nack = g->pel[id];
      if (minidle && ctx.now_ms - nack.delivery_time < minidle) continue;
      c.Claim(id, nack, ctx.now_ms, -1);
      ++n;
      --count;
    }
    if (it != g->pel.end()) cursor = it->first;
    changes = c.changes;
  });
  if (changes) ctx.Dirty(key, changes);
  ctx.rb.ArrayHeader(3);
  ReplyStreamID(ctx.rb, cursor);
  ctx.rb.ArrayHeader(n);
  ctx.rb.buffer()->append(body);
  ctx.rb.ArrayHeader(deleted.size());
  for (StreamID id : deleted) ReplyStreamID(ctx.rb, id);
  ctx.Propagate(std::move(log));
}

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec Top(std::string name, int arity, uint32_t flags, Handler h,
                std::vector<std::string> acl, std::string summary, std::string complexity) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("stream", std::move(summary), "5.0.0", std::move(complexity))
      .Keys(1, 1, 1);
}

void RegisterStreamGroupFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite, kR = kCmdReadOnly, kF = kCmdFast, kM = kCmdDenyOom;
  r.Register(
      CommandSpec::Make("xgroup", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("stream", "A container for consumer groups commands", "5.0.0",
               "Depends on subcommand.")
          .Subcommands({
              StreamSubcommand("create", -5, kW | kM, XGroupCreate, "Create a consumer group."),
              StreamSubcommand("setid", -5, kW, XGroupSetId,
                               "Set a consumer group to an arbitrary last ID."),
              StreamSubcommand("destroy", 4, kW, XGroupDestroy, "Destroy a consumer group."),
              StreamSubcommand("createconsumer", 5, kW | kM, XGroupCreateConsumer,
                               "Create a consumer in a consumer group."),
              StreamSubcommand("delconsumer", 5, kW, XGroupDelConsumer,
                               "Delete a consumer from a consumer group."),
              StreamSubcommand("help", 2, kCmdLoading | kCmdStale, XGroupHelp,
                               "Show helpful text about the different subcommands"),
          }));
  r.Register(Top("xack", -4, kW | kF, XAck, {"write", "stream", "fast"},
                 "Marks a pending message as correctly processed, effectively removing it from "
                 "the pending entries list of the consumer group. Return value of the command is "
                 "the number of messages successfully acknowledged, that is, the IDs we were "
                 "actually able to resolve in the PEL.",
                 "O(1) for each message ID processed."));
  r.Register(Top("xpending", -3, kR, XPending, {"read", "stream", "slow"},
                 "Return information and entries from a stream consumer group pending entries "
                 "list, that are messages fetched but never acknowledged.",
                 "O(N) with N being the number of elements returned, so asking for a small fixed "
                 "number of entries per call is O(1). O(M), where M is the total number of "
                 "entries scanned when used with the IDLE filter. When the command returns just "
                 "the summary and the list of consumers is small, it runs in O(1) time; "
                 "otherwise, an additional O(N) time for iterating every consumer."));
  r.Register(Top("xclaim", -6, kW | kF, XClaim, {"write", "stream", "fast"},
                 "Changes (or acquires) ownership of a message in a consumer group, as if the "
                 "message was delivered to the specified consumer.",
                 "O(log N) with N being the number of messages in the PEL of the consumer "
                 "group."));
  r.Register(Top("xautoclaim", -6, kW | kF, XAutoClaim, {"write", "stream", "fast"},
                 "Changes (or acquires) ownership of messages in a consumer group, as if the "
                 "messages were delivered to the specified consumer.",
                 "O(1) if COUNT is small."));
}

CommandRegistrar registrar(RegisterStreamGroupFamily);

}  // namespace
}  // namespace tessera
