// The list pop and move cores, shared by the list commands (list_family.cc) and the blocking
// list commands (BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH), which call them with the key that
// became ready. Both run inside a command (single- or multi-shard): they reach every key through
// ctx.DbFor, look keys up for writing (ctx.LookupWrite: no keyspace hit/miss counted, access
// clock refreshed, as Redis's lookupKeyWrite), delete a list once it is empty and count dirty
// changes as Redis does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "server/command.h"

namespace tessera {

class CommandContext;

// How ListPopReply frames the elements it pops.
enum class ListPopFrame : uint8_t {
  kBulk,      // the one popped element as a bulk string (LPOP key)
  kArray,     // an array of the popped elements (LPOP key count)
  kKeyBulk,   // a 2-array [key, element] (BLPOP, BRPOP)
  kKeyArray,  // a 2-array [key, array of the popped elements] (LMPOP, BLMPOP)
};

// Pops from the head (`left`) or the tail of the list at `key` and replies:
//   - `key` holds a list: pops min(count, length) elements (exactly one for kBulk and kKeyBulk,
//     where `count` is ignored; otherwise count must be >= 1), replies them in pop order framed
//     as `frame`, deletes the key if the list is now empty, adds the number popped to the dirty
//     counter; returns true.
//   - `key` holds another type: replies the WRONGTYPE error, changes nothing, sets *wrongtype
//     (when non-null); returns true.
//   - `key` does not exist: replies nothing, changes nothing; returns false.
// A list is never empty (empty lists are deleted), so "exists" means "has an element to pop".
bool ListPopReply(CommandContext& ctx, const std::string& key, bool left, int64_t count,
                  ListPopFrame frame, bool* wrongtype = nullptr);

enum class ListPopResult : uint8_t {
  kPopped,     // popped from a key and replied
  kWrongType,  // a key before the first list holds another type: WRONGTYPE replied
  kNone,       // every key is absent: nothing replied, nothing changed
};

// ListPopReply on each of `keys` in order until one replies (Redis's mpopGenericCommand, and
// the non-blocking path of BLPOP/BRPOP/BLMPOP): the first key holding a list is popped from;
// a key of another type met before it stops the scan with WRONGTYPE.
ListPopResult ListPopFirst(CommandContext& ctx, std::span<const std::string> keys, bool left,
                           int64_t count, ListPopFrame frame);

// "numkeys key [key ...] LEFT|RIGHT [COUNT count]" (LMPOP from argument 1, BLMPOP from 2).
struct LMPopArgs {
  size_t first_key = 0;  // argument index of the first key
  size_t numkeys = 0;
  bool left = true;
  int64_t count = 1;  // 1 when COUNT is not given
};
// Parses the arguments from `numkeys_idx` on with Redis 7.0's checks, in its order, and errors
// ("numkeys should be greater than 0", a syntax error when the keys run past the arguments or
// LEFT|RIGHT is wrong, "count should be greater than 0", a syntax error for anything else or a
// repeated COUNT); false after replying the error.
bool ParseLMPopArgs(CommandContext& ctx, size_t numkeys_idx, LMPopArgs* out);
// The key positions of such a command, for CommandSpec::MovableKeys: none when numkeys is not a
// positive integer or runs past the arguments (the handler then replies the error before
// touching a key).
std::vector<int> LMPopKeyPositions(ArgList args, size_t numkeys_idx);

enum class ListMoveResult : uint8_t {
  kMoved,      // moved; the element was replied as a bulk string
  kNoSource,   // `src` does not exist: nothing replied, nothing changed
  kWrongType,  // `src`, or (when `src` exists) `dst`, holds another type: the WRONGTYPE error
               // was replied, nothing changed
};

// LMOVE's core: pops one element from the head (`from_left`) or tail of the list at `src` and
// pushes it onto the head (`to_left`) or tail of the list at `dst` (created when absent; the
// push happens after the pop, so src == dst rotates the list), deletes `src` when emptied, and
// replies the element as a bulk string; counts one dirty change. `src` and `dst` may live on
// different shards (the command must declare both keys). Checks, in Redis's order: src missing
// -> kNoSource; src not a list -> kWrongType; dst not a list -> kWrongType.
ListMoveResult ListMoveReply(CommandContext& ctx, const std::string& src, const std::string& dst,
                             bool from_left, bool to_left);

}  // namespace tessera
