// Command registry and key extraction.
#include "server/command.h"

#include "base/strings.h"

namespace tessera {

CommandRegistry& Registry() {
  static CommandRegistry r;
  return r;
}

CommandSpec CommandSpec::Make(std::string name, int arity, uint32_t flags, Handler handler) {
  CommandSpec s;
  s.name = std::move(name);
  s.arity = arity;
  s.flags = flags;
  s.handler = handler;
  return s;
}

CommandSpec& CommandSpec::Keys(int first, int last, int step) {
  first_key = first;
  last_key = last;
  key_step = step;
  route = Route::kKeys;
  return *this;
}

CommandSpec& CommandSpec::MovableKeys(KeysFn fn) {
  keys_fn = fn;
  flags |= kCmdMovableKeys;
  route = Route::kKeys;
  return *this;
}

CommandSpec& CommandSpec::RouteTo(Route r) {
  route = r;
  return *this;
}

CommandSpec& CommandSpec::RouteBy(RouteFn fn) {
  route = Route::kCustom;
  route_fn = fn;
  return *this;
}

CommandSpec& CommandSpec::Acl(std::vector<std::string> categories) {
  acl_categories = std::move(categories);
  return *this;
}

CommandSpec& CommandSpec::Doc(std::string g, std::string s, std::string v, std::string c) {
  group = std::move(g);
  summary = std::move(s);
  since = std::move(v);
  complexity = std::move(c);
  return *this;
}

CommandSpec& CommandSpec::Subcommands(std::vector<CommandSpec> subs) {
  subcommands = std::move(subs);
  return *this;
}

std::vector<int> CommandSpec::KeyPositions(ArgList args) const {
  if (keys_fn) return keys_fn(args);
  std::vector<int> out;
  if (first_key <= 0) return out;
  int argc = static_cast<int>(args.size());
  int last = last_key < 0 ? argc + last_key : last_key;
  for (int i = first_key; i <= last && i < argc; i += key_step) out.push_back(i);
  return out;
}

uint32_t CommandRegistry::HashName(std::string_view lower) {
  uint32_t h = 2166136261u;
  for (char c : lower) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

void CommandRegistry::Register(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  for (auto& sub : owned->subcommands) sub.name = owned->name + "|" + sub.name;
  if (!(owned->flags & kCmdMemcache)) top_.push_back(owned.get());
  named_.push_back(owned.get());
  // Keep the table at most half full so probes stay short and always end.
  if (named_.size() * 2 > slots_.size())
    slots_.assign(slots_.size() * 2, nullptr);
  else
    slots_.assign(slots_.size(), nullptr);
  size_t mask = slots_.size() - 1;
  for (const CommandSpec* c : named_) {
    size_t i = HashName(c->name) & mask;
    while (slots_[i]) i = (i + 1) & mask;
    slots_[i] = c;
  }
  owned_.push_back(std::move(owned));
}

void CommandRegistry::Finalize() {
  all_.clear();
  for (auto& c : owned_) {
    c->id = static_cast<int>(all_.size());
    all_.push_back(c.get());
    for (auto& sub : c->subcommands) {
      sub.parent = c.get();
      sub.id = static_cast<int>(all_.size());
      all_.push_back(&sub);
    }
  }
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  std::string_view lower(buf, name.size());
  size_t mask = slots_.size() - 1;
  for (size_t i = HashName(lower) & mask; slots_[i]; i = (i + 1) & mask)
    if (slots_[i]->name == lower) return slots_[i];
  return nullptr;
}

const CommandSpec* CommandRegistry::FindSub(const CommandSpec& parent, std::string_view sub) const {
  for (const auto& s : parent.subcommands) {
    std::string_view short_name = std::string_view(s.name).substr(parent.name.size() + 1);
    if (EqualsIgnoreCase(short_name, sub)) return &s;
  }
  return nullptr;
}

std::vector<std::string> FlagNames(uint32_t flags) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCmdWrite, "write"},
      {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},
      {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdMayReplicate, "may_replicate"},
      {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"},
      {kCmdAllowBusy, "allow_busy"},
  };
  std::vector<std::string> out;
  for (auto& [bit, name] : kNames)
    if (flags & bit) out.push_back(name);
  return out;
}

}  // namespace tessera
