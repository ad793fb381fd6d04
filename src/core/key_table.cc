// KeyTable: Redis dict-style chained hashing with incremental rehash and cursor scan.
#include "core/key_table.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "base/hash.h"

namespace tessera {

Entry* Entry::Create(std::string_view key, Value v, uint32_t access_clock) {
  void* mem = ::operator new(sizeof(Entry) + key.size());
  Entry* e = new (mem) Entry();
  e->value = std::move(v);
  e->access_clock = access_clock;
  e->key_len = static_cast<uint32_t>(key.size());
  memcpy(e->key_data, key.data(), key.size());
  return e;
}

void Entry::Destroy(Entry* e) {
  e->~Entry();
  ::operator delete(e);
}

KeyTable::~KeyTable() { Clear(); }

uint64_t KeyTable::Hash(std::string_view k) { return HashBytes(k); }

Entry* KeyTable::Find(std::string_view key) {
  if (size_ == 0) return nullptr;
  if (rehashing()) RehashStep(1);
  uint64_t h = Hash(key);
  for (int t = 0; t < 2; ++t) {
    const Buckets& b = ht_[t];
    if (b.size == 0) continue;
    for (Entry* e = b.slots[h & b.mask()]; e; e = e->next)
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) return e;
    if (!rehashing()) break;
  }
  return nullptr;
}

void KeyTable::Insert(Entry* e) {
  if (rehashing()) RehashStep(1);
  MaybeResize();
  Buckets& b = rehashing() ? ht_[1] : ht_[0];
  uint64_t idx = Hash(e->key()) & b.mask();
  e->next = b.slots[idx];
  b.slots[idx] = e;
  ++b.used;
  ++size_;
}

Entry* KeyTable::Unlink(std::string_view key) {
  if (size_ == 0) return nullptr;
  if (rehashing()) RehashStep(1);
  uint64_t h = Hash(key);
  for (int t = 0; t < 2; ++t) {
    Buckets& b = ht_[t];
    if (b.size == 0) continue;
    Entry** link = &b.slots[h & b.mask()];
    for (Entry* e = *link; e; link = &e->next, e = e->next) {
      if (e->key_len == key.size() && memcmp(e->key_data, key.data(), key.size()) == 0) {
        *link = e->next;
        e->next = nullptr;
        --b.used;
        --size_;
        MaybeResize();
        return e;
      }
    }
    if (!rehashing()) break;
  }
  return nullptr;
}

void KeyTable::Clear() {
  for (auto& b : ht_) {
    for (uint64_t i = 0; i < b.size; ++i) {
      Entry* e = b.slots[i];
      while (e) {
        Entry* next = e->next;
        Entry::Destroy(e);
        e = next;
      }
    }
    b = Buckets();
  }
  rehash_idx_ = -1;
  size_ = 0;
}

void KeyTable::StartRehash(uint64_t new_size) {
  ht_[1].slots.reset(new Entry*[new_size]());
  ht_[1].size = new_size;
  ht_[1].used = 0;
  rehash_idx_ = 0;
}

void KeyTable::MaybeResize() {
  if (rehashing()) return;
  if (ht_[0].size == 0) {
    ht_[0].slots.reset(new Entry*[4]());
    ht_[0].size = 4;
    return;
  }
  if (size_ >= ht_[0].size) {
    StartRehash(ht_[0].size * 2);
  } else if (ht_[0].size > 4 && size_ * 10 < ht_[0].size) {
    uint64_t target = 4;
    while (target < size_) target *= 2;
    StartRehash(target);
  }
}

void KeyTable::RehashStep(int n) {
  // Visit at most n*10 empty buckets so one step stays bounded.
  int empty_visits = n * 10;
  while (n-- > 0 && ht_[0].used != 0) {
    while (ht_[0].slots[rehash_idx_] == nullptr) {
      ++rehash_idx_;
      if (--empty_visits == 0) return;
    }
    Entry* e = ht_[0].slots[rehash_idx_];
    while (e) {
      Entry* next = e->next;
      uint64_t idx = Hash(e->key()) & ht_[1].mask();
      e->next = ht_[1].slots[idx];
      ht_[1].slots[idx] = e;
      --ht_[0].used;
      ++ht_[1].used;
      e = next;
    }
    ht_[0].slots[rehash_idx_] = nullptr;
    ++rehash_idx_;
  }
  if (ht_[0].used == 0) {
    ht_[0] = std::move(ht_[1]);
    ht_[1] = Buckets();
    rehash_idx_ = -1;
  }
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

uint64_t KeyTable::Scan(uint64_t v, const std::function<void(Entry*)>& fn) const {
  if (size_ == 0) return 0;
  auto emit = [&](const Buckets& b, uint64_t idx) {
    for (Entry* e = b.slots[idx & b.mask()]; e;) {
      Entry* next = e->next;
      fn(e);
      e = next;
    }
  };
  if (!rehashing()) {
    const Buckets& t0 = ht_[0];
    uint64_t m0 = t0.mask();
    emit(t0, v & m0);
    v |= ~m0;
    v = Rev(v);
    v++;
    v = Rev(v);
  } else {
    const Buckets* t0 = &ht_[0];
    const Buckets* t1 = &ht_[1];
    if (t0->size > t1->size) std::swap(t0, t1);
    uint64_t m0 = t0->mask(), m1 = t1->mask();
    emit(*t0, v & m0);
    do {
      emit(*t1, v & m1);
      v |= ~m1;
      v = Rev(v);
      v++;
      v = Rev(v);
    } while (v & (m0 ^ m1));
  }
  return v;
}

Entry* KeyTable::Random(uint64_t (*rnd)()) {
  if (size_ == 0) return nullptr;
  if (rehashing()) RehashStep(1);
  Entry* head = nullptr;
  // Bounded tries; the load factor is kept >= 10% so this ends quickly in practice.
  for (int tries = 0; tries < 100000 && !head; ++tries) {
    if (rehashing()) {
      uint64_t span = ht_[0].size - rehash_idx_ + ht_[1].size;
      uint64_t h = rehash_idx_ + rnd() % span;
      head = h >= ht_[0].size ? ht_[1].slots[h - ht_[0].size] : ht_[0].slots[h];
    } else {
      head = ht_[0].slots[rnd() & ht_[0].mask()];
    }
  }
  if (!head)
    ForEach([&](Entry* e) {
      if (!head) head = e;
    });
  size_t len = 0;
  for (Entry* e = head; e; e = e->next) ++len;
  size_t pick = rnd() % len;
  Entry* e = head;
  while (pick--) e = e->next;
  return e;
}

void KeyTable::ForEach(const std::function<void(Entry*)>& fn) const {
  for (const auto& b : ht_)
    for (uint64_t i = 0; i < b.size; ++i)
      for (Entry* e = b.slots[i]; e;) {
        Entry* next = e->next;
        fn(e);
        e = next;
      }
}

}  // namespace tessera
