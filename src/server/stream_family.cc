// Stream commands on entries: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD XREADGROUP.
// Replies and errors as Redis 7.0's t_stream.c; XADD's IDMP clause is Tessera's
// (docs/streams.md). Consumer-group administration is in stream_group_family.cc.
#include <cstdint>

#include "base/clock.h"
#include "base/strings.h"
#include "server/blocking.h"
#include "server/stream_ops.h"

namespace tessera {
namespace {

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM arguments (streamParseAddOrTrimArgsOrReply)

struct AddTrimArgs {
  bool trim = false;
  Stream::Trim t;
  int trim_arg = 0;  // index of the MAXLEN/MINID value
  bool limit_given = false;
  // XADD only:
  StreamID id;
  bool id_given = false, seq_given = true, no_mkstream = false;
  std::string idmp_producer;
  uint64_t idmp_seq = 0;
  bool idmp = false;
};

// MAXLEN's and LIMIT's count: an integer >= 0; false after replying an error.
bool ParseCount(CommandContext& ctx, const std::string& arg, const char* what, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  if (*v < 0) {
    ctx.rb.Error(std::string("ERR The ") + what + " argument must be >= 0.");
    return false;
  }
  *out = *v;
  return true;
}

// Returns the ID's position (XADD) or argc (XTRIM), or -1 after replying an error.
int ParseAddTrim(CommandContext& ctx, bool xadd, AddTrimArgs* a) {
  size_t i = 2;
  int64_t limit = -1;
  for (; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    const std::string& opt = ctx.arg(i);
    bool maxlen = EqualsIgnoreCase(opt, "maxlen");
    if (xadd && opt == "*") {
      break;
    } else if ((maxlen || EqualsIgnoreCase(opt, "minid")) && more) {
      if (a->trim) {
        ctx.rb.Error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      a->t.approx = false;
      const std::string& next = ctx.arg(i + 1);
      if (more >= 2 && (next == "~" || next == "=")) {
        a->t.approx = next == "~";
        ++i;
      }
      if (maxlen) {
        int64_t n;
        if (!ParseCount(ctx, ctx.arg(i + 1), "MAXLEN", &n)) return -1;
        a->t.strategy = Stream::Trim::kMaxLen;
        a->t.maxlen = static_cast<uint64_t>(n);
      } else {
        if (!ParseStreamID(&ctx, ctx.arg(i + 1), &a->t.minid, 0, true)) return -1;
        a->t.strategy = Stream::Trim::kMinId;
      }
      a->trim = true;
      a->trim_arg = static_cast<int>(++i);
    } else if (EqualsIgnoreCase(opt, "limit") && more) {
      if (!ParseCount(ctx, ctx.arg(i + 1), "LIMIT", &limit)) return -1;
      a->limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd && EqualsIgnoreCase(opt, "idmp") && more >= 2) {
      auto seq = ParseUint64(ctx.arg(i + 2));
      if (!seq) {
        ctx.rb.Error("ERR IDMP sequence must be a non-negative integer");
        return -1;
      }
      a->idmp = true;
      a->idmp_producer = ctx.arg(i + 1);
      a->idmp_seq = *seq;
      i += 2;
    } else if (xadd) {
      if (!ParseStreamID(&ctx, opt, &a->id, 0, true, &a->seq_given)) return -1;
      a->id_given = true;
      break;
    } else {
      ctx.ReplySyntaxError();
      return -1;
    }
  }
  if (limit > 0 && !a->trim) {
    ctx.rb.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && !a->trim) {
    ctx.rb.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (a->limit_given) {
    if (!a->t.approx) {
      ctx.rb.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
    a->t.limit = limit;
  } else {
    a->t.limit = a->t.approx ? 100 * Stream::kNodeMaxEntries : 0;
  }
  return static_cast<int>(i);
}

// The trimming clause as the log records it: exact, with what an approximate trim achieved.
void LogTrim(const AddTrimArgs& a, const Stream& s, std::vector<std::string>* out) {
  bool maxlen = a.t.strategy == Stream::Trim::kMaxLen;
  out->push_back(maxlen ? "MAXLEN" : "MINID");
  out->push_back("=");
  if (!a.t.approx)
    out->push_back(maxlen ? std::to_string(a.t.maxlen) : a.t.minid.ToString());
  else
    out->push_back(maxlen ? std::to_string(s.length()) : s.first_id().ToString());
}

// ---------------------------------------------------------------------------------------------
// XADD key [NOMKSTREAM] [IDMP producer seq] [MAXLEN|MINID [=|~] threshold [LIMIT count]]
//      *|id field value [field value ...]

void XAdd(CommandContext& ctx) {
  AddTrimArgs a;
  int idpos = ParseAddTrim(ctx, true, &a);
  if (idpos < 0) return;
  size_t fpos = static_cast<size_t>(idpos) + 1;
  if (ctx.argc() < fpos + 2 || (ctx.argc() - fpos) % 2 == 1) return ctx.ReplyArity();
  if (a.id_given && a.seq_given && a.id.IsZero())
    return ctx.rb.Error("ERR The ID specified in XADD must be greater than 0-0");
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kStream, &wrong);
  if (wrong) return;
  if (!e && a.no_mkstream) return ctx.rb.Null();
  Db& db = ctx.DbFor(key);
  std::unique_ptr<Stream> fresh;
  if (!e) fresh = std::make_unique<Stream>();
  Stream& s = fresh ? *fresh : *StreamOf(e);

  if (a.idmp) {
    auto it = s.producers().find(a.idmp_producer);
    if (it != s.producers().end() && a.idmp_seq <= it->second.seq) {
      // A retried append: stored once. The log has nothing to record.
      ctx.Propagate(LogParts{});
      if (a.idmp_seq == it->second.seq) return ReplyStreamID(ctx.rb, it->second.id);
      return ctx.rb.Error("ERR IDMP sequence is older than the last one stored for this producer");
    }
  }
  if (s.last_id() == StreamID::Max())
    return ctx.rb.Error(
        "ERR The stream has exhausted the last possible ID, unable to add more items");
  StreamID id;
  if (!a.id_given) {
    s.NextId(static_cast<uint64_t>(ctx.now_ms), &id);
  } else if (!a.seq_given && s.last_id().ms == a.id.ms) {
    id = s.last_id();
    if (!id.Incr() || id.ms != a.id.ms)
      return ctx.rb.Error(
          "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  } else {
    id = a.id;
  }
  if (id <= s.last_id())
    return ctx.rb.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  size_t total = 0;
  for (size_t j = fpos; j < ctx.argc(); ++j) total += ctx.arg(j).size();
  if (total > Stream::kMaxEntryBytes)
    return ctx.rb.Error("ERR Elements are too large to be stored");

  auto fv = std::span<const std::string>(ctx.args).subspan(fpos);
  int64_t trimmed = 0;
  auto apply = [&](Stream& st) {
    st.Append(id, fv);
    if (a.idmp) st.producers()[a.idmp_producer] = {a.idmp_seq, id};
    if (a.trim) trimmed = st.DoTrim(a.t);
  };
  if (fresh) {
    apply(s);
    db.Add(key, Value::FromObject(std::move(fresh)), ctx.now_ms);  // wakes blocked readers
    e = db.Find(key, ctx.now_ms);
  } else {
    db.Mutate(e, [&](Object& o) { apply(static_cast<Stream&>(o)); });
    ctx.ShardFor(key).blocking().SignalReady(ctx.db_index, key);
  }
  ctx.Dirty(key);
  ctx.Notify(NotifyClass::kStream, "xadd", key);
  if (trimmed) ctx.Notify(NotifyClass::kStream, "xtrim", key);
  ReplyStreamID(ctx.rb, id);

  std::vector<std::string> log = {"XADD", key};
  if (a.idmp) {
    log.insert(log.end(), {"IDMP", a.idmp_producer, std::to_string(a.idmp_seq)});
  }
  if (a.trim) LogTrim(a, *StreamOf(e), &log);
  log.push_back(id.ToString());
  log.insert(log.end(), fv.begin(), fv.end());
  ctx.Propagate(std::move(log));
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XTrim(CommandContext& ctx) {
  AddTrimArgs a;
  if (ParseAddTrim(ctx, false, &a) < 0) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kStream, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  int64_t n =
      ctx.DbFor(key).Mutate(e, [&](Object& o) { return static_cast<Stream&>(o).DoTrim(a.t); });
  if (n) {
    ctx.Dirty(key, static_cast<uint64_t>(n));
    ctx.Notify(NotifyClass::kStream, "xtrim", key);
  }
  ctx.rb.Integer(n);
  std::vector<std::string> log = {"XTRIM", key};
  LogTrim(a, *StreamOf(e), &log);
  ctx.Propagate(std::move(log));
}

void XLen(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kStream, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(StreamOf(e)->length()) : 0);
}

// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]
void RangeGeneric(CommandContext& ctx, bool rev) {
  const std::string& start_arg = ctx.arg(rev ? 3 : 2);
  const std::string& end_arg = ctx.arg(rev ? 2 : 3);
  StreamID start, end;
  bool start_ex, end_ex;
  if (!ParseIntervalID(ctx, start_arg, &start, &start_ex, 0)) return;
  if (start_ex && !start.Incr()) return ctx.rb.Error("ERR invalid start ID for the interval");
  if (!ParseIntervalID(ctx, end_arg, &end, &end_ex, UINT64_MAX)) return;
  if (end_ex && !end.Decr()) return ctx.rb.Error("ERR invalid end ID for the interval");
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v) return ctx.ReplyNotInteger();
      count = *v < 0 ? 0 : *v;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kStream, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.ArrayHeader(0);
  if (count == 0) return ctx.rb.NullArray();
  if (rev) std::swap(start, end);
  ReplyRange(ctx.rb, *StreamOf(e), rev ? end : start, rev ? start : end,
             count < 0 ? 0 : static_cast<uint64_t>(count), rev);
}
void XRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void XRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

void XDel(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kStream, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  std::vector<StreamID> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j)
    if (!ParseStreamID(&ctx, ctx.arg(j), &ids[j - 2], 0, true)) return;
  int64_t n = ctx.DbFor(key).Mutate(e, [&](Object& o) {
    int64_t deleted = 0;
    for (StreamID id : ids) deleted += static_cast<Stream&>(o).Delete(id);
    return deleted;
  });
  if (n) {
    ctx.Dirty(key, static_cast<uint64_t>(n));
    ctx.Notify(NotifyClass::kStream, "xdel", key);
  }
  ctx.rb.Integer(n);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
void XSetId(CommandContext& ctx) {
  StreamID id, max_del;
  int64_t added = -1;
  if (!ParseStreamID(&ctx, ctx.arg(2), &id, 0, true)) return;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(i), "entriesadded") && more) {
      auto v = ParseInt64(ctx.arg(i + 1));
      if (!v) return ctx.ReplyNotInteger();
      if (*v < 0) return ctx.rb.Error("ERR entries_added must be positive");
      added = *v;
    } else if (EqualsIgnoreCase(ctx.arg(i), "maxdeletedid") && more) {
      if (!ParseStreamID(&ctx, ctx.arg(i + 1), &max_del, 0, true)) return;
      if (id < max_del)
        return ctx.rb.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kStream, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Error("ERR no such key");
  Stream& s = *StreamOf(e);
  if (s.length() > 0) {
    StreamID top;
    s.EdgeId(false, &top);
    if (id < top)
      return ctx.rb.Error(
          "ERR The ID specified in XSETID is smaller than the target stream top item");
    if (added != -1 && s.length() > static_cast<uint64_t>(added))
      return ctx.rb.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
  }
  ctx.DbFor(key).Mutate(e, [&](Object& o) {
    auto& st = static_cast<Stream&>(o);
    st.set_last_id(id);
    if (added != -1) st.set_entries_added(static_cast<uint64_t>(added));
    if (!max_del.IsZero()) st.set_max_deleted_id(max_del);
  });
  ctx.Dirty(key);
  ctx.Notify(NotifyClass::kStream, "xsetid", key);
  ctx.rb.Ok();
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP

constexpr uint64_t kBlockedDefaultCount = 1000;  // XREAD_BLOCKED_DEFAULT_COUNT

struct ReadArgs {
  int64_t timeout_ms = -1;  // -1: no BLOCK
  uint64_t count = 0;
  size_t streams_arg = 0, nstreams = 0;
  const std::string* group = nullptr;
  const std::string* consumer = nullptr;
  bool noack = false;
};

bool ParseRead(CommandContext& ctx, bool group, ReadArgs* a) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - i - 1;
    const std::string& o = ctx.arg(i);
    if (EqualsIgnoreCase(o, "block") && more) {
      auto v = ParseInt64(ctx.arg(++i));
      if (!v) {
        ctx.rb.Error("ERR timeout is not an integer or out of range");
        return false;
      }
      if (*v < 0) {
        ctx.rb.Error("ERR timeout is negative");
        return false;
      }
      a->timeout_ms = *v;
    } else if (EqualsIgnoreCase(o, "count") && more) {
      auto v = ParseInt64(ctx.arg(++i));
      if (!v) {
        ctx.ReplyNotInteger();
        return false;
      }
      a->count = *v < 0 ? 0 : static_cast<uint64_t>(*v);
    } else if (EqualsIgnoreCase(o, "streams") && more) {
      a->streams_arg = i + 1;
      size_t n = ctx.argc() - a->streams_arg;
      if (n % 2) {
        ctx.rb.Error(std::string("ERR Unbalanced '") + (group ? "xreadgroup" : "xread") +
                     "' list of streams: for each stream key an ID or '" + (group ? ">" : "$") +
                     "' must be specified.");
        return false;
      }
      a->nstreams = n / 2;
      break;
    } else if (EqualsIgnoreCase(o, "group") && more >= 2) {
      if (!group) {
        ctx.rb.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group = &ctx.arg(i + 1);
      a->consumer = &ctx.arg(i + 2);
      i += 2;
    } else if (EqualsIgnoreCase(o, "noack")) {
      if (!group) {
        ctx.rb.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  if (!a->streams_arg) {
    ctx.ReplySyntaxError();
    return false;
  }
  if (group && !a->group) {
    ctx.rb.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

std::vector<int> ReadKeys(ArgList args) {
  std::vector<int> out;
  for (size_t i = 1; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "streams")) {
      size_t n = (args.size() - i - 1) / 2;
      for (size_t k = 0; k < n; ++k) out.push_back(static_cast<int>(i + 1 + k));
      break;
    }
    // GROUP's two names are not keys: skip them (so a consumer named STREAMS is no marker).
    if (EqualsIgnoreCase(args[i], "group")) i += 2;
  }
  return out;
}

void ReplyReadHeader(ReplyBuilder& rb, size_t n) {
  if (rb.resp() == 2)
    rb.ArrayHeader(n);
  else
    rb.MapHeader(n);
}

void ReplyReadKey(ReplyBuilder& rb, const std::string& key) {
  if (rb.resp() == 2) rb.ArrayHeader(2);
  rb.Bulk(key);
}

// XREAD served from `key` (blocked or not): entries after the ID in the key's ID argument.
bool ReadyXRead(const BlockedClient& c, const std::string& key, Object& v) {
  auto& s = static_cast<Stream&>(v);
  ArgList args(const_cast<std::string*>(c.args.data()), c.args.size());
  std::vector<int> keys = ReadKeys(args);
  for (int k : keys) {
    if (args[k] != key) continue;
    StreamID after;
    ParseStreamID(nullptr, args[k + keys.size()], &after, 0, true);
    return s.last_id() > after;
  }
  return false;
}

bool ServeXRead(CommandContext& ctx, const std::string& key) {
  ReadArgs a;
  ParseRead(ctx, false, &a);
  std::vector<int> keys = ReadKeys(ctx.args);
  StreamID after;
  for (int k : keys)
    if (ctx.arg(k) == key) ParseStreamID(nullptr, ctx.arg(k + keys.size()), &after, 0, true);
  Stream& s = *StreamOf(ctx.Lookup(key));
  after.Incr();
  ReplyReadHeader(ctx.rb, 1);
  ReplyReadKey(ctx.rb, key);
  ReplyRange(ctx.rb, s, after, StreamID::Max(), a.count ? a.count : kBlockedDefaultCount, false);
  return true;
}

bool ReadyXReadGroup(const BlockedClient& c, const std::string& key, Object& v) {
  auto& s = static_cast<Stream&>(v);
  for (size_t i = 1; i + 1 < c.args.size(); ++i) {
    if (!EqualsIgnoreCase(c.args[i], "group")) continue;
    StreamGroup* g = s.FindGroup(c.args[i + 1]);
    return !g || s.last_id() > g->last_id;  // a destroyed group is served its error
  }
  return false;
}

bool ServeXReadGroup(CommandContext& ctx, const std::string& key) {
  ReadArgs a;
  ParseRead(ctx, true, &a);
  Entry* e = ctx.LookupWrite(key);
  Stream& s = *StreamOf(e);
  StreamGroup* g = s.FindGroup(*a.group);
  if (!g) {
    ctx.rb.Error("NOGROUP the consumer group this client was blocked on no longer exists");
    ctx.Propagate(LogParts{});
    return true;
  }
  LogParts log;
  ReplyReadHeader(ctx.rb, 1);
  ReplyReadKey(ctx.rb, key);
  ctx.DbFor(key).Mutate(e, [&](Object&) {
    ReadGroup(ctx, ctx.rb, s, *g,
              {&key, a.group, a.consumer, g->last_id, false, a.noack,
               a.count ? a.count : kBlockedDefaultCount},
              LogTo(ctx, &log));
  });
  ctx.Dirty(key);
  ctx.Propagate(std::move(log));
  return true;
}

void ReadGeneric(CommandContext& ctx, bool group) {
  ReadArgs a;
  if (!ParseRead(ctx, group, &a)) return;
  size_t n = a.nstreams;
  std::vector<StreamID> ids(n);
  std::vector<bool> newest(n);  // XREADGROUP ">"
  for (size_t i = 0; i < n; ++i) {
    const std::string& key = ctx.arg(a.streams_arg + i);
    const std::string& id = ctx.arg(a.streams_arg + n + i);
    bool wrong;
    Entry* e = ctx.LookupOf(key, ValueType::kStream, &wrong);
    if (wrong) return;
    if (group && (!e || !StreamOf(e)->FindGroup(*a.group)))
      return ctx.rb.Error("NOGROUP No such key '" + key + "' or consumer group '" + *a.group +
                          "' in XREADGROUP with GROUP option");
    if (id == "$") {
      if (group)
        return ctx.rb.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
      ids[i] = e ? StreamOf(e)->last_id() : StreamID::Min();
    } else if (id == ">") {
      if (!group)
        return ctx.rb.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
            "<group> <consumer> option.");
      newest[i] = true;
    } else if (!ParseStreamID(&ctx, id, &ids[i], 0, true)) {
      return;
    } else if (group && ids[i] == StreamID::Max()) {
      newest[i] = true;  // Redis encodes ">" as the maximum ID: that ID reads as ">"
    }
  }
  std::string body;
  ReplyBuilder rb(&body, ctx.rb.resp());
  size_t served = 0;
  LogParts log;
  for (size_t i = 0; i < n; ++i) {
    const std::string& key = ctx.arg(a.streams_arg + i);
    Entry* e = group ? ctx.LookupWrite(key) : ctx.Lookup(key, CommandContext::Touch::kNo);
    if (!e) continue;
    Stream& s = *StreamOf(e);
    StreamID last;
    bool has_last = s.EdgeId(false, &last);
    if (!group) {
      if (!has_last || last <= ids[i]) continue;
      ++served;
      ReplyReadKey(rb, key);
      StreamID start = ids[i];
      start.Incr();
      ReplyRange(rb, s, start, StreamID::Max(), a.count, false);
      continue;
    }
    StreamGroup& g = *s.FindGroup(*a.group);
    if (newest[i]) {
      if (!has_last || last <= g.last_id) continue;
      ids[i] = g.last_id;
    }
    ++served;
    ReplyReadKey(rb, key);
    ctx.DbFor(key).Mutate(e, [&](Object&) {
      ReadGroup(ctx, rb, s, g, {&key, a.group, a.consumer, ids[i], !newest[i], a.noack, a.count},
                LogTo(ctx, &log));
    });
    ctx.Dirty(key);
  }
  if (group) ctx.Propagate(std::move(log));
  if (served) {
    ReplyReadHeader(ctx.rb, served);
    ctx.rb.buffer()->append(body);
    return;
  }
  if (a.timeout_ms < 0 || !ctx.blocking) return ctx.rb.NullArray();
  // Block with the IDs resolved now ("$" is the last ID at this moment).
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) {
    keys.push_back(ctx.arg(a.streams_arg + i));
    if (!group) ctx.blocking->args[a.streams_arg + n + i] = ids[i].ToString();
  }
  int64_t deadline = a.timeout_ms ? MonotonicMs() + a.timeout_ms : 0;
  ctx.Block(keys, deadline, ValueType::kStream, group ? ServeXReadGroup : ServeXRead, {},
            group ? ReadyXReadGroup : ReadyXRead,
            group ? "UNBLOCKED the stream key no longer exists" : nullptr);
}

void XRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void XReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec StreamCmd(std::string name, int arity, uint32_t flags, Handler h,
                      std::vector<std::string> acl, std::string summary, std::string since,
                      std::string complexity) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("stream", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterStreamFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite, kR = kCmdReadOnly, kF = kCmdFast, kM = kCmdDenyOom;
  r.Register(StreamCmd("xadd", -5, kW | kM | kF, XAdd, {"write", "stream", "fast"},
                       "Appends a new entry to a stream", "5.0.0",
                       "O(1) when adding a new entry, O(N) when trimming where N being the number "
                       "of entries evicted.")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xtrim", -4, kW, XTrim, {"write", "stream", "slow"},
                       "Deletes messages from the beginning of a stream.", "5.0.0",
                       "O(N), with N being the number of evicted entries.")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xlen", 2, kR | kF, XLen, {"read", "stream", "fast"},
                       "Return the number of messages in a stream.", "5.0.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xrange", -4, kR, XRange, {"read", "stream", "slow"},
                       "Return a range of elements in a stream, with IDs matching the specified "
                       "IDs interval",
                       "5.0.0", "O(N) with N being the number of elements being returned.")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xrevrange", -4, kR, XRevRange, {"read", "stream", "slow"},
                       "Return a range of elements in a stream, with IDs matching the specified "
                       "IDs interval, in reverse order (from greater to smaller IDs) compared to "
                       "XRANGE",
                       "5.0.0", "O(N) with N being the number of elements returned.")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xdel", -3, kW | kF, XDel, {"write", "stream", "fast"},
                       "Removes the specified entries from the stream. Returns the number of items "
                       "actually deleted, that may be different from the number of IDs passed in "
                       "case certain IDs do not exist.",
                       "5.0.0", "O(1) for each single item to delete in the stream")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xsetid", -3, kW | kM | kF, XSetId, {"write", "stream", "fast"},
                       "An internal command for replicating stream values", "5.0.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(StreamCmd("xread", -4, kR | kCmdBlocking | kCmdMovableKeys, XRead,
                       {"read", "stream", "slow", "blocking"},
                       "Return never seen elements in multiple streams, with IDs greater than the "
                       "ones reported by the caller for each stream. Can block.",
                       "5.0.0",
                       "For each stream mentioned: O(M) with M the number of elements "
                       "returned.")
                 .MovableKeys(ReadKeys));
  r.Register(StreamCmd("xreadgroup", -7, kW | kCmdBlocking | kCmdMovableKeys, XReadGroup,
                       {"write", "stream", "slow", "blocking"},
                       "Return new entries from a stream using a consumer group, or access the "
                       "history of the pending entries for a given consumer. Can block.",
                       "5.0.0",
                       "For each stream mentioned: O(M) with M the number of elements "
                       "returned.")
                 .MovableKeys(ReadKeys));
}

CommandRegistrar registrar(RegisterStreamFamily);

}  // namespace
}  // namespace tessera
