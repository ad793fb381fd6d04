// SlabAllocator: size classes, pages, free lists and page evacuation.
#include "core/slab.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tessera {
namespace {

// Every page starts with its id so a block's address leads back to its handle.
constexpr size_t kHeader = 8;

struct ClassTable {
  std::vector<uint32_t> sizes;
  std::vector<uint8_t> by_units;  // class of a size, indexed by (size + 7) / 8

  ClassTable() {
    for (uint32_t s = 16; s <= SlabAllocator::kMaxBlock;) {
      sizes.push_back(s);
      uint32_t step = std::max<uint32_t>(8, (s / 8) & ~7u);
      s += step;
    }
    if (sizes.back() != SlabAllocator::kMaxBlock) sizes.push_back(SlabAllocator::kMaxBlock);
    by_units.resize(SlabAllocator::kMaxBlock / 8 + 1);
    size_t c = 0;
    for (size_t u = 0; u < by_units.size(); ++u) {
      while (sizes[c] < u * 8) ++c;
      by_units[u] = static_cast<uint8_t>(c);
    }
  }
};

const ClassTable& Table() {
  static const ClassTable t;
  return t;
}

int ClassOf(size_t size) {
  if (size > SlabAllocator::kMaxBlock) return -1;
  return Table().by_units[(size + 7) / 8];
}

[[noreturn]] void OutOfMemory(const char* what) {
  fprintf(stderr, "tessera: slab allocator: %s\n", what);
  abort();
}

}  // namespace

SlabAllocator::SlabAllocator() {
  const auto& t = Table();
  classes_.resize(t.sizes.size());
  for (size_t i = 0; i < t.sizes.size(); ++i) {
    classes_[i].size = t.sizes[i];
    classes_[i].per_page = static_cast<uint32_t>((kPageSize - kHeader) / t.sizes[i]);
  }
}

SlabAllocator::~SlabAllocator() {
  for (auto& p : pages_) free(p.base);
}

int SlabAllocator::num_classes() { return static_cast<int>(Table().sizes.size()); }
size_t SlabAllocator::ClassSize(int cls) { return Table().sizes[cls]; }

size_t SlabAllocator::BlockSize(size_t size) {
  int c = ClassOf(size);
  return c >= 0 ? Table().sizes[c] : (size + 7) & ~size_t{7};
}

SlabAllocator::Handle SlabAllocator::HandleOf(const void* p) const {
  auto addr = reinterpret_cast<uintptr_t>(p);
  uintptr_t base = addr & ~uintptr_t{kPageSize - 1};
  uint32_t id;
  memcpy(&id, reinterpret_cast<const void*>(base), sizeof(id));
  return (id << kOffsetBits) | static_cast<uint32_t>((addr - base) >> 3);
}

uint32_t SlabAllocator::NewPage(size_t bytes, int cls) {
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    if (pages_.size() >= kMaxPages) OutOfMemory("page ids exhausted (32 GiB per shard)");
    id = static_cast<uint32_t>(pages_.size());
    pages_.emplace_back();
  }
  size_t rounded = (bytes + kPageSize - 1) & ~(kPageSize - 1);
  void* mem = aligned_alloc(kPageSize, rounded);
  if (!mem) OutOfMemory("out of memory");
  Page& pg = pages_[id];
  pg = Page();
  pg.base = static_cast<char*>(mem);
  pg.cls = static_cast<int16_t>(cls);
  pg.bytes = rounded;
  memcpy(pg.base, &id, sizeof(id));
  page_bytes_ += rounded;
  if (cls >= 0) ++classes_[cls].pages;
  return id;
}

void SlabAllocator::ReleasePage(uint32_t id) {
  Page& pg = pages_[id];
  if (pg.in_partial) RemovePartial(id);
  if (pg.evacuate) --evacuating_;
  if (pg.cls >= 0) --classes_[pg.cls].pages;
  page_bytes_ -= pg.bytes;
  free(pg.base);
  pg = Page();
  free_ids_.push_back(id);
}

void SlabAllocator::PushPartial(uint32_t id) {
  Page& pg = pages_[id];
  Class& c = classes_[pg.cls];
  pg.prev = 0;
  pg.next = c.partial;
  if (c.partial) pages_[c.partial - 1].prev = id + 1;
  c.partial = id + 1;
  pg.in_partial = true;
}

void SlabAllocator::RemovePartial(uint32_t id) {
  Page& pg = pages_[id];
  Class& c = classes_[pg.cls];
  if (pg.prev)
    pages_[pg.prev - 1].next = pg.next;
  else
    c.partial = pg.next;
  if (pg.next) pages_[pg.next - 1].prev = pg.prev;
  pg.prev = pg.next = 0;
  pg.in_partial = false;
}

SlabAllocator::Handle SlabAllocator::AllocateSmall(int cls) {
  Class& c = classes_[cls];
  uint32_t id;
  if (c.partial) {
    id = c.partial - 1;
  } else {
    id = NewPage(kPageSize, cls);
    PushPartial(id);
  }
  Page& pg = pages_[id];
  uint32_t off;  // in 8-byte units from the page start
  if (pg.free_head) {
    off = pg.free_head - 1;
    memcpy(&pg.free_head, pg.base + (size_t{off} << 3), sizeof(uint32_t));
  } else {
    off = static_cast<uint32_t>((kHeader + size_t{pg.bump} * c.size) >> 3);
    ++pg.bump;
  }
  ++pg.used;
  if (pg.used == c.per_page) RemovePartial(id);
  ++c.live;
  used_bytes_ += c.size;
  ++live_blocks_;
  return (id << kOffsetBits) | off;
}

SlabAllocator::Handle SlabAllocator::Allocate(size_t size) {
  int cls = ClassOf(size);
  if (cls >= 0) return AllocateSmall(cls);
  uint32_t id = NewPage(kHeader + size, -1);
  pages_[id].used = 1;
  used_bytes_ += BlockSize(size);
  ++live_blocks_;
  return (id << kOffsetBits) | (kHeader >> 3);
}

void SlabAllocator::Free(Handle h, size_t size) {
  uint32_t id = h >> kOffsetBits;
  Page& pg = pages_[id];
  used_bytes_ -= BlockSize(size);
  --live_blocks_;
  if (pg.cls < 0) {
    ReleasePage(id);
    return;
  }
  Class& c = classes_[pg.cls];
  --c.live;
  uint32_t off = h & ((1u << kOffsetBits) - 1);
  memcpy(pg.base + (size_t{off} << 3), &pg.free_head, sizeof(uint32_t));
  pg.free_head = off + 1;
  --pg.used;
  if (pg.used == 0) {
    ReleasePage(id);
  } else if (!pg.in_partial && !pg.evacuate) {
    PushPartial(id);
  }
}

size_t SlabAllocator::PlanCompaction(double max_fill) {
  size_t marked = 0;
  for (uint32_t id = 0; id < pages_.size(); ++id) {
    Page& pg = pages_[id];
    if (!pg.base || pg.cls < 0 || pg.evacuate) continue;
    const Class& c = classes_[pg.cls];
    size_t free_blocks = c.pages * c.per_page - c.live;
    if (free_blocks < c.per_page) continue;  // not even one page to win in this class
    if (pg.used >= max_fill * c.per_page) continue;
    if (pg.in_partial) RemovePartial(id);
    pg.evacuate = true;
    ++evacuating_;
    ++marked;
  }
  return marked;
}

SlabAllocator::Handle SlabAllocator::Move(Handle h, size_t size) {
  Handle to = Allocate(size);
  memcpy(Ptr(to), Ptr(h), size);
  Free(h, size);
  return to;
}

void SlabAllocator::EndCompaction() {
  for (uint32_t id = 0; id < pages_.size() && evacuating_ > 0; ++id) {
    Page& pg = pages_[id];
    if (!pg.evacuate) continue;
    pg.evacuate = false;
    --evacuating_;
    if (pg.used < classes_[pg.cls].per_page) PushPartial(id);
  }
}

}  // namespace tessera
