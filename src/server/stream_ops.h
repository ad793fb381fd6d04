// Helpers shared by the stream command files (stream_family.cc, stream_group_family.cc):
// Redis's stream ID parsing, entry replies, and the consumer-group reads and claims that
// XREADGROUP (and its blocked form), XCLAIM and XAUTOCLAIM share, with what they log.
#pragma once

#include <string>
#include <vector>

#include "core/stream.h"
#include "server/command_context.h"

namespace tessera {

using LogParts = std::vector<std::vector<std::string>>;

// streamGenericParseIDOrReply: "<ms>[-<seq>]", "-" and "+" (unless strict); a missing sequence
// is `missing_seq`. With `seq_given`, "<ms>-*" is accepted and sets *seq_given false. False after
// replying "ERR Invalid stream ID specified as stream command argument" (when ctx is not null).
bool ParseStreamID(CommandContext* ctx, std::string_view arg, StreamID* id, uint64_t missing_seq,
                   bool strict, bool* seq_given = nullptr);
// streamParseIntervalIDOrReply: "(" makes the bound exclusive (then strict).
bool ParseIntervalID(CommandContext& ctx, std::string_view arg, StreamID* id, bool* exclusive,
                     uint64_t missing_seq);

void ReplyStreamID(ReplyBuilder& rb, StreamID id);
// [id, [field, value, ...]]
void ReplyEntry(ReplyBuilder& rb, const StreamEntryView& e);
// The entry `id` as ReplyEntry; false (nothing written) when it does not exist.
bool ReplyEntryById(ReplyBuilder& rb, const Stream& s, StreamID id);
// The entries of [start, end] (at most count, 0 = all) as an array; returns how many.
size_t ReplyRange(ReplyBuilder& rb, const Stream& s, StreamID start, StreamID end, uint64_t count,
                  bool rev);

// An XGROUP or XINFO subcommand's spec (HELP runs locally; the others on the key's shard).
CommandSpec StreamSubcommand(std::string name, int arity, uint32_t flags, Handler h,
                             std::string summary);

// The stream at `key` for reading / writing: nullptr when absent; *wrong after WRONGTYPE.
Stream* StreamOf(Entry* e);

// `parts` when the write-ahead log is on, else nullptr: the log parts below are built only
// when something will record them.
LogParts* LogTo(CommandContext& ctx, LogParts* parts);

// The log's form of a claim (Redis's streamPropagateXCLAIM): XCLAIM with the NACK's exact
// delivery time and count, FORCE JUSTID, so replay recreates the pending entry as it is.
std::vector<std::string> XClaimPart(const std::string& key, const std::string& group,
                                    const std::string& consumer, StreamID id, const StreamNack& n);
// XGROUP SETID key group <last-id> ENTRIESREAD <n>: the group cursor as it is.
std::vector<std::string> SetIdPart(const std::string& key, const std::string& group,
                                   const StreamGroup& g);

struct GroupRead {
  const std::string* key;
  const std::string* group;
  const std::string* consumer;
  StreamID after;  // entries above it (history: in the consumer's PEL; else new ones)
  bool history = false;
  bool noack = false;
  uint64_t count = 0;  // 0 = all
};
// XREADGROUP on one stream: replies the entries array to `out`, updates the group, appends the
// log parts to *log (when not null).
void ReadGroup(CommandContext& ctx, ReplyBuilder& out, Stream& s, StreamGroup& g,
               const GroupRead& r, LogParts* log);

}  // namespace tessera
