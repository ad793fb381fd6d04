// Redis streams: entries with 128-bit IDs in nodes of delta-encoded listpacks, consumer groups
// with their pending-entries lists, and Tessera's idempotent-producer table. Pure data
// structure: no protocol code (commands in server/stream_family.cc, docs/streams.md).
//
// Design. The entries live in nodes keyed by their master ID (std::map, in ID order, standing in
// for Redis's radix tree). Each node is one buffer holding a Redis listpack in the exact layout
// t_stream.c writes, so RDB type 19 saves and loads a node as is:
//
//   master entry:  count | deleted | num-fields | field_1 ... field_N | 0
//   entry:         flags | ms-diff | seq-diff | [num-fields | field_1 value_1 ...] | lp-count
//                  (flags SAMEFIELDS: the master's fields, only the values are stored)
//
// IDs are stored as differences from the node's master ID; an entry whose field names equal the
// master's stores only its values. XDEL marks an entry deleted (flag bit 0) and counts it in the
// master entry; a node whose entries are all deleted is dropped. A node is closed at
// kNodeMaxBytes bytes or kNodeMaxEntries entries (Redis's stream-node-max-bytes/-entries
// defaults), so node boundaries (XINFO's radix-tree-keys, approximate trimming) match Redis.
//
// Consumer groups keep Redis's structure: a group PEL (ID -> delivery time, delivery count,
// owning consumer) and per consumer the set of IDs it owns.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/list.h"
#include "core/value.h"

namespace tessera {

struct StreamID {
  uint64_t ms = 0, seq = 0;

  auto operator<=>(const StreamID&) const = default;
  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() { return {UINT64_MAX, UINT64_MAX}; }
  bool IsZero() const { return ms == 0 && seq == 0; }
  // The next / previous ID; false (and 0-0 / max) when there is none (streamIncrID/DecrID).
  bool Incr();
  bool Decr();
  std::string ToString() const;  // "<ms>-<seq>"
};

// One element of an entry: a field or a value, as stored (see ListElem).
using StreamElem = ListElem;

// An entry as read: its ID and field, value, field, value ... (valid until the next mutation).
struct StreamEntryView {
  StreamID id;
  std::span<const StreamElem> fv;
};

struct StreamConsumer;

// A pending entry: delivered to `consumer`, not yet acknowledged (Redis's streamNACK).
struct StreamNack {
  int64_t delivery_time = 0;  // ms
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;  // ms: last read or claim
  std::set<StreamID> pel;
};

struct StreamGroup {
  static constexpr int64_t kInvalidEntriesRead = -1;  // SCG_INVALID_ENTRIES_READ

  StreamID last_id;
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamID, StreamNack> pel;
  std::map<std::string, std::unique_ptr<StreamConsumer>, std::less<>> consumers;  // byte order

  StreamConsumer* FindConsumer(std::string_view name);
  // Creates `name` (seen now); nullptr when it exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Deletes `name` and its pending entries; returns how many it had, or -1 when absent.
  int64_t DeleteConsumer(std::string_view name);
  // Makes `id` pending for `c` (taking it from its previous owner) with the given metadata.
  StreamNack& Assign(StreamID id, StreamConsumer* c, int64_t delivery_time, uint64_t count);
  // Drops `id` from the PEL (and its consumer's); false when it was not pending.
  bool Ack(StreamID id);
};

// Tessera's idempotent producers (XADD ... IDMP <producer> <seq>): the highest sequence stored
// per producer and the ID that append got.
struct StreamProducer {
  uint64_t seq = 0;
  StreamID id;
};

class Stream final : public Object {
 public:
  static constexpr size_t kNodeMaxBytes = 4096;    // stream-node-max-bytes
  static constexpr int64_t kNodeMaxEntries = 100;  // stream-node-max-entries
  // Largest total of field and value bytes one entry may hold (STREAM_LISTPACK_MAX_SIZE).
  static constexpr size_t kMaxEntryBytes = size_t{1} << 30;

  Stream() = default;
  ValueType type() const override { return ValueType::kStream; }
  const char* encoding() const override { return "stream"; }
  std::unique_ptr<Object> Clone() const override;
  // O(groups): the nodes' bytes are a running count; groups add fixed costs per pending entry
  // and consumer.
  size_t MemoryUsage() const override;

  uint64_t length() const { return length_; }
  size_t nodes() const { return nodes_.size(); }
  StreamID last_id() const { return last_id_; }
  StreamID first_id() const { return first_id_; }  // recorded-first-entry-id
  StreamID max_deleted_id() const { return max_deleted_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(StreamID id) { last_id_ = id; }
  void set_max_deleted_id(StreamID id) { max_deleted_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }

  // The ID XADD * would give at `now_ms` (streamNextID); false when last_id is the maximum.
  bool NextId(uint64_t now_ms, StreamID* out) const;
  // Appends an entry with `id` (> last_id()) and `fv` = field, value, ... (an even count >= 2).
  void Append(StreamID id, std::span<const std::string> fv);

  // Calls fn for the live entries with start <= ID <= end, ascending (or descending with
  // `rev`), until it returns false.
  void Range(StreamID start, StreamID end, bool rev,
             const std::function<bool(const StreamEntryView&)>& fn) const;
  bool Exists(StreamID id) const;
  // The first (or last) live entry's ID; false when the stream is empty.
  bool EdgeId(bool first, StreamID* out) const;

  // XDEL of one ID: false when no live entry has it. Updates first/max-deleted IDs.
  bool Delete(StreamID id);

  struct Trim {
    enum Strategy { kMaxLen, kMinId } strategy = kMaxLen;
    uint64_t maxlen = 0;
    StreamID minid;
    bool approx = false;
    int64_t limit = 0;  // 0 = none
  };
  // streamTrim: removes whole nodes, then (unless approx) marks entries inside the next one;
  // returns the number of entries removed.
  int64_t DoTrim(const Trim& t);

  // The number of entries up to and including `id` ever added, or kInvalidEntriesRead when it
  // cannot be known (streamEstimateDistanceFromFirstEverEntry).
  int64_t EstimateDistance(StreamID id) const;
  // Whether a deleted entry may lie in [start, end] (streamRangeHasTombstones).
  bool RangeHasTombstones(StreamID start, StreamID end) const;
  // The group's lag, or nullopt when unknown (streamReplyWithCGLag).
  std::optional<int64_t> Lag(const StreamGroup& g) const;

  StreamGroup* FindGroup(std::string_view name);
  // nullptr when `name` exists.
  StreamGroup* CreateGroup(std::string_view name, StreamID last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>& groups() const {
    return groups_;
  }

  std::map<std::string, StreamProducer>& producers() { return producers_; }
  const std::map<std::string, StreamProducer>& producers() const { return producers_; }

  // The nodes as Redis listpacks by master ID (for RDB), and loading one back, appended after
  // the others. LoadNode checks the node's stream structure (the listpack's own framing must
  // have been checked) and adds its live entries to *live; false with a reason in *why.
  const std::map<StreamID, std::string>& raw_nodes() const { return nodes_; }
  bool LoadNode(StreamID master, std::string lp, uint64_t* live, std::string* why);
  void set_length(uint64_t n) { length_ = n; }
  void set_first_id(StreamID id) { first_id_ = id; }

 private:
  std::map<StreamID, std::string> nodes_;
  size_t node_bytes_ = 0;  // the nodes' allocations, kept by every node change
  uint64_t length_ = 0;
  StreamID last_id_, first_id_, max_deleted_;
  uint64_t entries_added_ = 0;
  std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>> groups_;
  std::map<std::string, StreamProducer> producers_;
};

}  // namespace tessera
