// A shard's allocator for key entries, in the spirit of Memcached's slabs: 64 KiB pages, each
// cut into equal blocks of one size class (classes 8 bytes apart up to 128 bytes, then at most
// 12.5% apart up to kMaxBlock), and blocks larger than kMaxBlock on pages of their own.
//
// A block is named by a 32-bit handle (page id << 13 | offset / 8), so the key table stores
// 4 bytes per key instead of an 8-byte pointer. Pages are 64 KiB-aligned, so a block's page is
// found from its address.
//
// Compaction (the cure for the fragmentation a churning workload leaves behind): PlanCompaction
// marks the sparsest pages of each class for evacuation; the owner then walks its entries and
// calls Move on each block for which NeedsMove says yes. New blocks never come from a page that
// is being evacuated, so each one empties and is returned to the system allocator.
//
// Not thread-safe: one shard thread owns it (another thread may use it while that shard is
// parked, which orders the accesses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera {

class SlabAllocator {
 public:
  using Handle = uint32_t;
  static constexpr size_t kPageSize = 64 << 10;
  static constexpr size_t kMaxBlock = 16 << 10;
  static constexpr int kOffsetBits = 13;
  // Page ids are 19 bits: 32 GiB of small blocks per shard.
  static constexpr uint32_t kMaxPages = 1u << (32 - kOffsetBits);

  SlabAllocator();
  ~SlabAllocator();
  SlabAllocator(const SlabAllocator&) = delete;
  SlabAllocator& operator=(const SlabAllocator&) = delete;

  // The block size `size` bytes are given (its class size, or `size` rounded to 8 when large).
  static size_t BlockSize(size_t size);
  static int num_classes();
  static size_t ClassSize(int cls);

  // A block of at least `size` bytes. Aborts only when the handle space or memory is exhausted.
  Handle Allocate(size_t size);
  // Frees a block; `size` is what was asked for it.
  void Free(Handle h, size_t size);

  void* Ptr(Handle h) const {
    return pages_[h >> kOffsetBits].base + (size_t{h & ((1u << kOffsetBits) - 1)} << 3);
  }
  Handle HandleOf(const void* p) const;

  // Bytes in live blocks (class-rounded) and bytes held in pages.
  size_t used_bytes() const { return used_bytes_; }
  size_t page_bytes() const { return page_bytes_; }
  size_t live_blocks() const { return live_blocks_; }

  // Marks for evacuation every small page whose occupancy is below `max_fill` (0..1) in
  // classes where at least a page's worth of space is free; returns how many were marked.
  size_t PlanCompaction(double max_fill);
  bool compacting() const { return evacuating_ > 0; }
  bool NeedsMove(Handle h) const { return evacuating_ > 0 && pages_[h >> kOffsetBits].evacuate; }
  // Copies the block to a page that is not being evacuated and frees the old one.
  Handle Move(Handle h, size_t size);
  // Stops evacuating (pages not yet empty become ordinary again).
  void EndCompaction();

 private:
  struct Page {
    char* base = nullptr;    // 64 KiB-aligned; nullptr when the id is free
    uint32_t used = 0;       // live blocks
    uint32_t bump = 0;       // blocks never handed out start here
    uint32_t free_head = 0;  // offset/8 of the first freed block + 1, 0 = none
    int16_t cls = -1;        // -1: a large block's own page
    bool evacuate = false;
    bool in_partial = false;
    uint32_t prev = 0, next = 0;  // partial list links (page id + 1, 0 = none)
    size_t bytes = 0;             // bytes allocated for the page
  };
  struct Class {
    uint32_t size = 0;
    uint32_t per_page = 0;
    uint32_t partial = 0;  // head of pages with free blocks (id + 1)
    size_t pages = 0;
    size_t live = 0;
  };

  uint32_t NewPage(size_t bytes, int cls);
  void ReleasePage(uint32_t id);
  void PushPartial(uint32_t id);
  void RemovePartial(uint32_t id);
  Handle AllocateSmall(int cls);

  std::vector<Page> pages_;
  std::vector<uint32_t> free_ids_;
  std::vector<Class> classes_;
  size_t used_bytes_ = 0;
  size_t page_bytes_ = 0;
  size_t live_blocks_ = 0;
  size_t evacuating_ = 0;
};

}  // namespace tessera
