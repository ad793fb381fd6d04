// Redis sorted sets as a pure data structure (no protocol code): ZSet with Redis 7.0's two
// encodings, "listpack" and "skiplist", and the operations the sorted-set commands are built from.
//
// Design.
//   listpack  One buffer of entries in (score, member) order, each
//                 varint member_len | member bytes | score | backlen
//             where the score is a varint V: V even is the integer unzigzag(V >> 1) (integral
//             scores of magnitude below 2^53 take 1-8 bytes), V == 1 is followed by the 8 raw
//             bytes of the double; backlen is the entry's length without itself, as a varint
//             read backwards, so iteration runs both ways (as Redis's listpack). Lookups are
//             linear scans, as in Redis; the encoding limits keep the buffer small. -0 is stored
//             as 0, as Redis's listpack does.
//   skiplist  (the name Redis reports; the structure is not a skiplist) An order-statistic B+tree
//             of (score, member) plus a member table:
//             - each member is one allocation, "elem": varint len | bytes | score, the score
//               encoded as in the listpack (so "m:123456" with an integer score is 14 bytes, in
//               the allocator's 16-byte class); -0 keeps its sign here, as in Redis's skiplist;
//             - tree leaves hold up to 62 (score, elem*) pairs in key order and are linked both
//               ways; inner nodes hold up to 63 children with each child's element count and
//               the exact minimum key of each child but the first (so ranks are O(log n): ZRANK,
//               ZRANGE by index, random members). A full leaf first passes entries to a sibling
//               with room (B*-tree style, ~80% fill under random inserts); splits at the right
//               (left) edge leave the old node full, so ascending (descending) inserts pack
//               leaves. Erasing descends top-down, merging or rebalancing thin children on the
//               way, so no node ever empties;
//             - the member table is open addressing with linear probing (load <= 0.8,
//               backward-shift deletion, no tombstones) of 8-byte slots: the elem pointer and
//               the top 20 bits of the member's hash. A member's home slot is the top bits of
//               its hash, so resizing needs no rehash while the table has <= 2^20 slots, and a
//               scan cursor is a position in hash space that survives resizes (every member
//               present for a whole ZSCAN is returned at least once; some may repeat after a
//               shrink), like Redis's reverse-binary dictScan.
//             Per member of a 1M-member set (bench/memory.py types --kind zset: "m:<i>", random
//             integer scores): 16 (elem) + ~20 (leaf) + ~17 (table slot) = 53 bytes of
//             used_memory; Redis 7.0 uses 110.
// Conversion listpack -> skiplist at zset-max-listpack-entries / -value, never back (Redis).
//
// Lex ranges compare members only (Redis's ZRANGEBYLEX family assumes equal scores): on the
// listpack they use Redis's linear scans (so mixed scores give Redis's exact answers), on the
// tree a binary search (Redis leaves the answer for mixed scores unspecified there).
//
// Memory: MemoryUsage() is O(1), from counters kept as elements and nodes come and go, each
// allocation rounded up to the allocator's size class.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/encoding.h"
#include "core/value.h"

namespace tessera {

// One end of a score range: "(1.5" is {1.5, exclusive}.
struct ScoreBound {
  double value = 0;
  bool exclusive = false;
};

// One end of a lex range: "-", "+", "[abc" or "(abc". `value` is not owned.
struct LexBound {
  enum Kind : uint8_t { kMin, kMax, kValue };
  Kind kind = kMin;
  bool exclusive = false;
  std::string_view value;
};

// Redis's range predicates (zslValueGteMin, zslLexValueLteMax, ...).
inline bool ScoreGteMin(double v, const ScoreBound& min) {
  return min.exclusive ? v > min.value : v >= min.value;
}
inline bool ScoreLteMax(double v, const ScoreBound& max) {
  return max.exclusive ? v < max.value : v <= max.value;
}
// Redis's sdscmp: bytewise, a prefix sorts first.
int CompareMembers(std::string_view a, std::string_view b);
bool LexGteMin(std::string_view v, const LexBound& min);
bool LexLteMax(std::string_view v, const LexBound& max);
// Whether a range can hold nothing whatever the set (min > max, or equal with one open end).
bool ScoreRangeEmpty(const ScoreBound& min, const ScoreBound& max);
bool LexRangeEmpty(const LexBound& min, const LexBound& max);

// ZADD's input flags and Add()'s result flags (Redis's ZADD_IN_* / ZADD_OUT_*).
enum ZAddIn : int { kZAddNx = 1, kZAddXx = 2, kZAddGt = 4, kZAddLt = 8, kZAddIncr = 16 };
enum ZAddOut : int { kZAddNan = 1, kZAddAdded = 2, kZAddUpdated = 4, kZAddNop = 8 };

using ZSetRng = uint64_t (*)();

class ZSet final : public Object {
 public:
  static constexpr size_t npos = SIZE_MAX;

  // An empty set in the listpack encoding, or the skiplist one when `big`.
  explicit ZSet(bool big = false);
  ~ZSet() override;
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;

  ValueType type() const override { return ValueType::kZSet; }
  const char* encoding() const override { return big_ ? "skiplist" : "listpack"; }
  std::unique_ptr<Object> Clone() const override;
  size_t MemoryUsage() const override;
  // MemoryUsage recomputed by walking the whole structure (tests compare the two).
  size_t SlowMemoryUsage() const;
  // Checks every structural invariant (tests); false with a reason in *why.
  bool Validate(std::string* why) const;

  bool is_listpack() const { return big_ == nullptr; }
  size_t size() const;
  bool empty() const { return size() == 0; }

  // Redis's zsetAdd: adds or updates `member` following `flags` (ZAddIn). A new member that
  // would break `limits` converts the listpack first. Returns ZAddOut flags; kZAddNan (score or
  // resulting score NaN) means nothing changed. *newscore gets the score after the operation
  // when the member was added, updated or left as is by an INCR of 0.
  int Add(std::string_view member, double score, int flags, const EncodingLimits& limits,
          double* newscore = nullptr);
  // Adds a member known to be absent (converting as Add does).
  void Insert(std::string_view member, double score, const EncodingLimits& limits);
  bool Remove(std::string_view member);
  std::optional<double> Score(std::string_view member) const;
  // 0-based rank in ascending order, or nullopt.
  std::optional<size_t> Rank(std::string_view member) const;

  // Iteration in (score, member) order. An Iter is valid until the set is modified.
  class Iter {
   public:
    bool valid() const { return valid_; }
    std::string_view member() const { return member_; }
    double score() const { return score_; }
    void Next();
    void Prev();

   private:
    friend class ZSet;
    const ZSet* z_ = nullptr;
    const void* node_ = nullptr;  // leaf (skiplist) or entry (listpack)
    uint32_t idx_ = 0;
    bool valid_ = false;
    std::string_view member_;
    double score_ = 0;
    void Load();
  };
  // The element at `rank` (invalid when out of range).
  Iter At(size_t rank) const;

  // Ranks of Redis's first / last element of a range (zslFirstInRange, zzlLastInLexRange, ...),
  // or npos. Iterating from there while the other end's predicate holds gives Redis's range.
  size_t FirstInScore(const ScoreBound& min, const ScoreBound& max) const;
  size_t LastInScore(const ScoreBound& min, const ScoreBound& max) const;
  size_t FirstInLex(const LexBound& min, const LexBound& max) const;
  size_t LastInLex(const LexBound& min, const LexBound& max) const;
  // ZCOUNT / ZLEXCOUNT.
  size_t CountInScore(const ScoreBound& min, const ScoreBound& max) const;
  size_t CountInLex(const LexBound& min, const LexBound& max) const;
  // Removes ranks [lo, hi) (ZREMRANGEBYRANK, pops).
  void EraseRanks(size_t lo, size_t hi);
  // ZREMRANGEBYSCORE / ZREMRANGEBYLEX: the number removed.
  size_t EraseScoreRange(const ScoreBound& min, const ScoreBound& max);
  size_t EraseLexRange(const LexBound& min, const LexBound& max);

  // A uniformly random rank's element.
  Iter Random(ZSetRng rnd) const;

  // One ZSCAN step on the skiplist encoding: calls emit(member, score) for the members of the
  // cursor's position and returns the next cursor (0 at the end). The listpack emits
  // everything and returns 0.
  template <typename F>
  uint64_t ScanStep(uint64_t cursor, F&& emit) const {
    using Fn = std::remove_reference_t<F>;
    struct Thunk {
      static void Call(void* f, std::string_view m, double s) { (*static_cast<Fn*>(f))(m, s); }
    };
    return ScanStepImpl(cursor, &Thunk::Call, const_cast<void*>(static_cast<const void*>(&emit)));
  }

  // Converts the listpack to the skiplist encoding (sized for the current count).
  void ConvertToSkiplist();
  // Presizes the skiplist encoding's member table for n members.
  void Reserve(size_t n);

 private:
  struct Big;
  uint64_t ScanStepImpl(uint64_t cursor, void (*fn)(void*, std::string_view, double),
                        void* arg) const;
  // listpack helpers
  size_t LpFind(std::string_view member, double* score) const;  // byte offset or npos
  void LpInsert(std::string_view member, double score);
  void LpEraseAt(size_t off, size_t count);  // `count` entries from byte offset `off`
  size_t LpOffsetOfRank(size_t rank) const;
  void LpReserve(size_t bytes);

  // listpack encoding: buffer, its used and allocated bytes, and the entry count
  char* lp_ = nullptr;
  uint32_t lp_bytes_ = 0;
  uint32_t lp_cap_ = 0;
  uint32_t lp_count_ = 0;
  // skiplist encoding (lp_ unused then)
  Big* big_ = nullptr;
};

}  // namespace tessera
