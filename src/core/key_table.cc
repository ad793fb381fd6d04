// KeyTable: extendible hashing over linearly probed 60-slot segments.
#include "core/key_table.h"

#include <cstring>

#include "base/hash.h"

namespace tessera {

KeyTable::KeyTable(const SlabAllocator* slab) : slab_(slab) {
  dir_.push_back(new Segment());
  segments_ = 1;
}

KeyTable::~KeyTable() {
  Clear([](Handle) {});
  delete dir_[0];
}

uint64_t KeyTable::Hash(std::string_view k) { return HashBytes(k); }

size_t KeyTable::memory_bytes() const {
  return dir_.capacity() * sizeof(Segment*) + segments_ * sizeof(Segment);
}

int KeyTable::FindSlot(const Segment* s, uint64_t h, std::string_view key) const {
  uint8_t tag = Tag(h);
  int i = Home(h);
  for (int n = 0; n < kSlots; ++n) {
    Handle x = s->slots[i];
    if (x == kNone) return -1;
    if (s->tags[i] == tag && KeyOf(x) == key) return i;
    if (++i == kSlots) i = 0;
  }
  return -1;
}

Entry* KeyTable::Find(std::string_view key) const {
  Handle h = FindHandle(key);
  return h == kNone ? nullptr : static_cast<Entry*>(slab_->Ptr(h));
}

KeyTable::Handle KeyTable::FindHandle(std::string_view key) const {
  uint64_t h = Hash(key);
  const Segment* s = SegmentFor(h);
  int i = FindSlot(s, h, key);
  return i < 0 ? kNone : s->slots[i];
}

void KeyTable::Place(Segment* s, uint64_t h, Handle handle) {
  int i = Home(h);
  while (s->slots[i] != kNone)
    if (++i == kSlots) i = 0;
  s->slots[i] = handle;
  s->tags[i] = Tag(h);
  ++s->count;
}

void KeyTable::Insert(Handle handle) {
  uint64_t h = Hash(KeyOf(handle));
  Segment* s = SegmentFor(h);
  while (s->count >= kMaxFill) {
    Split(s, h);
    s = SegmentFor(h);
  }
  Place(s, h, handle);
  ++size_;
}

void KeyTable::Reserve(size_t n) {
  if (size_ != 0 || segments_ != 1) return;
  // Segments about three quarters full, as growth by splits leaves them on average.
  uint32_t depth = 0;
  while ((size_t{kSlots} * 3 / 4 << depth) < n && depth < 30) ++depth;
  if (depth == 0) return;
  delete dir_[0];
  dir_.assign(size_t{1} << depth, nullptr);
  for (auto& seg : dir_) {
    seg = new Segment();
    seg->depth = static_cast<uint8_t>(depth);
  }
  global_depth_ = depth;
  segments_ = dir_.size();
}

void KeyTable::Split(Segment* s, uint64_t h) {
  if (s->depth == global_depth_) {
    // Double the directory: entry i + old_size points where entry i does.
    size_t old = dir_.size();
    dir_.resize(old * 2);
    for (size_t i = 0; i < old; ++i) dir_[old + i] = dir_[i];
    ++global_depth_;
  }
  uint32_t depth = s->depth;
  auto* hi = new Segment();
  ++segments_;
  Handle moved[kSlots];
  int n = 0;
  for (int i = 0; i < kSlots; ++i) {
    if (s->slots[i] != kNone) moved[n++] = s->slots[i];
  }
  memset(s->slots, 0, sizeof(s->slots));
  s->count = 0;
  s->depth = hi->depth = static_cast<uint8_t>(depth + 1);
  for (int i = 0; i < n; ++i) {
    uint64_t kh = Hash(KeyOf(moved[i]));
    Place((kh >> depth) & 1 ? hi : s, kh, moved[i]);
  }
  // Directory entries sharing the segment's low `depth` bits with the bit at `depth` set now
  // point to the new segment.
  uint64_t low = h & ((uint64_t{1} << depth) - 1);
  for (uint64_t i = low | (uint64_t{1} << depth); i < dir_.size(); i += uint64_t{2} << depth)
    dir_[i] = hi;
}

void KeyTable::Replace(std::string_view key, Handle handle) {
  uint64_t h = Hash(key);
  Segment* s = SegmentFor(h);
  int i = FindSlot(s, h, key);
  s->slots[i] = handle;
}

void KeyTable::EraseAt(Segment* s, int i) {
  // Backward-shift deletion: pull later members of the probe run into the hole when their
  // home position allows it, so lookups can keep stopping at the first empty slot.
  int j = i;
  for (;;) {
    if (++j == kSlots) j = 0;
    if (s->slots[j] == kNone) break;
    int home = Home(Hash(KeyOf(s->slots[j])));
    // Distance from home to j and from the hole to j, going forward around the segment.
    int dist_home = (j - home + kSlots) % kSlots;
    int dist_hole = (j - i + kSlots) % kSlots;
    if (dist_home >= dist_hole) {
      s->slots[i] = s->slots[j];
      s->tags[i] = s->tags[j];
      i = j;
    }
  }
  s->slots[i] = kNone;
  s->tags[i] = 0;
  --s->count;
}

KeyTable::Handle KeyTable::Unlink(std::string_view key) {
  uint64_t h = Hash(key);
  Segment* s = SegmentFor(h);
  int i = FindSlot(s, h, key);
  if (i < 0) return kNone;
  Handle out = s->slots[i];
  EraseAt(s, i);
  --size_;
  return out;
}

void KeyTable::Clear(const std::function<void(Handle)>& release) {
  ForEach(release);
  // Free every segment once (several directory entries may share one; a segment is listed
  // by its first entry), after reading all depths.
  std::vector<Segment*> owned;
  owned.reserve(segments_);
  for (size_t i = 0; i < dir_.size(); ++i)
    if (i < (uint64_t{1} << dir_[i]->depth)) owned.push_back(dir_[i]);
  for (Segment* s : owned) delete s;
  dir_.assign(1, new Segment());
  dir_.shrink_to_fit();
  global_depth_ = 0;
  segments_ = 1;
  size_ = 0;
}

namespace {
uint64_t Rev(uint64_t v) {
  uint64_t s = 8 * sizeof(v), mask = ~0ull;
  while ((s >>= 1) > 0) {
    mask ^= (mask << s);
    v = ((v >> s) & mask) | ((v << s) & ~mask);
  }
  return v;
}
}  // namespace

uint64_t KeyTable::Scan(uint64_t v, const std::function<void(Handle&)>& fn) {
  Segment* s = dir_[v & (dir_.size() - 1)];
  for (int i = 0; i < kSlots; ++i)
    if (s->slots[i] != kNone) fn(s->slots[i]);
  // Advance the reversed cursor past every directory entry this segment covers.
  uint64_t m = (uint64_t{1} << s->depth) - 1;
  v |= ~m;
  v = Rev(v);
  v++;
  return Rev(v);
}

KeyTable::Handle KeyTable::Random(uint64_t (*rnd)()) const {
  if (size_ == 0) return kNone;
  // Segments are at least a few keys full once the table has split; an empty segment (only
  // possible after deletions) costs another try. Bounded, then a plain walk.
  for (int tries = 0; tries < 1000; ++tries) {
    const Segment* s = dir_[rnd() & (dir_.size() - 1)];
    if (s->count == 0) continue;
    int i = static_cast<int>(rnd() % kSlots);
    while (s->slots[i] == kNone)
      if (++i == kSlots) i = 0;
    return s->slots[i];
  }
  Handle found = kNone;
  ForEach([&](Handle h) {
    if (found == kNone) found = h;
  });
  return found;
}

void KeyTable::ForEach(const std::function<void(Handle)>& fn) const {
  for (size_t d = 0; d < dir_.size(); ++d) {
    const Segment* s = dir_[d];
    if (d >= (uint64_t{1} << s->depth)) continue;  // visited through its first entry
    for (int i = 0; i < kSlots; ++i)
      if (s->slots[i] != kNone) fn(s->slots[i]);
  }
}

}  // namespace tessera
