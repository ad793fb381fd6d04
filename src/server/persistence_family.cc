// SAVE BGSAVE BGREWRITEAOF LASTSAVE (server/persistence.h does the work).
#include "base/strings.h"
#include "server/command_context.h"

namespace tessera {
namespace {

// A reply from Persistence: "+text" is a status, anything else an error.
void Reply(CommandContext& ctx, const std::string& r) {
  if (r.empty()) return ctx.rb.Ok();
  if (r[0] == '+') return ctx.rb.SimpleString(std::string_view(r).substr(1));
  ctx.rb.Error(r);
}

void Save(CommandContext& ctx) { Reply(ctx, ctx.server->persistence().SaveNow()); }

void Bgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() == 2) {
    if (!EqualsIgnoreCase(ctx.arg(1), "schedule")) return ctx.ReplySyntaxError();
    schedule = true;
  } else if (ctx.argc() > 2) {
    return ctx.ReplySyntaxError();
  }
  Reply(ctx, ctx.server->persistence().Bgsave(schedule));
}

void Bgrewriteaof(CommandContext& ctx) { Reply(ctx, ctx.server->persistence().Bgrewriteaof()); }

void LastSave(CommandContext& ctx) { ctx.rb.Integer(ctx.server->lastsave_s()); }

CommandSpec Cmd(std::string name, int arity, uint32_t flags, Handler h, Route route,
                std::vector<std::string> acl, std::string summary, std::string since,
                std::string complexity) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .RouteTo(route)
      .Acl(std::move(acl))
      .Doc("server", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterPersistenceFamily(CommandRegistry& r) {
  // The snapshot's cut needs every shard parked: Route::kAll.
  r.Register(Cmd("save", 1, kCmdAdmin | kCmdNoScript, Save, Route::kAll,
                 {"admin", "slow", "dangerous"}, "Synchronously save the dataset to disk", "1.0.0",
                 "O(N) where N is the total number of keys in all databases"));
  r.Register(Cmd("bgsave", -1, kCmdAdmin | kCmdNoScript, Bgsave, Route::kAll,
                 {"admin", "slow", "dangerous"}, "Asynchronously save the dataset to disk", "1.0.0",
                 "O(1)"));
  r.Register(Cmd("bgrewriteaof", 1, kCmdAdmin | kCmdNoScript, Bgrewriteaof, Route::kAll,
                 {"admin", "slow", "dangerous"}, "Asynchronously rewrite the append-only file",
                 "1.0.0", "O(1)"));
  r.Register(Cmd("lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, LastSave, Route::kLocal,
                 {"admin", "fast", "dangerous"},
                 "Get the UNIX time stamp of the last successful save to disk", "1.0.0", "O(1)"));
}

CommandRegistrar registrar(RegisterPersistenceFamily);

}  // namespace
}  // namespace tessera
