// Stream ID parsing, entry replies and consumer-group reads shared by the stream commands.
#include "server/stream_ops.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/strings.h"
#include "server/persistence.h"

namespace tessera {
namespace {

// Redis's string2ull: a strict int64 that is not negative, else strtoull over the whole string.
bool String2ull(const char* s, uint64_t* v) {
  if (auto ll = ParseInt64(s)) {
    if (*ll < 0) return false;
    *v = static_cast<uint64_t>(*ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  *v = strtoull(s, &end, 10);
  return !(errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0'));
}

}  // namespace

bool ParseStreamID(CommandContext* ctx, std::string_view arg, StreamID* id, uint64_t missing_seq,
                   bool strict, bool* seq_given) {
  auto invalid = [ctx] {
    if (ctx) ctx->rb.Error("ERR Invalid stream ID specified as stream command argument");
    return false;
  };
  char buf[128];
  if (arg.size() > sizeof(buf) - 1) return invalid();
  memcpy(buf, arg.data(), arg.size());
  buf[arg.size()] = '\0';
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return invalid();
  if (seq_given) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *id = StreamID::Min();
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *id = StreamID::Max();
    return true;
  }
  uint64_t ms, seq;
  char* dot = strchr(buf, '-');
  if (dot) *dot = '\0';
  if (!String2ull(buf, &ms)) return invalid();
  if (dot) {
    if (seq_given && strcmp(dot + 1, "*") == 0) {
      seq = 0;
      *seq_given = false;
    } else if (!String2ull(dot + 1, &seq)) {
      return invalid();
    }
  } else {
    seq = missing_seq;
  }
  *id = {ms, seq};
  return true;
}

bool ParseIntervalID(CommandContext& ctx, std::string_view arg, StreamID* id, bool* exclusive,
                     uint64_t missing_seq) {
  *exclusive = arg.size() > 1 && arg[0] == '(';
  if (*exclusive) return ParseStreamID(&ctx, arg.substr(1), id, missing_seq, true);
  return ParseStreamID(&ctx, arg, id, missing_seq, false);
}

void ReplyStreamID(ReplyBuilder& rb, StreamID id) {
  char buf[48];
  int n = snprintf(buf, sizeof(buf), "%llu-%llu", static_cast<unsigned long long>(id.ms),
                   static_cast<unsigned long long>(id.seq));
  rb.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

void ReplyEntry(ReplyBuilder& rb, const StreamEntryView& e) {
  rb.ArrayHeader(2);
  ReplyStreamID(rb, e.id);
  rb.ArrayHeader(e.fv.size());
  char buf[StreamElem::kIntBuf];
  for (const StreamElem& x : e.fv) rb.Bulk(x.View(buf));
}

bool ReplyEntryById(ReplyBuilder& rb, const Stream& s, StreamID id) {
  bool found = false;
  s.Range(id, id, false, [&](const StreamEntryView& e) {
    ReplyEntry(rb, e);
    return !(found = true);
  });
  return found;
}

size_t ReplyRange(ReplyBuilder& rb, const Stream& s, StreamID start, StreamID end, uint64_t count,
                  bool rev) {
  std::string body;
  ReplyBuilder inner(&body, rb.resp());
  size_t n = 0;
  s.Range(start, end, rev, [&](const StreamEntryView& e) {
    if (count && n >= count) return false;
    ReplyEntry(inner, e);
    ++n;
    return true;
  });
  rb.ArrayHeader(n);
  rb.buffer()->append(body);
  return n;
}

CommandSpec StreamSubcommand(std::string name, int arity, uint32_t flags, Handler h,
                             std::string summary) {
  bool write = flags & kCmdWrite;
  bool help = name == "help";
  CommandSpec spec = CommandSpec::Make(std::move(name), arity, flags, h)
                         .Acl({write ? "write" : "read", "stream", "slow"})
                         .Doc("stream", std::move(summary), "5.0.0", "O(1)");
  if (help) return spec.RouteTo(Route::kLocal).Acl({"stream", "slow"});
  return spec.RouteTo(Route::kKeys).Keys(2, 2, 1);
}

Stream* StreamOf(Entry* e) { return e ? static_cast<Stream*>(e->object()) : nullptr; }

LogParts* LogTo(CommandContext& ctx, LogParts* parts) {
  return ctx.server->persistence().aof_on() ? parts : nullptr;
}

std::vector<std::string> XClaimPart(const std::string& key, const std::string& group,
                                    const std::string& consumer, StreamID id, const StreamNack& n) {
  return {"XCLAIM",     key,
          group,        consumer,
          "0",          id.ToString(),
          "TIME",       std::to_string(n.delivery_time),
          "RETRYCOUNT", std::to_string(n.delivery_count),
          "FORCE",      "JUSTID"};
}

std::vector<std::string> SetIdPart(const std::string& key, const std::string& group,
                                   const StreamGroup& g) {
  return {"XGROUP",
          "SETID",
          key,
          group,
          g.last_id.ToString(),
          "ENTRIESREAD",
          std::to_string(g.entries_read)};
}

void ReadGroup(CommandContext& ctx, ReplyBuilder& out, Stream& s, StreamGroup& g,
               const GroupRead& r, LogParts* log) {
  StreamConsumer* c = g.FindConsumer(*r.consumer);
  if (!c) {
    c = g.CreateConsumer(*r.consumer, ctx.now_ms);
    ctx.Notify(NotifyClass::kStream, "xgroup-createconsumer", *r.key);
    if (log) log->push_back({"XGROUP", "CREATECONSUMER", *r.key, *r.group, *r.consumer});
  }
  c->seen_time = ctx.now_ms;
  StreamID start = r.after;
  start.Incr();
  std::string body;
  ReplyBuilder rb(&body, out.resp());
  size_t n = 0;
  if (r.history) {
    // The consumer's own pending entries; a deleted one is [id, nil].
    for (auto it = c->pel.lower_bound(start); it != c->pel.end() && (!r.count || n < r.count);
         ++it, ++n) {
      if (!ReplyEntryById(rb, s, *it)) {
        rb.ArrayHeader(2);
        ReplyStreamID(rb, *it);
        rb.NullArray();
        continue;
      }
      StreamNack& nack = g.pel[*it];
      nack.delivery_time = ctx.now_ms;
      ++nack.delivery_count;
      if (log) log->push_back(XClaimPart(*r.key, *r.group, *r.consumer, *it, nack));
    }
  } else {
    bool moved = false;
    s.Range(start, StreamID::Max(), false, [&](const StreamEntryView& e) {
      if (r.count && n >= r.count) return false;
      if (e.id > g.last_id) {
        if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
            !s.RangeHasTombstones(e.id, StreamID::Max()))
          ++g.entries_read;
        else if (s.entries_added())
          g.entries_read = s.EstimateDistance(e.id);
        g.last_id = e.id;
        moved = true;
      }
      if (!r.noack) {
        const StreamNack& nack = g.Assign(e.id, c, ctx.now_ms, 1);
        if (log) log->push_back(XClaimPart(*r.key, *r.group, *r.consumer, e.id, nack));
      }
      ReplyEntry(rb, e);
      ++n;
      return true;
    });
    if (moved && log) log->push_back(SetIdPart(*r.key, *r.group, g));
  }
  out.ArrayHeader(n);
  out.buffer()->append(body);
}

}  // namespace tessera
