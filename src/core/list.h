// Redis lists: a quicklist, i.e. a ring of chunks ("nodes"), each one buffer of packed elements,
// with O(1) push and pop at both ends. Pure data structure: no protocol code.
//
// Design. A node is a single allocation: a 16-byte header {cap, begin, end, count} followed by
// `cap` bytes of data, of which [begin, end) holds the elements back to back. Free space may
// lie on both sides of the elements, so pushes at either end of a node are O(1) (no memmove,
// unlike a listpack); when a node must grow, it moves to the next allocator size class
// (~1/8 more), and the free space goes to the side being pushed.
//
// Each element is encoded as in a Redis listpack: a header byte (small ints and short strings
// in one byte), the payload, then a back-length of 1-5 bytes that lets a reader walk backwards:
//
//   0xxxxxxx                   int 0..127                       (no payload)
//   10LLLLLL                   string, length 0..63             + bytes
//   110vvvvv vvvvvvvv          int13, -4096..4095
//   1110LLLL LLLLLLLL          string, length 64..4095          + bytes
//   11110000 L32               string, any length (LE u32)      + bytes
//   11110001/2/3/4             int16 / int24 / int32 / int64    (LE payload of 2/3/4/8 bytes)
//   backlen                    size of header+payload, 7 bits per byte, low group last; every
//                              byte but the first has bit 7 set
//
// Elements that are canonical integers (as Redis's string2ll accepts) are stored as integers,
// so an element reads back as the same bytes either way.
//
// Nodes are capped by list-max-listpack-size ("fill"): a negative fill caps a node's bytes
// (header included) at 4 KB (-1), 8 KB (-2), 16 KB, 32 KB, 64 KB (-5 and below); a positive fill
// caps its element count (and its bytes at 8 KB, Redis's safety limit). One element bigger than
// the cap gets a node of its own. The ring of node pointers grows by doubling; a list of one
// node keeps its pointer inside the List object.
//
// MemoryUsage() is O(1): a counter of the allocation sizes (the List, the ring, every node),
// kept up to date by every mutation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/value.h"

namespace tessera {

// One element as stored: bytes, or the integer for an element that is a canonical integer.
// `str` points into the list and is valid until the list's next mutation.
struct ListElem {
  // Room View() needs to format any int64.
  static constexpr size_t kIntBuf = 24;

  std::string_view str;
  int64_t num = 0;
  bool is_int = false;

  // The element's bytes: `str`, or the integer formatted into `buf`.
  std::string_view View(char (&buf)[kIntBuf]) const;
  std::string ToString() const;
};

// A value compared against many elements (LREM, LPOS, LINSERT's pivot), parsed once.
class ListMatcher {
 public:
  explicit ListMatcher(std::string_view s);
  bool Matches(const ListElem& e) const {
    return e.is_int ? (is_int_ && e.num == num_) : (!is_int_ && e.str == s_);
  }

 private:
  std::string_view s_;
  int64_t num_ = 0;
  bool is_int_ = false;
};

class List final : public Object {
 public:
  struct Node;
  class Iterator;

  // Largest element a list holds (Redis's LIST_MAX_ITEM_SIZE).
  static constexpr size_t kMaxElementSize = (size_t{1} << 32) - 1024;

  // `fill` is list-max-listpack-size (see the top of this file); it is fixed at creation, as in
  // Redis (CONFIG SET changes only lists created afterwards).
  explicit List(int64_t fill = -2);
  ~List() override;
  List(const List&) = delete;
  List& operator=(const List&) = delete;

  ValueType type() const override { return ValueType::kList; }
  // Redis 7.0 reports every list as "quicklist".
  const char* encoding() const override { return "quicklist"; }
  std::unique_ptr<Object> Clone() const override;
  size_t MemoryUsage() const override { return bytes_; }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Number of nodes (for tests and introspection).
  size_t nodes() const { return nnodes_; }

  // Elements must be at most kMaxElementSize bytes.
  void PushFront(std::string_view v);
  void PushBack(std::string_view v);

  // The first / last element; the list must not be empty.
  ListElem Front() const;
  ListElem Back() const;
  // Remove the first / last `n` elements (n <= size()).
  void PopFront(size_t n = 1);
  void PopBack(size_t n = 1);

  // The element at `index` (0 <= index < size()). O(nodes + node size).
  ListElem At(size_t index) const;
  // Replaces the element at `index` (0 <= index < size()).
  void Set(size_t index, std::string_view v);

  // Inserts `v` just before (or after) the first element, from the head, that `pivot`
  // matches; false (and nothing changes) when none does.
  bool Insert(const ListMatcher& pivot, bool after, std::string_view v);

  // Removes the elements `m` matches, scanning from the head (or from the tail), at most
  // `limit` of them (0 = all); returns how many it removed.
  size_t Remove(const ListMatcher& m, bool from_tail, size_t limit);

  // An iterator at element `index`, moving toward the tail (or, `reverse`, toward the head).
  // index == size() (or any index past the end) gives an iterator that is not valid().
  Iterator IterAt(size_t index, bool reverse) const;

  // Checks the internal invariants (counts, sizes, encodings); for tests. Aborts on failure.
  void CheckInvariants() const;

 private:
  friend class Iterator;
  enum class Side : uint8_t { kFront, kBack, kMiddle };

  Node* NodeAt(uint32_t i) const { return ring_[(head_ + i) & (ring_cap_ - 1)]; }
  Node*& SlotAt(uint32_t i) { return ring_[(head_ + i) & (ring_cap_ - 1)]; }
  bool Fits(const Node* n, size_t entry) const;
  // A new node with room for `data` bytes (free space on `side`), accounted.
  Node* NewNode(size_t data, Side side);
  void FreeNode(Node* n);
  // Re-allocates node `i` with room for `used` bytes of data (more than it holds), the new
  // room on `side` (kFront / kBack: all the free space there, or with `balanced` the slack
  // beyond the immediate need split between both ends; kMiddle: split); returns the node.
  Node* Grow(uint32_t i, size_t used, Side side, bool balanced);
  // Gives back capacity a node no longer needs after removals.
  void MaybeShrink(uint32_t i);
  void InsertNode(uint32_t pos, Node* n);
  void RemoveNode(uint32_t pos);
  void ResizeRing(uint32_t cap);
  // Opens (or closes) room at byte `at` (relative to begin) of node `i`, replacing `old_len`
  // bytes by `new_len` bytes; returns where the new bytes go.
  char* Splice(uint32_t i, size_t at, size_t old_len, size_t new_len);
  // Splits node `i` when it holds more than its limits allow (after an insert or a replace).
  void SplitIfOversized(uint32_t i);
  // Node index and byte offset of element `index`.
  void Locate(size_t index, uint32_t* node, uint32_t* off) const;

  Node** ring_;                  // ring of node pointers, ring_cap_ slots (a power of two)
  Node* inline_slot_ = nullptr;  // the ring while ring_cap_ == 1
  uint32_t head_ = 0;            // ring index of the first node
  uint32_t nnodes_ = 0;
  uint32_t ring_cap_ = 1;
  uint32_t data_limit_;   // max data bytes of a node holding more than one element
  uint32_t count_limit_;  // max elements of a node
  int32_t fill_;
  size_t count_ = 0;
  size_t bytes_;  // MemoryUsage()
};

// Walks elements in one direction. Invalidated by any mutation of the list.
class List::Iterator {
 public:
  bool valid() const { return valid_; }
  ListElem Get() const;
  void Next();

 private:
  friend class List;
  const List* list_ = nullptr;
  uint32_t node_ = 0;  // node index (0 = first node)
  uint32_t off_ = 0;   // byte offset of the current element in the node's data
  bool reverse_ = false;
  bool valid_ = false;
};

}  // namespace tessera
