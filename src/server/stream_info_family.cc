// XINFO STREAM / GROUPS / CONSUMERS / HELP: replies as Redis 7.0's t_stream.c (the 7.0 fields:
// consumers have no active-time), except radix-tree-nodes (docs/streams.md).
#include <algorithm>

#include "base/strings.h"
#include "server/stream_ops.h"

namespace tessera {
namespace {

const Stream* XInfoStream(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(2), ValueType::kStream, &wrong);
  if (wrong) return nullptr;
  if (!e) ctx.rb.Error("ERR no such key");
  return StreamOf(e);
}

void ReplyLag(ReplyBuilder& rb, const Stream& s, const StreamGroup& g) {
  auto lag = s.Lag(g);
  lag ? rb.Integer(*lag) : rb.Null();
}

void ReplyEntriesRead(ReplyBuilder& rb, const StreamGroup& g) {
  g.entries_read != StreamGroup::kInvalidEntriesRead ? rb.Integer(g.entries_read) : rb.Null();
}

// XINFO STREAM key [FULL [COUNT count]]
void XInfoStreamCmd(CommandContext& ctx) {
  bool full = ctx.argc() > 3;
  int64_t count = 10;
  if (full) {
    if (!EqualsIgnoreCase(ctx.arg(3), "full")) return ctx.ReplySyntaxError();
    if (ctx.argc() > 4) {
      if (ctx.argc() != 6 || !EqualsIgnoreCase(ctx.arg(4), "count"))
        return ctx.ReplySubcommandSyntaxError();
      auto v = ParseInt64(ctx.arg(5));
      if (!v) return ctx.ReplyNotInteger();
      count = *v < 0 ? 10 : *v;
    }
  }
  const Stream* sp = XInfoStream(ctx);
  if (!sp) return;
  const Stream& s = *sp;
  ReplyBuilder& rb = ctx.rb;
  rb.MapHeader(full ? 9 : 10);
  rb.Bulk("length");
  rb.Integer(static_cast<int64_t>(s.length()));
  rb.Bulk("radix-tree-keys");
  rb.Integer(static_cast<int64_t>(s.nodes()));
  // Redis counts its radix tree's inner nodes; Tessera keeps an ordered map of nodes.
  rb.Bulk("radix-tree-nodes");
  rb.Integer(static_cast<int64_t>(s.nodes() + 1));
  rb.Bulk("last-generated-id");
  ReplyStreamID(rb, s.last_id());
  rb.Bulk("max-deleted-entry-id");
  ReplyStreamID(rb, s.max_deleted_id());
  rb.Bulk("entries-added");
  rb.Integer(static_cast<int64_t>(s.entries_added()));
  rb.Bulk("recorded-first-entry-id");
  ReplyStreamID(rb, s.first_id());
  if (!full) {
    rb.Bulk("groups");
    rb.Integer(static_cast<int64_t>(s.groups().size()));
    for (bool last : {false, true}) {
      rb.Bulk(last ? "last-entry" : "first-entry");
      bool any = false;
      s.Range(StreamID::Min(), StreamID::Max(), last, [&](const StreamEntryView& e) {
        ReplyEntry(rb, e);
        return !(any = true);
      });
      if (!any) rb.Null();
    }
    return;
  }
  uint64_t limit = static_cast<uint64_t>(count);
  rb.Bulk("entries");
  ReplyRange(rb, s, StreamID::Min(), StreamID::Max(), limit, false);
  rb.Bulk("groups");
  rb.ArrayHeader(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    rb.MapHeader(7);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("last-delivered-id");
    ReplyStreamID(rb, g->last_id);
    rb.Bulk("entries-read");
    ReplyEntriesRead(rb, *g);
    rb.Bulk("lag");
    ReplyLag(rb, s, *g);
    rb.Bulk("pel-count");
    rb.Integer(static_cast<int64_t>(g->pel.size()));
    rb.Bulk("pending");
    size_t np = limit ? std::min<size_t>(limit, g->pel.size()) : g->pel.size();
    rb.ArrayHeader(np);
    auto it = g->pel.begin();
    for (size_t i = 0; i < np; ++i, ++it) {
      rb.ArrayHeader(4);
      ReplyStreamID(rb, it->first);
      rb.Bulk(it->second.consumer->name);
      rb.Integer(it->second.delivery_time);
      rb.Integer(static_cast<int64_t>(it->second.delivery_count));
    }
    rb.Bulk("consumers");
    rb.ArrayHeader(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      rb.MapHeader(4);
      rb.Bulk("name");
      rb.Bulk(cname);
      rb.Bulk("seen-time");
      rb.Integer(c->seen_time);
      rb.Bulk("pel-count");
      rb.Integer(static_cast<int64_t>(c->pel.size()));
      rb.Bulk("pending");
      size_t nc = limit ? std::min<size_t>(limit, c->pel.size()) : c->pel.size();
      rb.ArrayHeader(nc);
      auto ci = c->pel.begin();
      for (size_t i = 0; i < nc; ++i, ++ci) {
        const StreamNack& nack = g->pel.at(*ci);
        rb.ArrayHeader(3);
        ReplyStreamID(rb, *ci);
        rb.Integer(nack.delivery_time);
        rb.Integer(static_cast<int64_t>(nack.delivery_count));
      }
    }
  }
}

void XInfoGroups(CommandContext& ctx) {
  const Stream* s = XInfoStream(ctx);
  if (!s) return;
  ReplyBuilder& rb = ctx.rb;
  rb.ArrayHeader(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    rb.MapHeader(6);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("consumers");
    rb.Integer(static_cast<int64_t>(g->consumers.size()));
    rb.Bulk("pending");
    rb.Integer(static_cast<int64_t>(g->pel.size()));
    rb.Bulk("last-delivered-id");
    ReplyStreamID(rb, g->last_id);
    rb.Bulk("entries-read");
    ReplyEntriesRead(rb, *g);
    rb.Bulk("lag");
    ReplyLag(rb, *s, *g);
  }
}

void XInfoConsumers(CommandContext& ctx) {
  const Stream* s = XInfoStream(ctx);
  if (!s) return;
  auto it = s->groups().find(ctx.arg(3));
  if (it == s->groups().end())
    return ctx.rb.Error("NOGROUP No such consumer group '" + ctx.arg(3) + "' for key name '" +
                        ctx.arg(2) + "'");
  ReplyBuilder& rb = ctx.rb;
  rb.ArrayHeader(it->second->consumers.size());
  for (const auto& [name, c] : it->second->consumers) {
    rb.MapHeader(3);
    rb.Bulk("name");
    rb.Bulk(name);
    rb.Bulk("pending");
    rb.Integer(static_cast<int64_t>(c->pel.size()));
    rb.Bulk("idle");
    rb.Integer(std::max<int64_t>(ctx.now_ms - c->seen_time, 0));
  }
}

void XInfoHelp(CommandContext& ctx) {
  ctx.ReplyHelp("XINFO",
                {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.",
                 "GROUPS <key>", "    Show the stream consumer groups.",
                 "STREAM <key> [FULL [COUNT <count>]", "    Show information about the stream."},
                "    Prints this help.");
}

void RegisterStreamInfoFamily(CommandRegistry& r) {
  constexpr uint32_t kR = kCmdReadOnly;
  r.Register(
      CommandSpec::Make("xinfo", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("stream", "A container for stream introspection commands", "5.0.0",
               "Depends on subcommand.")
          .Subcommands({
              StreamSubcommand("stream", -3, kR, XInfoStreamCmd, "Get information about a stream"),
              StreamSubcommand("groups", 3, kR, XInfoGroups,
                               "List the consumer groups of a stream"),
              StreamSubcommand("consumers", 4, kR, XInfoConsumers,
                               "List the consumers in a consumer group"),
              StreamSubcommand("help", 2, kCmdLoading | kCmdStale, XInfoHelp,
                               "Show helpful text about the different subcommands"),
          }));
}

CommandRegistrar registrar(RegisterStreamInfoFamily);

}  // namespace
}  // namespace tessera
