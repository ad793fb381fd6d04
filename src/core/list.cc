// The quicklist behind Redis lists: element encoding, node buffers and the ring of nodes (see
// list.h for the layout).
#include "core/list.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/malloc.h"
#include "base/strings.h"
#include "base/varint.h"
#include "core/packed.h"

namespace tessera {

struct List::Node {
  uint32_t cap;    // bytes of data after the header
  uint32_t begin;  // offset of the first element
  uint32_t end;    // offset just past the last element
  uint32_t count : 30;
  uint32_t last_grow : 2;  // the Side a push last grew the node for (kMiddle = none yet)
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t used() const { return end - begin; }
};

using namespace packed;  // NOLINT: the element codec shared with streams

namespace {

constexpr size_t kHdr = sizeof(List::Node);
static_assert(kHdr == 16);
constexpr uint32_t kMaxNodeCount = (1u << 30) - 1;
constexpr uint32_t kSafetyLimit = 8192;  // Redis's SIZE_SAFETY_LIMIT for count-capped nodes
// Data capacity of a node opened at an end of a list that already has nodes (more pushes are
// likely to follow).
constexpr size_t kNextNodeStart = 512 - kHdr;

// The data capacity of a node allocated to hold `want` data bytes (its allocation is a whole
// size class).
size_t CapFor(size_t want) {
  size_t a = MallocSizeClass(kHdr + want);
  if (a - kHdr > UINT32_MAX) a = kHdr + want;
  return a - kHdr;
}

size_t AllocSize(const List::Node* n) { return kHdr + n->cap; }

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "List invariant failed: %s\n", what);
    abort();
  }
}

}  // namespace

// --------------------------------------------------------------------------- ListElem
std::string_view ListElem::View(char (&buf)[kIntBuf]) const {
  if (!is_int) return str;
  auto r = std::to_chars(buf, buf + kIntBuf, num);
  return std::string_view(buf, r.ptr - buf);
}

std::string ListElem::ToString() const {
  char buf[kIntBuf];
  return std::string(View(buf));
}

ListMatcher::ListMatcher(std::string_view s) : s_(s) { is_int_ = AsInt(s, &num_); }

// --------------------------------------------------------------------------- List
List::List(int64_t fill) : ring_(&inline_slot_) {
  static constexpr uint32_t kLevels[] = {4096, 8192, 16384, 32768, 65536};
  if (fill < 0) {
    uint64_t level = 0 - static_cast<uint64_t>(fill);
    if (level > 5) level = 5;
    data_limit_ = static_cast<uint32_t>(kLevels[level - 1] - kHdr);
    count_limit_ = kMaxNodeCount;
  } else {
    data_limit_ = static_cast<uint32_t>(kSafetyLimit - kHdr);
    count_limit_ = fill == 0 ? 1 : static_cast<uint32_t>(std::min<int64_t>(fill, kMaxNodeCount));
  }
  fill_ = static_cast<int32_t>(std::clamp<int64_t>(fill, INT32_MIN, INT32_MAX));
  bytes_ = MallocSizeClass(sizeof(List));
}

List::~List() {
  for (uint32_t i = 0; i < nnodes_; ++i) std::free(NodeAt(i));
  if (ring_ != &inline_slot_) std::free(ring_);
}

std::unique_ptr<Object> List::Clone() const {
  auto c = std::make_unique<List>(fill_);
  c->data_limit_ = data_limit_;
  c->count_limit_ = count_limit_;
  if (nnodes_ > 1) c->ResizeRing(std::bit_ceil(nnodes_));
  for (uint32_t i = 0; i < nnodes_; ++i) {
    const Node* n = NodeAt(i);
    Node* m = c->NewNode(n->used(), Side::kBack);
    memcpy(m->data(), n->data() + n->begin, n->used());
    m->end = n->used();
    m->count = n->count;
    c->InsertNode(c->nnodes_, m);
  }
  c->count_ = count_;
  return c;
}

bool List::Fits(const Node* n, size_t entry) const {
  return n->count < count_limit_ && n->used() + entry <= data_limit_;
}

List::Node* List::NewNode(size_t data, Side side) {
  size_t cap = CapFor(data);
  Node* n = static_cast<Node*>(std::malloc(kHdr + cap));
  if (!n) abort();
  n->cap = static_cast<uint32_t>(cap);
  uint32_t at = side == Side::kFront  ? n->cap
                : side == Side::kBack ? 0
                                      : static_cast<uint32_t>((cap - data) / 2);
  n->begin = n->end = at;
  n->count = 0;
  n->last_grow = static_cast<uint32_t>(side);
  bytes_ += AllocSize(n);
  return n;
}

void List::FreeNode(Node* n) {
  bytes_ -= AllocSize(n);
  std::free(n);
}

List::Node* List::Grow(uint32_t i, size_t used, Side side, bool balanced) {
  Node* n = NodeAt(i);
  // One allocator size class up (~1/8 more): nodes stay tight, as a listpack does; the copying
  // this costs is a few bytes per byte pushed, on buffers of a few KB.
  size_t want = used + std::max<size_t>(used / 8, 16);
  if (want > data_limit_) want = std::max<size_t>(data_limit_, used);
  size_t cap = CapFor(want);
  size_t have = n->used();
  size_t free = cap - have;
  size_t extra = cap - used;  // free space beyond what the caller is about to write
  size_t begin;
  if (side == Side::kMiddle) {
    begin = free / 2;
  } else if (side == Side::kFront) {
    begin = balanced ? free - extra / 2 : free;
  } else {
    begin = balanced ? extra / 2 : 0;
  }
  if (cap == n->cap) {
    memmove(n->data() + begin, n->data() + n->begin, have);
  } else {
    Node* m = static_cast<Node*>(std::malloc(kHdr + cap));
    if (!m) abort();
    memcpy(m->data() + begin, n->data() + n->begin, have);
    m->cap = static_cast<uint32_t>(cap);
    m->count = n->count;
    bytes_ += AllocSize(m);
    FreeNode(n);
    SlotAt(i) = n = m;
  }
  n->begin = static_cast<uint32_t>(begin);
  n->end = static_cast<uint32_t>(begin + have);
  n->last_grow = static_cast<uint32_t>(side);
  return n;
}

void List::MaybeShrink(uint32_t i) {
  Node* n = NodeAt(i);
  size_t used = n->used();
  if (n->cap < 128 || used * 2 > n->cap) return;
  size_t cap = CapFor(used + used / 4);
  if (cap >= n->cap) return;
  Side side = nnodes_ == 1       ? Side::kMiddle
              : i == 0           ? Side::kFront
              : i + 1 == nnodes_ ? Side::kBack
                                 : Side::kMiddle;
  size_t free = cap - used;
  size_t begin = side == Side::kFront ? free : side == Side::kBack ? 0 : free / 2;
  Node* m = static_cast<Node*>(std::malloc(kHdr + cap));
  if (!m) abort();
  memcpy(m->data() + begin, n->data() + n->begin, used);
  m->cap = static_cast<uint32_t>(cap);
  m->begin = static_cast<uint32_t>(begin);
  m->end = static_cast<uint32_t>(begin + used);
  m->count = n->count;
  m->last_grow = n->last_grow;
  bytes_ += AllocSize(m);
  FreeNode(n);
  SlotAt(i) = m;
}

void List::ResizeRing(uint32_t cap) {
  Node** nr = cap == 1 ? &inline_slot_ : static_cast<Node**>(std::malloc(cap * sizeof(Node*)));
  if (!nr) abort();
  if (nr == &inline_slot_) {
    Node* only = nnodes_ ? NodeAt(0) : nullptr;
    nr[0] = only;
  } else {
    for (uint32_t j = 0; j < nnodes_; ++j) nr[j] = NodeAt(j);
  }
  if (ring_ != &inline_slot_) {
    bytes_ -= MallocSizeClass(ring_cap_ * sizeof(Node*));
    std::free(ring_);
  }
  if (cap > 1) bytes_ += MallocSizeClass(cap * sizeof(Node*));
  ring_ = nr;
  ring_cap_ = cap;
  head_ = 0;
}

void List::InsertNode(uint32_t pos, Node* n) {
  if (nnodes_ == ring_cap_) ResizeRing(ring_cap_ * 2);
  if (pos == 0) {
    head_ = (head_ - 1) & (ring_cap_ - 1);
    ring_[head_] = n;
  } else {
    for (uint32_t j = nnodes_; j > pos; --j) SlotAt(j) = SlotAt(j - 1);
    SlotAt(pos) = n;
  }
  ++nnodes_;
}

void List::RemoveNode(uint32_t pos) {
  if (pos == 0) {
    head_ = (head_ + 1) & (ring_cap_ - 1);
  } else {
    for (uint32_t j = pos; j + 1 < nnodes_; ++j) SlotAt(j) = SlotAt(j + 1);
  }
  --nnodes_;
  if (nnodes_ <= 1 && ring_cap_ > 1) {
    ResizeRing(1);
  } else if (ring_cap_ > 8 && nnodes_ * 8 <= ring_cap_) {
    ResizeRing(ring_cap_ / 2);
  }
}

// ------------------------------------------------------------------------ ends
void List::PushFront(std::string_view v) {
  Enc e = Prepare(v);
  Node* n;
  if (nnodes_ && Fits(n = NodeAt(0), e.total)) {
    if (n->begin < e.total) {
      bool balanced = nnodes_ == 1 && n->last_grow == static_cast<uint32_t>(Side::kBack);
      n = Grow(0, n->used() + e.total, Side::kFront, balanced);
    }
  } else {
    // A list's first node is sized to fit; later ones expect more pushes.
    n = NewNode(nnodes_ ? std::max<size_t>(e.total, kNextNodeStart) : e.total, Side::kFront);
    InsertNode(0, n);
  }
  n->begin -= e.total;
  Write(n->data() + n->begin, e);
  ++n->count;
  ++count_;
}

void List::PushBack(std::string_view v) {
  Enc e = Prepare(v);
  Node* n;
  if (nnodes_ && Fits(n = NodeAt(nnodes_ - 1), e.total)) {
    if (n->cap - n->end < e.total) {
      bool balanced = nnodes_ == 1 && n->last_grow == static_cast<uint32_t>(Side::kFront);
      n = Grow(nnodes_ - 1, n->used() + e.total, Side::kBack, balanced);
    }
  } else {
    n = NewNode(nnodes_ ? std::max<size_t>(e.total, kNextNodeStart) : e.total, Side::kBack);
    InsertNode(nnodes_, n);
  }
  Write(n->data() + n->end, e);
  n->end += e.total;
  ++n->count;
  ++count_;
}

ListElem List::Front() const {
  const Node* n = NodeAt(0);
  ListElem e;
  Decode(n->data() + n->begin, &e);
  return e;
}

ListElem List::Back() const {
  const Node* n = NodeAt(nnodes_ - 1);
  ListElem e;
  Decode(n->data() + PrevStart(n->data(), n->end), &e);
  return e;
}

void List::PopFront(size_t k) {
  while (k > 0) {
    Node* n = NodeAt(0);
    if (n->count <= k) {
      k -= n->count;
      count_ -= n->count;
      RemoveNode(0);
      FreeNode(n);
      continue;
    }
    for (size_t j = 0; j < k; ++j) n->begin += EntrySize(n->data() + n->begin);
    n->count -= static_cast<uint32_t>(k);
    count_ -= k;
    MaybeShrink(0);
    return;
  }
}

void List::PopBack(size_t k) {
  while (k > 0) {
    uint32_t last = nnodes_ - 1;
    Node* n = NodeAt(last);
    if (n->count <= k) {
      k -= n->count;
      count_ -= n->count;
      RemoveNode(last);
      FreeNode(n);
      continue;
    }
    for (size_t j = 0; j < k; ++j) n->end = PrevStart(n->data(), n->end);
    n->count -= static_cast<uint32_t>(k);
    count_ -= k;
    MaybeShrink(last);
    return;
  }
}

// ------------------------------------------------------------------------ by index
void List::Locate(size_t index, uint32_t* node, uint32_t* off) const {
  uint32_t i;
  if (index < count_ / 2) {
    i = 0;
    while (index >= NodeAt(i)->count) index -= NodeAt(i++)->count;
  } else {
    size_t rev = count_ - 1 - index;
    i = nnodes_ - 1;
    while (rev >= NodeAt(i)->count) rev -= NodeAt(i--)->count;
    index = NodeAt(i)->count - 1 - rev;
  }
  const Node* n = NodeAt(i);
  uint32_t o;
  if (index <= n->count / 2) {
    o = n->begin;
    for (size_t j = 0; j < index; ++j) o += EntrySize(n->data() + o);
  } else {
    o = n->end;
    for (size_t j = n->count - index; j > 0; --j) o = PrevStart(n->data(), o);
  }
  *node = i;
  *off = o;
}

ListElem List::At(size_t index) const {
  uint32_t i, off;
  Locate(index, &i, &off);
  ListElem e;
  Decode(NodeAt(i)->data() + off, &e);
  return e;
}

char* List::Splice(uint32_t i, size_t at, size_t old_len, size_t new_len) {
  Node* n = NodeAt(i);
  size_t used = n->used();
  size_t tail = used - at - old_len;
  if (new_len > old_len) {
    size_t d = new_len - old_len;
    if (n->cap - used < d) n = Grow(i, used + d, Side::kMiddle, false);
    size_t left = n->begin, right = n->cap - n->end, a;
    if (left >= d && (at <= tail || right < d))
      a = d;
    else if (right >= d)
      a = 0;
    else
      a = left;
    size_t b = d - a;
    char* base = n->data() + n->begin;
    if (a && at) memmove(base - a, base, at);
    if (b && tail) memmove(base + at + old_len + b, base + at + old_len, tail);
    n->begin -= static_cast<uint32_t>(a);
    n->end += static_cast<uint32_t>(b);
  } else if (new_len < old_len) {
    size_t d = old_len - new_len;
    char* base = n->data() + n->begin;
    if (at <= tail) {
      if (at) memmove(base + d, base, at);
      n->begin += static_cast<uint32_t>(d);
    } else {
      if (tail) memmove(base + at + new_len, base + at + old_len, tail);
      n->end -= static_cast<uint32_t>(d);
    }
  }
  return n->data() + n->begin + at;
}

void List::SplitIfOversized(uint32_t i) {
  Node* n = NodeAt(i);
  if (n->count <= 1 || (n->used() <= data_limit_ && n->count <= count_limit_)) return;
  size_t used = n->used();
  size_t pieces = std::max<size_t>((used + data_limit_ - 1) / data_limit_,
                                   (n->count + count_limit_ - 1) / count_limit_);
  pieces = std::max<size_t>(pieces, 2);
  size_t target = (used + pieces - 1) / pieces;
  size_t target_count = (n->count + pieces - 1) / pieces;
  // Cut points: [start, end) byte ranges with their counts.
  struct Piece {
    uint32_t start, end, count;
  };
  std::vector<Piece> out;
  Piece cur{n->begin, n->begin, 0};
  for (uint32_t off = n->begin; off < n->end;) {
    uint32_t s = EntrySize(n->data() + off);
    size_t pb = cur.end - cur.start;
    if (cur.count > 0 && (pb + s > data_limit_ || cur.count + 1 > count_limit_ || pb >= target ||
                          cur.count >= target_count)) {
      out.push_back(cur);
      cur = Piece{off, off, 0};
    }
    cur.end += s;
    ++cur.count;
    off += s;
  }
  out.push_back(cur);
  for (size_t p = out.size(); p-- > 1;) {
    const Piece& pc = out[p];
    Node* m = NewNode(pc.end - pc.start, Side::kMiddle);
    n = NodeAt(i);
    memcpy(m->data() + m->begin, n->data() + pc.start, pc.end - pc.start);
    m->end = m->begin + (pc.end - pc.start);
    m->count = pc.count;
    InsertNode(i + 1, m);
  }
  n = NodeAt(i);
  n->end = out[0].end;
  n->count = out[0].count;
  MaybeShrink(i);
}

void List::Set(size_t index, std::string_view v) {
  uint32_t i, off;
  Locate(index, &i, &off);
  Node* n = NodeAt(i);
  uint32_t old = EntrySize(n->data() + off);
  Enc e = Prepare(v);
  Write(Splice(i, off - n->begin, old, e.total), e);
  SplitIfOversized(i);
}

bool List::Insert(const ListMatcher& pivot, bool after, std::string_view v) {
  for (uint32_t i = 0; i < nnodes_; ++i) {
    Node* n = NodeAt(i);
    for (uint32_t off = n->begin; off < n->end;) {
      ListElem el;
      uint32_t s = Decode(n->data() + off, &el);
      if (pivot.Matches(el)) {
        size_t at = (after ? off + s : off) - n->begin;
        Enc e = Prepare(v);
        Write(Splice(i, at, 0, e.total), e);
        ++NodeAt(i)->count;
        ++count_;
        SplitIfOversized(i);
        return true;
      }
      off += s;
    }
  }
  return false;
}

size_t List::Remove(const ListMatcher& m, bool from_tail, size_t limit) {
  size_t removed = 0;
  // Compacts node i in one pass, dropping matches after the first `skip` ones, up to `budget`.
  auto compact = [&](uint32_t i, size_t skip, size_t budget) -> size_t {
    Node* n = NodeAt(i);
    char* d = n->data();
    uint32_t w = n->begin, r = n->begin;
    size_t dropped = 0;
    while (r < n->end) {
      if (dropped == budget) {
        if (w != r) memmove(d + w, d + r, n->end - r);
        w += n->end - r;
        break;
      }
      ListElem el;
      uint32_t s = Decode(d + r, &el);
      bool drop = false;
      if (m.Matches(el)) {
        if (skip > 0)
          --skip;
        else
          drop = true;
      }
      if (drop) {
        ++dropped;
      } else {
        if (w != r) memmove(d + w, d + r, s);
        w += s;
      }
      r += s;
    }
    n->end = w;
    n->count -= static_cast<uint32_t>(dropped);
    count_ -= dropped;
    removed += dropped;
    return dropped;
  };
  auto matches_in = [&](uint32_t i) {
    const Node* n = NodeAt(i);
    size_t c = 0;
    for (uint32_t off = n->begin; off < n->end;) {
      ListElem el;
      off += Decode(n->data() + off, &el);
      if (m.Matches(el)) ++c;
    }
    return c;
  };
  auto finish = [&](uint32_t i) {
    if (NodeAt(i)->count == 0) {
      Node* n = NodeAt(i);
      RemoveNode(i);
      FreeNode(n);
      return true;
    }
    MaybeShrink(i);
    return false;
  };
  if (!from_tail) {
    for (uint32_t i = 0; i < nnodes_;) {
      size_t budget = limit ? limit - removed : SIZE_MAX;
      if (compact(i, 0, budget) == 0) {
        ++i;
      } else if (!finish(i)) {
        ++i;
      }
      if (limit && removed == limit) break;
    }
  } else {
    for (uint32_t i = nnodes_; i-- > 0;) {
      size_t budget = limit ? limit - removed : SIZE_MAX;
      size_t found = matches_in(i);
      if (found == 0) continue;
      size_t skip = found > budget ? found - budget : 0;
      compact(i, skip, std::min(found, budget));
      finish(i);
      if (limit && removed == limit) break;
    }
  }
  return removed;
}

// ------------------------------------------------------------------------ iteration
List::Iterator List::IterAt(size_t index, bool reverse) const {
  Iterator it;
  it.list_ = this;
  it.reverse_ = reverse;
  if (index >= count_) return it;
  Locate(index, &it.node_, &it.off_);
  it.valid_ = true;
  return it;
}

ListElem List::Iterator::Get() const {
  ListElem e;
  Decode(list_->NodeAt(node_)->data() + off_, &e);
  return e;
}

void List::Iterator::Next() {
  const Node* n = list_->NodeAt(node_);
  if (!reverse_) {
    off_ += EntrySize(n->data() + off_);
    if (off_ == n->end) {
      if (++node_ == list_->nnodes_) {
        valid_ = false;
        return;
      }
      off_ = list_->NodeAt(node_)->begin;
    }
  } else {
    if (off_ == n->begin) {
      if (node_ == 0) {
        valid_ = false;
        return;
      }
      n = list_->NodeAt(--node_);
      off_ = n->end;
    }
    off_ = PrevStart(n->data(), off_);
  }
}

// ------------------------------------------------------------------------ checks
void List::CheckInvariants() const {
  size_t total = 0, bytes = MallocSizeClass(sizeof(List));
  Check(ring_cap_ >= 1 && (ring_cap_ & (ring_cap_ - 1)) == 0, "ring capacity is a power of two");
  Check(nnodes_ <= ring_cap_, "nodes fit the ring");
  Check((ring_cap_ == 1) == (ring_ == &inline_slot_), "inline ring iff capacity 1");
  if (ring_cap_ > 1) bytes += MallocSizeClass(ring_cap_ * sizeof(Node*));
  for (uint32_t i = 0; i < nnodes_; ++i) {
    const Node* n = NodeAt(i);
    Check(n->count > 0, "no empty node");
    Check(n->begin <= n->end && n->end <= n->cap, "node bounds");
    Check(n->count <= count_limit_, "node count limit");
    Check(n->count == 1 || n->used() <= data_limit_, "node byte limit");
    uint32_t c = 0, off = n->begin;
    while (off < n->end) {
      ListElem e;
      uint32_t s = Decode(n->data() + off, &e);
      Check(PrevStart(n->data(), off + s) == off, "back-length");
      off += s;
      ++c;
    }
    Check(off == n->end, "elements end at end");
    Check(c == n->count, "node count");
    total += c;
    bytes += AllocSize(n);
  }
  Check(total == count_, "list count");
  Check(bytes == bytes_, "memory counter");
}

}  // namespace tessera
