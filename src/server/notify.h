// Keyspace notifications (Redis's notify-keyspace-events): events about keys published on
// `__keyspace@<db>__:<key>` (message: the event) and `__keyevent@<db>__:<event>` (message: the
// key) through the ordinary pub/sub path (server/pubsub.h), from whichever shard thread runs
// the command. Handlers call CommandContext::Notify; expiry and eviction reach here from core
// through Keyspace's key-event hook.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

class Server;

// The event classes, bit for bit as Redis's NOTIFY_* flags.
enum class NotifyClass : uint32_t {
  kKeyspace = 1 << 0,  // K
  kKeyevent = 1 << 1,  // E
  kGeneric = 1 << 2,   // g
  kString = 1 << 3,    // $
  kList = 1 << 4,      // l
  kSet = 1 << 5,       // s
  kHash = 1 << 6,      // h
  kZset = 1 << 7,      // z
  kExpired = 1 << 8,   // x
  kEvicted = 1 << 9,   // e
  kStream = 1 << 10,   // t
  kKeyMiss = 1 << 11,  // m
  kModule = 1 << 12,   // d
  kNew = 1 << 13,      // n
};

// Parses a notify-keyspace-events value (Redis's keyspaceEventsStringToFlags); -1 when it
// holds a character that names no class.
int64_t ParseNotifyFlags(std::string_view classes);
// The canonical form CONFIG GET shows (Redis's keyspaceEventsFlagsToString).
std::string FormatNotifyFlags(int64_t flags);

// Whether `flags` (Config::notify_keyspace_events) enables class `cls`: the one test a
// command pays when notifications are off.
inline bool NotifyEnabled(int64_t flags, NotifyClass cls) {
  return (flags & static_cast<int64_t>(cls)) != 0;
}

// Publishes event `event` of class `cls` about `key` in database `db`, if enabled. Must run on
// a shard thread; does nothing while start-up recovery replays the log.
void NotifyKeyspaceEvent(Server& server, NotifyClass cls, std::string_view event,
                         std::string_view key, int db);

}  // namespace tessera
