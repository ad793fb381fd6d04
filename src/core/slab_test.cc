#include "core/slab.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

namespace tessera {
namespace {

using Handle = SlabAllocator::Handle;

// A live block of the model: what was asked for and the byte pattern written into it.
struct Block {
  size_t size = 0;
  uint8_t seed = 0;
};

void Fill(void* p, size_t size, uint8_t seed) {
  auto* b = static_cast<uint8_t*>(p);
  for (size_t i = 0; i < size; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
}

// Index of the first byte that differs from the pattern, or -1.
int64_t FirstMismatch(const void* p, size_t size, uint8_t seed) {
  auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < size; ++i)
    if (b[i] != static_cast<uint8_t>(seed + i * 31)) return static_cast<int64_t>(i);
  return -1;
}

// The smallest class at least `size` bytes, by a linear walk (the reference for BlockSize).
size_t SmallestClassFor(size_t size) {
  for (int c = 0; c < SlabAllocator::num_classes(); ++c)
    if (SlabAllocator::ClassSize(c) >= size) return SlabAllocator::ClassSize(c);
  return 0;
}

// Checks the allocator's counters against the model and that live blocks do not overlap.
void ExpectConsistent(const SlabAllocator& slab, const std::unordered_map<Handle, Block>& live) {
  size_t used = 0;
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  for (const auto& [h, b] : live) {
    used += SlabAllocator::BlockSize(b.size);
    auto p = reinterpret_cast<uintptr_t>(slab.Ptr(h));
    ranges.emplace_back(p, p + SlabAllocator::BlockSize(b.size));
  }
  EXPECT_EQ(slab.used_bytes(), used);
  EXPECT_EQ(slab.live_blocks(), live.size());
  EXPECT_GE(slab.page_bytes(), slab.used_bytes());
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    ASSERT_LE(ranges[i - 1].second, ranges[i].first) << "blocks overlap";
}

TEST(Slab, ClassSizesAreMonotonicAndEightByteGranular) {
  int n = SlabAllocator::num_classes();
  ASSERT_GT(n, 10);
  EXPECT_EQ(SlabAllocator::ClassSize(n - 1), SlabAllocator::kMaxBlock);
  for (int c = 0; c < n; ++c) {
    size_t s = SlabAllocator::ClassSize(c);
    EXPECT_EQ(s % 8, 0u) << "class " << c;
    if (c > 0) {
      EXPECT_GT(s, SlabAllocator::ClassSize(c - 1)) << "class " << c;
    }
  }
  // Every multiple of 8 from the smallest class up to 128 is a class of its own.
  size_t smallest = SlabAllocator::ClassSize(0);
  EXPECT_LE(smallest, 16u);
  for (size_t s = smallest; s <= 128; s += 8) EXPECT_EQ(SmallestClassFor(s), s) << s;
}

TEST(Slab, ClassWasteIsAtMostOneEighthAbove128) {
  // The worst request for a class is one byte more than the class below it.
  int n = SlabAllocator::num_classes();
  for (int c = 1; c < n; ++c) {
    size_t prev = SlabAllocator::ClassSize(c - 1), cur = SlabAllocator::ClassSize(c);
    if (prev < 128) continue;
    size_t worst = prev + 1;
    EXPECT_LE((cur - worst) * 8, worst) << "class " << cur << " after " << prev;
  }
}

TEST(Slab, BlockSizeIsTheSmallestClassOrEightByteRoundedWhenLarge) {
  for (size_t s = 0; s <= SlabAllocator::kMaxBlock; ++s) {
    size_t b = SlabAllocator::BlockSize(s);
    ASSERT_GE(b, std::max<size_t>(s, 1)) << s;
    ASSERT_EQ(b, SmallestClassFor(std::max<size_t>(s, 1))) << s;
  }
  EXPECT_EQ(SlabAllocator::BlockSize(SlabAllocator::kMaxBlock + 1), SlabAllocator::kMaxBlock + 8);
  EXPECT_EQ(SlabAllocator::BlockSize(SlabAllocator::kMaxBlock + 8), SlabAllocator::kMaxBlock + 8);
  EXPECT_EQ(SlabAllocator::BlockSize(100001), 100008u);
  EXPECT_EQ(SlabAllocator::BlockSize(1 << 20), size_t{1} << 20);
}

TEST(Slab, RandomAllocateFreeKeepsContentsAndAccounting) {
  std::mt19937_64 rng(42);
  SlabAllocator slab;
  std::unordered_map<Handle, Block> live;
  auto random_size = [&]() -> size_t {
    uint64_t r = rng() % 100;
    if (r < 70) return 1 + rng() % 200;                            // typical small entries
    if (r < 95) return 1 + rng() % SlabAllocator::kMaxBlock;       // any class
    if (r < 98) return SlabAllocator::kMaxBlock - 8 + rng() % 16;  // around the boundary
    return SlabAllocator::kMaxBlock + 1 + rng() % (200 << 10);     // large blocks
  };
  auto free_one = [&](Handle h) {
    const Block& b = live.at(h);
    ASSERT_EQ(FirstMismatch(slab.Ptr(h), b.size, b.seed), -1) << "block " << h << " clobbered";
    slab.Free(h, b.size);
    live.erase(h);
  };
  std::vector<Handle> handles;  // live handles, for picking one at random
  for (int op = 0; op < 40000; ++op) {
    bool alloc = handles.empty() || rng() % 100 < (op < 20000 ? 65 : 35);
    if (alloc) {
      size_t size = random_size();
      Handle h = slab.Allocate(size);
      ASSERT_NE(h, 0u);
      ASSERT_EQ(live.count(h), 0u) << "handle " << h << " handed out twice";
      ASSERT_EQ(slab.HandleOf(slab.Ptr(h)), h);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(slab.Ptr(h)) % 8, 0u);
      auto seed = static_cast<uint8_t>(rng());
      Fill(slab.Ptr(h), size, seed);
      live[h] = Block{size, seed};
      handles.push_back(h);
    } else {
      size_t i = rng() % handles.size();
      Handle h = handles[i];
      handles[i] = handles.back();
      handles.pop_back();
      ASSERT_NO_FATAL_FAILURE(free_one(h));
    }
    if (op % 5000 == 0) {
      ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, live));
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, live));
  for (const auto& [h, b] : live) ASSERT_EQ(slab.HandleOf(slab.Ptr(h)), h);
  for (Handle h : handles) ASSERT_NO_FATAL_FAILURE(free_one(h));
  EXPECT_EQ(slab.used_bytes(), 0u);
  EXPECT_EQ(slab.page_bytes(), 0u);
  EXPECT_EQ(slab.live_blocks(), 0u);
}

TEST(Slab, LargeBlocksGetPagesOfTheirOwn) {
  SlabAllocator slab;
  size_t size = SlabAllocator::kPageSize * 2 + 100;
  Handle h = slab.Allocate(size);
  EXPECT_EQ(slab.used_bytes(), SlabAllocator::BlockSize(size));
  EXPECT_EQ(slab.page_bytes(), SlabAllocator::kPageSize * 3);
  EXPECT_EQ(slab.HandleOf(slab.Ptr(h)), h);
  Fill(slab.Ptr(h), size, 7);
  EXPECT_EQ(FirstMismatch(slab.Ptr(h), size, 7), -1);
  EXPECT_FALSE(slab.NeedsMove(h));
  slab.Free(h, size);
  EXPECT_EQ(slab.page_bytes(), 0u);
  EXPECT_EQ(slab.used_bytes(), 0u);
}

TEST(Slab, FreedPagesAndIdsAreReused) {
  SlabAllocator slab;
  std::vector<Handle> hs;
  for (int i = 0; i < 3000; ++i) hs.push_back(slab.Allocate(100));
  size_t pages = slab.page_bytes();
  for (Handle h : hs) slab.Free(h, 100);
  EXPECT_EQ(slab.page_bytes(), 0u);
  hs.clear();
  for (int i = 0; i < 3000; ++i) hs.push_back(slab.Allocate(100));
  EXPECT_EQ(slab.page_bytes(), pages);
  // Page ids are reused: every handle still names a page id below the first run's count.
  for (Handle h : hs) EXPECT_LT(h >> SlabAllocator::kOffsetBits, pages / SlabAllocator::kPageSize);
  for (Handle h : hs) slab.Free(h, 100);
}

// Allocates `n` blocks of `size` bytes with patterns; returns them.
std::unordered_map<Handle, Block> AllocateMany(SlabAllocator& slab, int n, size_t size,
                                               std::mt19937_64& rng) {
  std::unordered_map<Handle, Block> out;
  for (int i = 0; i < n; ++i) {
    Handle h = slab.Allocate(size);
    auto seed = static_cast<uint8_t>(rng());
    Fill(slab.Ptr(h), size, seed);
    out[h] = Block{size, seed};
  }
  return out;
}

// Frees a random `fraction` of `blocks`.
void FreeFraction(SlabAllocator& slab, std::unordered_map<Handle, Block>& blocks, double fraction,
                  std::mt19937_64& rng) {
  std::vector<Handle> hs;
  for (const auto& [h, b] : blocks) hs.push_back(h);
  std::sort(hs.begin(), hs.end());  // deterministic order whatever the map's
  std::shuffle(hs.begin(), hs.end(), rng);
  size_t n = static_cast<size_t>(static_cast<double>(hs.size()) * fraction);
  for (size_t i = 0; i < n; ++i) {
    slab.Free(hs[i], blocks[hs[i]].size);
    blocks.erase(hs[i]);
  }
}

TEST(Slab, CompactionEmptiesSparsePagesAndPreservesContents) {
  std::mt19937_64 rng(3);
  SlabAllocator slab;
  // Two classes: 100-byte blocks (630 per page) and 1000-byte blocks (65 per page).
  auto blocks = AllocateMany(slab, 20000, 100, rng);
  auto big = AllocateMany(slab, 2000, 1000, rng);
  blocks.merge(big);
  FreeFraction(slab, blocks, 0.8, rng);
  size_t before = slab.page_bytes();
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, blocks));

  size_t marked = slab.PlanCompaction(0.5);
  EXPECT_GT(marked, 0u);
  EXPECT_TRUE(slab.compacting());
  std::vector<Handle> hs;
  for (const auto& [h, b] : blocks) hs.push_back(h);
  std::sort(hs.begin(), hs.end());
  size_t moved = 0;
  for (Handle h : hs) {
    if (!slab.NeedsMove(h)) continue;
    Block b = blocks[h];
    Handle to = slab.Move(h, b.size);
    ++moved;
    ASSERT_FALSE(slab.NeedsMove(to)) << "moved onto a page being evacuated";
    ASSERT_EQ(FirstMismatch(slab.Ptr(to), b.size, b.seed), -1) << "contents lost in Move";
    blocks.erase(h);
    blocks[to] = b;
  }
  EXPECT_GT(moved, 0u);
  // Every evacuated page emptied and went back: no page is marked any more.
  EXPECT_FALSE(slab.compacting());
  slab.EndCompaction();
  EXPECT_FALSE(slab.compacting());
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, blocks));
  for (const auto& [h, b] : blocks) {
    ASSERT_EQ(FirstMismatch(slab.Ptr(h), b.size, b.seed), -1);
    ASSERT_EQ(slab.HandleOf(slab.Ptr(h)), h);
  }
  size_t after = slab.page_bytes();
  EXPECT_LT(after * 3, before) << "before " << before << " after " << after;
  // At most one partly used page per class remains.
  EXPECT_LE(after - slab.used_bytes(), 2 * SlabAllocator::kPageSize);

  for (const auto& [h, b] : blocks) slab.Free(h, b.size);
  EXPECT_EQ(slab.page_bytes(), 0u);
  EXPECT_EQ(slab.used_bytes(), 0u);
}

TEST(Slab, NewBlocksNeverLandOnEvacuatingPages) {
  std::mt19937_64 rng(4);
  SlabAllocator slab;
  auto blocks = AllocateMany(slab, 10000, 64, rng);
  FreeFraction(slab, blocks, 0.7, rng);
  ASSERT_GT(slab.PlanCompaction(0.5), 0u);
  // Free more blocks on evacuating pages: their slots must not be handed out again.
  std::vector<Handle> hs;
  for (const auto& [h, b] : blocks) hs.push_back(h);
  std::sort(hs.begin(), hs.end());
  int freed_on_evacuating = 0;
  for (size_t i = 0; i < hs.size(); i += 3) {
    if (!slab.NeedsMove(hs[i])) continue;
    slab.Free(hs[i], 64);
    blocks.erase(hs[i]);
    ++freed_on_evacuating;
  }
  ASSERT_GT(freed_on_evacuating, 0);
  for (int i = 0; i < 5000; ++i) {
    Handle h = slab.Allocate(64);
    ASSERT_FALSE(slab.NeedsMove(h)) << "allocation " << i << " landed on an evacuating page";
    Fill(slab.Ptr(h), 64, 9);
    blocks[h] = Block{64, 9};
  }
  slab.EndCompaction();
  for (const auto& [h, b] : blocks) ASSERT_EQ(FirstMismatch(slab.Ptr(h), b.size, b.seed), -1);
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, blocks));
  for (const auto& [h, b] : blocks) slab.Free(h, b.size);
  EXPECT_EQ(slab.page_bytes(), 0u);
}

TEST(Slab, EndCompactionMakesPagesOrdinaryAgain) {
  std::mt19937_64 rng(5);
  SlabAllocator slab;
  auto blocks = AllocateMany(slab, 6300, 100, rng);  // 10 pages of 630
  FreeFraction(slab, blocks, 0.8, rng);
  size_t marked = slab.PlanCompaction(0.5);
  ASSERT_GT(marked, 0u);
  // Stop without moving anything.
  slab.EndCompaction();
  EXPECT_FALSE(slab.compacting());
  for (const auto& [h, b] : blocks) EXPECT_FALSE(slab.NeedsMove(h));
  // Their free blocks are usable again: filling the free space needs no new page.
  size_t pages = slab.page_bytes();
  size_t free_blocks = (pages / SlabAllocator::kPageSize) * 630 - blocks.size();
  for (size_t i = 0; i < free_blocks; ++i) {
    Handle h = slab.Allocate(100);
    blocks[h] = Block{100, 0};
    Fill(slab.Ptr(h), 100, 0);
  }
  EXPECT_EQ(slab.page_bytes(), pages);
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent(slab, blocks));
  // A second plan after EndCompaction works from a clean state.
  for (const auto& [h, b] : blocks) slab.Free(h, b.size);
  EXPECT_EQ(slab.page_bytes(), 0u);
}

TEST(Slab, PlanCompactionSkipsClassesWithLessThanAPageFree) {
  std::mt19937_64 rng(6);
  SlabAllocator slab;
  // One full page and one nearly empty one: less than a page of free blocks in the class.
  auto blocks = AllocateMany(slab, 630 + 10, 100, rng);
  ASSERT_EQ(slab.page_bytes(), 2 * SlabAllocator::kPageSize);
  EXPECT_EQ(slab.PlanCompaction(0.5), 0u);
  EXPECT_FALSE(slab.compacting());
  // Free 30 blocks more (any page): now a page's worth is free and the sparse page is marked.
  FreeFraction(slab, blocks, 0.05, rng);
  EXPECT_GE(slab.PlanCompaction(0.5), 1u);
  EXPECT_TRUE(slab.compacting());
  slab.EndCompaction();
  for (const auto& [h, b] : blocks) slab.Free(h, b.size);
}

}  // namespace
}  // namespace tessera
