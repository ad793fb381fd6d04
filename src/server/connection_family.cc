// Connection commands: PING ECHO HELLO AUTH QUIT RESET SELECT CLIENT.
#include <algorithm>

#include "base/clock.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"

namespace tessera {
namespace {

constexpr const char* kRedisVersion = "7.0.15";

void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.ReplyArity();
  // A RESP2 subscriber has no plain replies: ["pong", <message or "">], as Redis.
  if (ctx.conn && ctx.conn->resp == 2 && ctx.conn->subscribed()) {
    ctx.rb.ArrayHeader(2);
    ctx.rb.Bulk("pong");
    return ctx.rb.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
  }
  if (ctx.argc() == 2) return ctx.rb.Bulk(ctx.arg(1));
  ctx.rb.SimpleString("PONG");
}

void Echo(CommandContext& ctx) { ctx.rb.Bulk(ctx.arg(1)); }

// Checks a username/password pair against the default user (the only user until ACLs land).
bool CheckCredentials(CommandContext& ctx, const std::string& user, const std::string& pass) {
  const std::string& required = ctx.server->config().requirepass;
  return user == "default" && (required.empty() || pass == required);
}

void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplySyntaxError();
  const std::string& required = ctx.server->config().requirepass;
  if (ctx.argc() == 2 && required.empty()) {
    return ctx.rb.Error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
  }
  std::string user = ctx.argc() == 3 ? ctx.arg(1) : "default";
  std::string pass = ctx.argc() == 3 ? ctx.arg(2) : ctx.arg(1);
  if (!CheckCredentials(ctx, user, pass))
    return ctx.rb.Error("WRONGPASS invalid username-password pair or user is disabled.");
  ctx.conn->authenticated = true;
  ctx.rb.Ok();
}

void Hello(CommandContext& ctx) {
  Connection* c = ctx.conn;
  int ver = c->resp;
  size_t i = 1;
  if (ctx.argc() >= 2) {
    auto v = ParseInt64(ctx.arg(1));
    if (!v) return ctx.rb.Error("ERR Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return ctx.rb.Error("NOPROTO unsupported protocol version");
    ver = static_cast<int>(*v);
    i = 2;
  }
  std::string setname;
  bool has_setname = false;
  for (; i < ctx.argc(); ++i) {
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.arg(i), "AUTH") && i + 2 < ctx.argc()) {
      if (!CheckCredentials(ctx, ctx.arg(i + 1), ctx.arg(i + 2)))
        return ctx.rb.Error("WRONGPASS invalid username-password pair or user is disabled.");
      c->authenticated = true;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "SETNAME") && more) {
      setname = ctx.arg(++i);
      has_setname = true;
      for (char ch : setname)
        if (ch < '!' || ch > '~')
          return ctx.rb.Error(
              "ERR Client names cannot contain spaces, newlines or special characters.");
    } else {
      return ctx.rb.Error("ERR Syntax error in HELLO option '" + ctx.arg(i) + "'");
    }
  }
  if (!c->authenticated)
    return ctx.rb.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
  if (has_setname) c->name = setname;
  c->resp = ver;
  ctx.rb.set_resp(ver);
  ctx.rb.MapHeader(7);
  ctx.rb.Bulk("server");
  ctx.rb.Bulk("redis");
  ctx.rb.Bulk("version");
  ctx.rb.Bulk(kRedisVersion);
  ctx.rb.Bulk("proto");
  ctx.rb.Integer(ver);
  ctx.rb.Bulk("id");
  ctx.rb.Integer(static_cast<int64_t>(c->id()));
  ctx.rb.Bulk("mode");
  ctx.rb.Bulk("standalone");
  ctx.rb.Bulk("role");
  ctx.rb.Bulk("master");
  ctx.rb.Bulk("modules");
  ctx.rb.ArrayHeader(0);
}

void Quit(CommandContext& ctx) {
  ctx.rb.Ok();
  ctx.conn->CloseAfterReply();
}

void Reset(CommandContext& ctx) {
  Connection* c = ctx.conn;
  c->EndMulti();
  ctx.server->pubsub().UnsubscribeAll(c);
  c->db = 0;
  c->resp = 2;
  c->name.clear();
  c->no_evict = false;
  c->authenticated = ctx.server->config().requirepass.empty();
  ctx.rb.set_resp(2);
  ctx.rb.SimpleString("RESET");
}

void Select(CommandContext& ctx) {
  auto v = ParseInt64(ctx.arg(1));
  if (!v || *v < INT32_MIN || *v > INT32_MAX)
    return ctx.rb.Error("ERR value is not an integer or out of range");
  if (*v < 0 || *v >= ctx.server->config().databases)
    return ctx.rb.Error("ERR DB index is out of range");
  ctx.conn->db = static_cast<int>(*v);
  ctx.rb.Ok();
}

// ---- CLIENT ----

void ClientId(CommandContext& ctx) { ctx.rb.Integer(static_cast<int64_t>(ctx.conn->id())); }

void ClientSetName(CommandContext& ctx) {
  for (char ch : ctx.arg(2))
    if (ch < '!' || ch > '~')
      return ctx.rb.Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
  ctx.conn->name = ctx.arg(2);
  ctx.rb.Ok();
}

void ClientGetName(CommandContext& ctx) {
  if (ctx.conn->name.empty()) return ctx.rb.Null();
  ctx.rb.Bulk(ctx.conn->name);
}

void ClientInfo(CommandContext& ctx) { ctx.rb.Verbatim(ctx.conn->InfoLine(ctx.now_ms) + "\n"); }

// The class CLIENT LIST / KILL TYPE names.
std::string_view ClientType(const Connection& c) { return c.subscribed() ? "pubsub" : "normal"; }

// Every connection of every shard (runs with all shards parked).
template <typename Fn>
void ForEachClient(CommandContext& ctx, Fn fn) {
  for (int i = 0; i < ctx.server->num_shards(); ++i)
    for (auto& [id, c] : ctx.server->shard(i).connections())
      if (!c->closed()) fn(*c);
}

void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  std::string type;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.arg(i), "TYPE") && i + 1 < ctx.argc()) {
      type = ToLower(ctx.arg(++i));
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub")
        return ctx.rb.Error("ERR Unknown client type '" + ctx.arg(i) + "'");
    } else if (EqualsIgnoreCase(ctx.arg(i), "ID") && i + 1 < ctx.argc()) {
      for (++i; i < ctx.argc(); ++i) {
        auto v = ParseInt64(ctx.arg(i));
        if (!v || *v <= 0) return ctx.rb.Error("ERR Invalid client ID");
        ids.push_back(static_cast<uint64_t>(*v));
      }
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  std::vector<const Connection*> list;
  ForEachClient(ctx, [&](const Connection& c) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id()) == ids.end()) return;
    if (!type.empty() && type != ClientType(c)) return;
    list.push_back(&c);
  });
  std::sort(list.begin(), list.end(),
            [](const Connection* a, const Connection* b) { return a->id() < b->id(); });
  std::string out;
  for (auto* c : list) out += c->InfoLine(ctx.now_ms) + "\n";
  ctx.rb.Verbatim(out);
}

void ClientKill(CommandContext& ctx) {
  // Old form: CLIENT KILL addr:port -> +OK or error.
  if (ctx.argc() == 3) {
    Connection* victim = nullptr;
    ForEachClient(ctx, [&](Connection& c) {
      if (c.addr == ctx.arg(2)) victim = &c;
    });
    if (!victim) return ctx.rb.Error("ERR No such client");
    if (victim->id() == ctx.client_id)
      victim->CloseAfterReply();
    else
      victim->shard().loop().Post([id = victim->id(), s = &victim->shard()] {
        if (Connection* c = s->FindConnection(id)) c->Close();
      });
    return ctx.rb.Ok();
  }
  if (ctx.argc() % 2 != 0) return ctx.ReplySyntaxError();
  int64_t id = -1;
  std::string addr, laddr, user, type;
  bool skipme = true;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    const std::string& opt = ctx.arg(i);
    const std::string& val = ctx.arg(i + 1);
    if (EqualsIgnoreCase(opt, "ID")) {
      auto v = ParseInt64(val);
      if (!v || *v <= 0) return ctx.rb.Error("ERR client-id should be greater than 0");
      id = *v;
    } else if (EqualsIgnoreCase(opt, "ADDR")) {
      addr = val;
    } else if (EqualsIgnoreCase(opt, "LADDR")) {
      laddr = val;
    } else if (EqualsIgnoreCase(opt, "USER")) {
      user = val;
    } else if (EqualsIgnoreCase(opt, "TYPE")) {
      type = ToLower(val);
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub")
        return ctx.rb.Error("ERR Unknown client type '" + val + "'");
    } else if (EqualsIgnoreCase(opt, "SKIPME")) {
      if (EqualsIgnoreCase(val, "yes"))
        skipme = true;
      else if (EqualsIgnoreCase(val, "no"))
        skipme = false;
      else
        return ctx.ReplySyntaxError();
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  int64_t killed = 0;
  ForEachClient(ctx, [&](Connection& c) {
    if (id != -1 && static_cast<int64_t>(c.id()) != id) return;
    if (!addr.empty() && c.addr != addr) return;
    if (!laddr.empty() && c.laddr != laddr) return;
    if (!user.empty() && user != "default") return;
    if (!type.empty() && type != ClientType(c)) return;
    if (c.id() == ctx.client_id) {
      if (skipme) return;
      c.CloseAfterReply();
    } else {
      c.shard().loop().Post([cid = c.id(), s = &c.shard()] {
        if (Connection* x = s->FindConnection(cid)) x->Close();
      });
    }
    ++killed;
  });
  ctx.rb.Integer(killed);
}

void ClientPause(CommandContext& ctx) {
  auto ms = ParseInt64(ctx.arg(2));
  if (!ms) return ctx.rb.Error("ERR timeout is not an integer or out of range");
  if (*ms < 0) return ctx.rb.Error("ERR timeout is negative");
  bool all = true;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "WRITE"))
      all = false;
    else if (!EqualsIgnoreCase(ctx.arg(3), "ALL"))
      return ctx.rb.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
  } else if (ctx.argc() > 4) {
    return ctx.ReplySyntaxError();
  }
  ctx.server->Pause(ctx.now_ms + *ms, all);
  ctx.rb.Ok();
}

void ClientUnpause(CommandContext& ctx) {
  ctx.server->Unpause();
  ctx.rb.Ok();
}

void ClientNoEvict(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.arg(2), "ON"))
    ctx.conn->no_evict = true;
  else if (EqualsIgnoreCase(ctx.arg(2), "OFF"))
    ctx.conn->no_evict = false;
  else
    return ctx.ReplySyntaxError();
  ctx.rb.Ok();
}

void ClientHelp(CommandContext& ctx) {
  ctx.ReplyHelp("CLIENT",
                {"GETNAME",
                 "    Return the name of the current connection.",
                 "ID",
                 "    Return the ID of the current connection.",
                 "INFO",
                 "    Return information about the current client connection.",
                 "KILL <ip:port>",
                 "    Kill connection made from <ip:port>.",
                 "KILL <option> <value> [<option> <value> [...]]",
                 "    Kill connections. Options are: ID, ADDR, LADDR, USER, TYPE, SKIPME.",
                 "LIST [options ...]",
                 "    Return information about client connections.",
                 "UNPAUSE",
                 "    Stop the current client pause, resuming traffic.",
                 "PAUSE <timeout> [WRITE|ALL]",
                 "    Suspend all, or just write, clients for <timeout> ms.",
                 "SETNAME <name>",
                 "    Assign the name <name> to the current connection.",
                 "NO-EVICT (ON|OFF)",
                 "    Protect current client connection from eviction."});
}

CommandSpec Conn(std::string name, int arity, uint32_t flags, Handler h, std::string summary,
                 std::string since) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl({"fast", "connection"})
      .Doc("connection", std::move(summary), std::move(since), "O(1)");
}

CommandSpec ClientSub(std::string name, int arity, uint32_t flags, Handler h, std::string summary,
                      Route route = Route::kLocal) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .RouteTo(route)
      .Acl({"slow", "connection"})
      .Doc("connection", std::move(summary), "2.4.0", "O(1)");
}

void RegisterConnectionFamily(CommandRegistry& r) {
  constexpr uint32_t kSession =
      kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth | kCmdAllowBusy;
  r.Register(Conn("ping", -1, kCmdFast | kCmdSubscribedOk, Ping, "Ping the server", "1.0.0"));
  r.Register(Conn("echo", 2, kCmdFast, Echo, "Echo the given string", "1.0.0"));
  r.Register(Conn("auth", -2, kSession, Auth, "Authenticate to the server", "1.0.0"));
  r.Register(Conn("hello", -1, kSession, Hello, "Handshake with Redis", "6.0.0"));
  r.Register(Conn("quit", -1, kSession | kCmdSubscribedOk | kCmdNotQueued, Quit,
                  "Close the connection", "1.0.0"));
  r.Register(Conn("reset", 1, kSession | kCmdSubscribedOk | kCmdNotQueued, Reset,
                  "Reset the connection", "6.2.0"));
  r.Register(Conn("select", 2, kCmdLoading | kCmdStale | kCmdFast, Select,
                  "Change the selected database for the current connection", "1.0.0"));

  constexpr uint32_t kClient = kCmdNoScript | kCmdLoading | kCmdStale;
  r.Register(
      CommandSpec::Make("client", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("connection", "A container for client connection commands", "2.4.0",
               "Depends on subcommand.")
          .Subcommands({
              ClientSub("id", 2, kClient, ClientId,
                        "Returns the client ID for the current connection"),
              ClientSub("setname", 3, kClient, ClientSetName, "Set the current connection name"),
              ClientSub("getname", 2, kClient, ClientGetName, "Get the current connection name"),
              ClientSub("info", 2, kClient, ClientInfo,
                        "Returns information about the current client connection."),
              ClientSub("list", -2, kClient | kCmdAdmin, ClientList,
                        "Get the list of client connections", Route::kAll),
              ClientSub("kill", -3, kClient | kCmdAdmin, ClientKill,
                        "Kill the connection of a client", Route::kAll),
              ClientSub("pause", -3, kClient | kCmdAdmin, ClientPause,
                        "Stop processing commands from clients for some time"),
              ClientSub("unpause", 2, kClient | kCmdAdmin, ClientUnpause,
                        "Resume processing of clients that were paused"),
              ClientSub("no-evict", 3, kClient | kCmdAdmin, ClientNoEvict,
                        "Set client eviction mode for the current connection"),
              ClientSub("help", 2, kCmdLoading | kCmdStale, ClientHelp,
                        "Show helpful text about the different subcommands"),
          }));
}

CommandRegistrar registrar(RegisterConnectionFamily);

}  // namespace
}  // namespace tessera
