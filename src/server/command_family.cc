// COMMAND and its subcommands, generated from the command table.
#include "base/strings.h"
#include "server/command_context.h"

namespace tessera {
namespace {

void ReplyKeySpecs(ReplyBuilder& rb, const CommandSpec& c) {
  if (c.first_key <= 0 && !c.keys_fn) return rb.ArrayHeader(0);
  rb.ArrayHeader(1);
  rb.MapHeader(3);
  rb.Bulk("flags");
  rb.SetHeader(1);
  rb.SimpleString((c.flags & kCmdNotKey) ? "not_key" : (c.flags & kCmdWrite) ? "RW" : "RO");
  rb.Bulk("begin_search");
  if (c.keys_fn) {
    rb.MapHeader(2);
    rb.Bulk("type");
    rb.Bulk("unknown");
    rb.Bulk("spec");
    rb.MapHeader(0);
    rb.Bulk("find_keys");
    rb.MapHeader(2);
    rb.Bulk("type");
    rb.Bulk("unknown");
    rb.Bulk("spec");
    rb.MapHeader(0);
    return;
  }
  rb.MapHeader(2);
  rb.Bulk("type");
  rb.Bulk("index");
  rb.Bulk("spec");
  rb.MapHeader(1);
  rb.Bulk("index");
  rb.Integer(c.first_key);
  rb.Bulk("find_keys");
  rb.MapHeader(2);
  rb.Bulk("type");
  rb.Bulk("range");
  rb.Bulk("spec");
  rb.MapHeader(3);
  rb.Bulk("lastkey");
  rb.Integer(c.last_key < 0 ? c.last_key : c.last_key - c.first_key);
  rb.Bulk("keystep");
  rb.Integer(c.key_step);
  rb.Bulk("limit");
  rb.Integer(0);
}

void ReplyCommandInfo(ReplyBuilder& rb, const CommandSpec& c) {
  rb.ArrayHeader(10);
  rb.Bulk(c.name);
  rb.Integer(c.arity);
  auto flags = FlagNames(c.flags);
  rb.SetHeader(flags.size());
  for (auto& f : flags) rb.SimpleString(f);
  rb.Integer(c.first_key);
  rb.Integer(c.last_key);
  rb.Integer(c.key_step);
  // Redis lists categories in its own fixed order, whatever order the spec names them in.
  static const char* kOrder[] = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  rb.SetHeader(c.acl_categories.size());
  for (const char* cat : kOrder)
    for (auto& a : c.acl_categories)
      if (a == cat) rb.SimpleString("@" + a);
  rb.SetHeader(0);  // tips
  ReplyKeySpecs(rb, c);
  rb.ArrayHeader(c.subcommands.size());
  for (auto& sub : c.subcommands) ReplyCommandInfo(rb, sub);
}

void ReplyCommandDocs(ReplyBuilder& rb, const CommandSpec& c) {
  size_t fields = 4 + (c.subcommands.empty() ? 0 : 1);
  rb.MapHeader(fields);
  rb.Bulk("summary");
  rb.Bulk(c.summary);
  rb.Bulk("since");
  rb.Bulk(c.since);
  rb.Bulk("group");
  rb.Bulk(c.group);
  rb.Bulk("complexity");
  rb.Bulk(c.complexity);
  if (!c.subcommands.empty()) {
    rb.Bulk("subcommands");
    rb.MapHeader(c.subcommands.size());
    for (auto& sub : c.subcommands) {
      rb.Bulk(sub.name);
      ReplyCommandDocs(rb, sub);
    }
  }
}

void Command(CommandContext& ctx) {
  auto& all = Registry().commands();
  ctx.rb.ArrayHeader(all.size());
  for (auto* c : all) ReplyCommandInfo(ctx.rb, *c);
}

void CommandCount(CommandContext& ctx) {
  ctx.rb.Integer(static_cast<int64_t>(Registry().commands().size()));
}

void CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return Command(ctx);
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandSpec* c = Registry().FindPublic(ctx.arg(i));
    if (!c) {
      // "parent|sub" names a subcommand.
      size_t bar = ctx.arg(i).find('|');
      if (bar != std::string::npos)
        if (const CommandSpec* p = Registry().FindPublic(ctx.arg(i).substr(0, bar)))
          c = Registry().FindSub(*p, ctx.arg(i).substr(bar + 1));
    }
    if (c)
      ReplyCommandInfo(ctx.rb, *c);
    else
      ctx.rb.Null();
  }
}

void CommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> list;
  if (ctx.argc() == 2) {
    list = Registry().commands();
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i)
      if (const CommandSpec* c = Registry().FindPublic(ctx.arg(i))) list.push_back(c);
  }
  ctx.rb.MapHeader(list.size());
  for (auto* c : list) {
    ctx.rb.Bulk(c->name);
    ReplyCommandDocs(ctx.rb, *c);
  }
}

void CommandList(CommandContext& ctx) {
  std::string pattern, aclcat;
  bool filter_module = false;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "FILTERBY")) {
    if (EqualsIgnoreCase(ctx.arg(3), "PATTERN"))
      pattern = ctx.arg(4);
    else if (EqualsIgnoreCase(ctx.arg(3), "ACLCAT"))
      aclcat = ToLower(ctx.arg(4));
    else if (EqualsIgnoreCase(ctx.arg(3), "MODULE"))
      filter_module = true;
    else
      return ctx.ReplySyntaxError();
  } else if (ctx.argc() != 2) {
    return ctx.ReplySyntaxError();
  }
  std::vector<std::string> names;
  auto consider = [&](const CommandSpec& c) {
    if (filter_module) return;  // no modules
    if (!pattern.empty() && !GlobMatch(pattern, c.name, true)) return;
    if (!aclcat.empty()) {
      bool found = false;
      for (auto& a : c.acl_categories) found |= a == aclcat;
      if (!found) return;
    }
    names.push_back(c.name);
  };
  for (auto* c : Registry().commands()) {
    consider(*c);
    for (auto& sub : c->subcommands) consider(sub);
  }
  ctx.rb.ArrayHeader(names.size());
  for (auto& n : names) ctx.rb.Bulk(n);
}

void CommandGetKeys(CommandContext& ctx) {
  const CommandSpec* c = Registry().FindPublic(ctx.arg(2));
  if (!c) return ctx.rb.Error("ERR Invalid command specified");
  ArgList args = ctx.args.subspan(2);
  auto arity_ok = [&](const CommandSpec* s) {
    int n = static_cast<int>(args.size());
    return s->arity > 0 ? n == s->arity : n >= -s->arity;
  };
  if (!arity_ok(c)) return ctx.rb.Error("ERR Invalid number of arguments specified for command");
  if (!c->subcommands.empty()) {
    c = Registry().FindSub(*c, args[1]);
    if (!c || !arity_ok(c))
      return ctx.rb.Error("ERR Invalid number of arguments specified for command");
  }
  // Shard channels sit at key positions but are not keys (Redis skips not_key key specs).
  auto pos = (c->flags & kCmdNotKey) ? std::vector<int>{} : c->KeyPositions(args);
  if (pos.empty()) return ctx.rb.Error("ERR The command has no key arguments");
  ctx.rb.ArrayHeader(pos.size());
  for (int p : pos) ctx.rb.Bulk(args[p]);
}

void CommandHelp(CommandContext& ctx) {
  ctx.ReplyHelp(
      "COMMAND",
      {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
       "    Return the total number of commands in this Redis server.", "LIST",
       "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
       "    Return details about multiple Redis commands.", "DOCS [<command-name> ...]",
       "    Return documentation details about multiple Redis commands.", "GETKEYS <full-command>",
       "    Return the keys from a full Redis command."});
}

void RegisterCommandFamily(CommandRegistry& r) {
  constexpr uint32_t kF = kCmdLoading | kCmdStale;
  auto sub = [](std::string name, int arity, Handler h, std::string summary) {
    return CommandSpec::Make(std::move(name), arity, kCmdLoading | kCmdStale, h)
        .Acl({"slow", "connection"})
        .Doc("server", std::move(summary), "2.8.13", "O(N)");
  };
  // A bare COMMAND has no subcommand; the registry resolves "COMMAND x" to a subcommand, so
  // the bare form is the parent's own handler (arity -1 lets it through).
  r.Register(
      CommandSpec::Make("command", -1, kF, Command)
          .Acl({"slow", "connection"})
          .Doc("server", "Get array of Redis command details", "2.8.13", "O(N)")
          .Subcommands({
              sub("count", 2, CommandCount, "Get total number of Redis commands"),
              sub("info", -2, CommandInfo, "Get array of specific Redis command details"),
              sub("docs", -2, CommandDocs, "Get array of specific Redis command documentation"),
              sub("list", -2, CommandList, "Get an array of Redis command names"),
              sub("getkeys", -4, CommandGetKeys, "Extract keys given a full Redis command"),
              sub("help", 2, CommandHelp, "Show helpful text about the different subcommands"),
          }));
}

CommandRegistrar registrar(RegisterCommandFamily);

}  // namespace
}  // namespace tessera
