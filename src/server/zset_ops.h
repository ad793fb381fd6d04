// The sorted-set pop core (Redis's genericZpopCommand and ZMPOP's argument parser), shared by
// ZPOPMIN/ZPOPMAX/ZMPOP in zset_family.cc and the blocking BZPOPMIN/BZPOPMAX/BZMPOP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "server/command.h"

namespace tessera {

class CommandContext;

// The reply shapes of a pop (scores are bulk strings in RESP2, doubles in RESP3):
enum class ZPopForm {
  kFlat,       // [m1, s1, m2, s2, ...]       ZPOPMIN/ZPOPMAX in RESP2, or without COUNT
  kNested,     // [[m1, s1], [m2, s2], ...]   ZPOPMIN/ZPOPMAX with COUNT in RESP3
  kKeyFlat,    // [key, m1, s1, ...]          BZPOPMIN/BZPOPMAX (count 1), RESP2 and RESP3
  kKeyNested,  // [key, [[m1, s1], ...]]      ZMPOP/BZMPOP, RESP2 and RESP3
};

enum class ZPopResult {
  kPopped,     // replied with the popped elements
  kWrongType,  // replied WRONGTYPE (a key before the first sorted set holds another type)
  kNone,       // every key is absent; nothing replied (ZMPOP replies a null array, B* block)
};

// Pops from the first of `keys` that exists, in order, as Redis's genericZpopCommand: a key of
// another type met first gets WRONGTYPE. Pops min(count, size) elements (count >= 1) from the
// low end (max = false, ascending) or the high end (max = true, descending), replies them in
// `form` naming the key, deletes the key when it empties and counts the changes as dirty.
ZPopResult ZPopFirst(CommandContext& ctx, std::span<const std::string> keys, bool max,
                     int64_t count, ZPopForm form);

// ZPopFirst on one key: true when it popped and replied; false when the key is absent (nothing
// replied) or holds another type (WRONGTYPE replied).
bool ZPopReply(CommandContext& ctx, const std::string& key, bool max, int64_t count, ZPopForm form);

// "numkeys key [key ...] MIN|MAX [COUNT count]" (ZMPOP from argument 1, BZMPOP from 2).
struct ZMPopArgs {
  size_t first_key = 0;  // argument index of the first key
  size_t numkeys = 0;
  bool max = false;
  int64_t count = 1;
};
// Parses the arguments from `numkeys_idx` with Redis's checks and errors ("numkeys should be
// greater than 0", "count should be greater than 0", syntax errors); false after replying.
bool ParseZMPopArgs(CommandContext& ctx, size_t numkeys_idx, ZMPopArgs* out);
// The key positions of such a command, for CommandSpec::MovableKeys (none when numkeys is
// invalid: the handler then replies the error without touching a key).
std::vector<int> ZMPopKeyPositions(ArgList args, size_t numkeys_idx);

}  // namespace tessera
