// Keyspace notifications: class flags and publishing (see notify.h).
#include "server/notify.h"

#include "server/pubsub.h"
#include "server/server.h"

namespace tessera {
namespace {

// In Redis's order for printing; 'A' covers the classes flagged `in_all`.
struct ClassChar {
  char c;
  NotifyClass cls;
  bool in_all;
};
constexpr ClassChar kClasses[] = {
    {'g', NotifyClass::kGeneric, true},   {'$', NotifyClass::kString, true},
    {'l', NotifyClass::kList, true},      {'s', NotifyClass::kSet, true},
    {'h', NotifyClass::kHash, true},      {'z', NotifyClass::kZset, true},
    {'x', NotifyClass::kExpired, true},   {'e', NotifyClass::kEvicted, true},
    {'t', NotifyClass::kStream, true},    {'d', NotifyClass::kModule, true},
    {'n', NotifyClass::kNew, false},      {'K', NotifyClass::kKeyspace, false},
    {'E', NotifyClass::kKeyevent, false}, {'m', NotifyClass::kKeyMiss, false},
};

constexpr int64_t AllFlags() {
  int64_t all = 0;
  for (const ClassChar& c : kClasses)
    if (c.in_all) all |= static_cast<int64_t>(c.cls);
  return all;
}

}  // namespace

int64_t ParseNotifyFlags(std::string_view classes) {
  int64_t flags = 0;
  for (char ch : classes) {
    if (ch == 'A') {
      flags |= AllFlags();
      continue;
    }
    const ClassChar* found = nullptr;
    for (const ClassChar& c : kClasses)
      if (c.c == ch) found = &c;
    if (!found) return -1;
    flags |= static_cast<int64_t>(found->cls);
  }
  return flags;
}

std::string FormatNotifyFlags(int64_t flags) {
  std::string out;
  bool all = (flags & AllFlags()) == AllFlags();
  if (all) out += 'A';
  // Redis prints 'n' among the classes 'A' replaces, so "A" hides it (7.0 behaviour).
  for (const ClassChar& c : kClasses) {
    bool with_classes = c.in_all || c.cls == NotifyClass::kNew;
    if ((all && with_classes) || !(flags & static_cast<int64_t>(c.cls))) continue;
    out += c.c;
  }
  return out;
}

void NotifyKeyspaceEvent(Server& server, NotifyClass cls, std::string_view event,
                         std::string_view key, int db) {
  int64_t flags = server.config().notify_keyspace_events;
  if (!NotifyEnabled(flags, cls) || server.loading()) return;
  std::string prefix = "@" + std::to_string(db) + "__:";
  PubSub& ps = server.pubsub();
  if (NotifyEnabled(flags, NotifyClass::kKeyspace))
    ps.Publish(PubSub::kChannel, "__keyspace" + prefix + std::string(key), event);
  if (NotifyEnabled(flags, NotifyClass::kKeyevent))
    ps.Publish(PubSub::kChannel, "__keyevent" + prefix + std::string(event), key);
}

}  // namespace tessera
