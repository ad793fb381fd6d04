// Db: keyspace operations with lazy and active expiry over slab-allocated entries.
#include "core/db.h"

#include <utility>

#include "core/keyspace.h"

namespace tessera {

Db::Db(Keyspace* ks, int index)
    : ks_(ks),
      snap_(&ks->snapshot()),
      watching_(&ks->watching()),
      index_(index),
      table_(&ks->slab()) {}

void Db::ModifiedSlow(std::string_view key) {
  ks_->OnKeyEvent(Keyspace::KeyEvent::kModified, index_, key);
}

void Db::NoteAdded(std::string_view key, ValueType type) {
  ks_->OnKeyEvent(Keyspace::KeyEvent::kNew, index_, key);
  if (type == ValueType::kList || type == ValueType::kZSet || type == ValueType::kStream)
    ks_->CollectionAdded(index_, key);
}

void Db::NoteRemoved(std::string_view key, ValueType type) {
  if (type == ValueType::kStream) ks_->CollectionAdded(index_, key);
}

Db::~Db() { Clear(); }

const EncodingLimits& Db::limits() const { return ks_->limits(); }

void Db::AccountHeap(size_t before, size_t after) {
  ks_->SubHeap(before);
  ks_->AddHeap(after);
}

Entry* Db::Ptr(KeyTable::Handle h) const { return static_cast<Entry*>(ks_->slab().Ptr(h)); }

KeyTable::Handle Db::Create(std::string_view key, Value&& v, bool with_ttl, bool with_mc) {
  size_t size = Entry::EncodedSize(key, v, with_ttl, with_mc);
  KeyTable::Handle h = ks_->slab().Allocate(size);
  Entry* e = Entry::Encode(ks_->slab().Ptr(h), key, std::move(v), with_ttl, with_mc);
  e->set_snap_mark(snap_->parity);  // not part of a snapshot already being written
  ks_->AddHeap(e->HeapBytes());
  return h;
}

void Db::Destroy(KeyTable::Handle h) {
  Entry* e = Ptr(h);
  size_t size = e->encoded_size();
  ks_->SubHeap(e->HeapBytes());
  e->ReleasePayload();
  ks_->slab().Free(h, size);
}

Entry* Db::Find(std::string_view key, int64_t now_ms) {
  Entry* e = table_.Find(key);
  if (!e) return nullptr;
  // Whoever finds a key may be about to change it.
  Capture(e);
  if (e->has_expire() && e->expire_ms() <= now_ms) {
    Expire(e);
    return nullptr;
  }
  return e;
}

void Db::Expire(Entry* e) {
  Capture(e);
  ++expired_;
  ks_->OnKeyEvent(Keyspace::KeyEvent::kExpired, index_, e->key());
  RemoveVolatile(e);
  KeyTable::Handle h = table_.Unlink(e->key());
  Publish();
  Destroy(h);
}

Entry* Db::Add(std::string_view key, Value v, int64_t now_ms) {
  Modified(key);
  ValueType type = v.type();
  KeyTable::Handle h = Create(key, std::move(v), false);
  Entry* e = Ptr(h);
  e->set_clock(ks_->NewClock(now_ms));
  table_.Insert(h);
  Publish();
  NoteAdded(key, type);
  return e;
}

Entry* Db::Set(std::string_view key, Value v, int64_t now_ms, bool keep_ttl) {
  Entry* e = table_.Find(key);
  if (!e) return Add(key, std::move(v), now_ms);
  Modified(key);
  Capture(e);
  bool ttl = keep_ttl && e->has_expire();
  if (!ttl) RemoveVolatile(e);
  ValueType was = e->type();
  // A new value over RESP is a new item to memcached: flags 0, its CAS given when asked.
  e = Reshape(e, &v, ttl, false);
  NoteRemoved(key, was);
  return e;
}

Entry* Db::SetValue(Entry* e, Value v) {
  Modified(e->key());
  Capture(e);
  NewCas(e);
  if (e->is_int() && v.is_int()) {
    e->set_int_value(v.int_value());
    return e;
  }
  return Reshape(e, &v, e->has_expire());
}

uint64_t Db::NextCas() {
  static std::atomic<uint64_t> seq{0};
  return seq.fetch_add(1, std::memory_order_relaxed) + 1;
}

Entry* Db::SetItem(std::string_view key, Value v, int64_t now_ms, int64_t expire_ms,
                   uint32_t client_flags) {
  Modified(key);
  bool ttl = expire_ms != Entry::kNoExpire;
  Entry* e = table_.Find(key);
  if (!e) {
    ValueType type = v.type();
    KeyTable::Handle h = Create(key, std::move(v), ttl, true);
    e = Ptr(h);
    e->set_clock(ks_->NewClock(now_ms));
    table_.Insert(h);
    Publish();
    NoteAdded(key, type);
  } else {
    Capture(e);
    // The TTL room stays when the old entry had it: the new expiry (or none) is set below.
    if (!ttl) RemoveVolatile(e);
    e = Reshape(e, &v, ttl, true);
    ks_->Touch(e, now_ms);
  }
  e->set_mc(client_flags, NextCas());
  if (ttl) {
    if (e->volatile_idx() == Entry::kNotVolatile) AddVolatile(e, ks_->slab().HandleOf(e));
    e->set_expire_ms(expire_ms);
  }
  return e;
}

Entry* Db::EnsureCas(Entry* e) {
  if (e->has_mc()) return e;
  e = Reshape(e, nullptr, e->has_expire(), true);
  e->set_mc(0, NextCas());
  return e;
}

Entry* Db::Reshape(Entry* e, Value* v, bool with_ttl, bool with_mc) {
  Capture(e);
  KeyTable::Handle old = ks_->slab().HandleOf(e);
  std::string_view key = e->key();
  Value own;
  if (!v) {
    ks_->SubHeap(e->HeapBytes());
    own = e->TakeValue();
    v = &own;
  }
  size_t size = Entry::EncodedSize(key, *v, with_ttl, with_mc);
  size_t old_size = e->encoded_size();
  bool had_ttl = e->has_expire();
  int64_t expire = e->expire_ms();
  uint32_t vidx = had_ttl ? e->volatile_idx() : Entry::kNotVolatile;
  uint32_t mc_flags = e->mc_flags();
  uint64_t cas = e->cas();
  // Same block size and layout: encode in place.
  if (had_ttl == with_ttl && e->has_mc() == with_mc &&
      SlabAllocator::BlockSize(size) == SlabAllocator::BlockSize(old_size)) {
    uint32_t clock = e->clock();
    ks_->SubHeap(e->HeapBytes());
    e->ReleasePayload();
    // The key is rewritten onto itself (same offset): Encode copies it with memmove.
    Entry::Encode(e, key, std::move(*v), with_ttl, with_mc);
    e->set_snap_mark(snap_->parity);
    ks_->AddHeap(e->HeapBytes());
    e->set_clock(clock);
    if (with_ttl) {
      e->set_expire_ms(expire);
      e->set_volatile_idx(vidx);
    }
    if (with_mc) e->set_mc(mc_flags, cas);
    return e;
  }
  KeyTable::Handle h = Create(key, std::move(*v), with_ttl, with_mc);
  Entry* n = Ptr(h);
  n->set_clock(e->clock());
  if (with_mc) n->set_mc(mc_flags, cas);
  if (with_ttl) {
    n->set_expire_ms(had_ttl ? expire : Entry::kNoExpire);
    n->set_volatile_idx(vidx);
    if (vidx != Entry::kNotVolatile) volatile_[vidx] = h;
  }
  table_.Replace(n->key(), h);
  Destroy(old);
  return n;
}

bool Db::Delete(std::string_view key) {
  Entry* e = table_.Find(key);
  if (!e) return false;
  Modified(key);
  Capture(e);
  RemoveVolatile(e);
  ValueType was = e->type();
  Destroy(table_.Unlink(key));
  Publish();
  NoteRemoved(key, was);
  return true;
}

std::optional<Db::Detached> Db::Take(std::string_view key) {
  Entry* e = table_.Find(key);
  if (!e) return std::nullopt;
  Modified(key);
  Capture(e);
  Detached d;
  d.expire_ms = e->expire_ms();
  d.clock = e->clock();
  d.mc = e->has_mc();
  d.mc_flags = e->mc_flags();
  RemoveVolatile(e);
  ks_->SubHeap(e->HeapBytes());
  d.value = e->TakeValue();
  ks_->AddHeap(e->HeapBytes());
  Destroy(table_.Unlink(key));
  Publish();
  NoteRemoved(key, d.value.type());
  return d;
}

Entry* Db::Put(std::string_view key, Detached d) {
  Modified(key);
  bool ttl = d.expire_ms != Entry::kNoExpire;
  ValueType type = d.value.type();
  KeyTable::Handle h = Create(key, std::move(d.value), ttl, d.mc);
  Entry* e = Ptr(h);
  e->set_clock(d.clock);
  if (d.mc) e->set_mc(d.mc_flags, NextCas());
  table_.Insert(h);
  Publish();
  if (ttl) {
    e->set_expire_ms(d.expire_ms);
    AddVolatile(e, h);
  }
  NoteAdded(key, type);
  return e;
}

Entry* Db::SetExpire(Entry* e, int64_t when_ms) {
  Modified(e->key());
  Capture(e);
  if (!e->has_expire()) {
    e = Reshape(e, nullptr, true);
    AddVolatile(e, ks_->slab().HandleOf(e));
  } else if (e->volatile_idx() == Entry::kNotVolatile) {
    AddVolatile(e, ks_->slab().HandleOf(e));
  }
  e->set_expire_ms(when_ms);
  return e;
}

Entry* Db::ClearExpire(Entry* e) {
  if (!e->has_expire()) return e;
  Modified(e->key());
  RemoveVolatile(e);
  return Reshape(e, nullptr, false);
}

Entry* Db::EditString(Entry* e, const std::function<void(std::string&)>& edit) {
  // An edited string is "raw" (Redis's encoding after APPEND) and lives in its own buffer.
  if (!e->heap_string() || std::string_view(e->encoding()) != "raw") {
    Value v = Value::Bytes(e->ToString(), true, true);
    e = Reshape(e, &v, e->has_expire());
  }
  NewCas(e);
  ks_->SubHeap(e->HeapBytes());
  edit(*e->heap_string());
  ks_->AddHeap(e->HeapBytes());
  return e;
}

void Db::AddVolatile(Entry* e, KeyTable::Handle h) {
  e->set_volatile_idx(static_cast<uint32_t>(volatile_.size()));
  volatile_.push_back(h);
}

void Db::RemoveVolatile(Entry* e) {
  if (!e->has_expire()) return;
  uint32_t i = e->volatile_idx();
  if (i == Entry::kNotVolatile) return;
  KeyTable::Handle last = volatile_.back();
  volatile_[i] = last;
  Ptr(last)->set_volatile_idx(i);
  volatile_.pop_back();
  e->set_volatile_idx(Entry::kNotVolatile);
  e->set_expire_ms(Entry::kNoExpire);
}

void Db::Clear() {
  CaptureAll();
  table_.Clear([this](KeyTable::Handle h) { Destroy(h); });
  Publish();
  volatile_.clear();
  volatile_.shrink_to_fit();
  avg_ttl_ = 0;
}

uint64_t Db::Scan(uint64_t cursor, int64_t now_ms, const std::function<void(Entry*)>& fn) {
  std::vector<KeyTable::Handle> seen;
  uint64_t next = table_.Scan(cursor, [&](KeyTable::Handle& h) { seen.push_back(h); });
  for (KeyTable::Handle h : seen) {
    Entry* e = Ptr(h);
    if (e->has_expire() && e->expire_ms() <= now_ms)
      Expire(e);
    else
      fn(e);
  }
  return next;
}

void Db::ForEach(int64_t now_ms, const std::function<void(Entry*)>& fn) {
  std::vector<KeyTable::Handle> expired;
  table_.ForEach([&](KeyTable::Handle h) {
    Entry* e = Ptr(h);
    if (e->has_expire() && e->expire_ms() <= now_ms)
      expired.push_back(h);
    else
      fn(e);
  });
  for (KeyTable::Handle h : expired) Expire(Ptr(h));
}

Entry* Db::RandomLive(int64_t now_ms, uint64_t (*rnd)()) {
  // Like Redis: give up after many tries when (nearly) every key has expired.
  for (int tries = 0; tries < 100 && table_.size() > 0; ++tries) {
    Entry* e = Ptr(table_.Random(rnd));
    if (!(e->has_expire() && e->expire_ms() <= now_ms)) return e;
    Expire(e);
  }
  return nullptr;
}

Entry* Db::RandomEntry(uint64_t (*rnd)()) const {
  return table_.size() ? Ptr(table_.Random(rnd)) : nullptr;
}

Entry* Db::RandomVolatile(uint64_t (*rnd)()) const {
  return volatile_.empty() ? nullptr : Ptr(volatile_[rnd() % volatile_.size()]);
}

int Db::ExpireSample(int64_t now_ms, int samples, uint64_t (*rnd)()) {
  int removed = 0;
  int64_t ttl_sum = 0, ttl_n = 0;
  for (int i = 0; i < samples && !volatile_.empty(); ++i) {
    Entry* e = Ptr(volatile_[rnd() % volatile_.size()]);
    if (e->expire_ms() <= now_ms) {
      Expire(e);
      ++removed;
    } else {
      ttl_sum += e->expire_ms() - now_ms;
      ++ttl_n;
    }
  }
  if (ttl_n > 0) {
    int64_t avg = ttl_sum / ttl_n;
    // Running average, as Redis: the new sample weighs 2%.
    avg_ttl_ = avg_ttl_ == 0 ? avg : (avg_ttl_ / 50) * 49 + (avg / 50);
  }
  if (volatile_.empty()) avg_ttl_ = 0;
  return removed;
}

void Db::CaptureSlow(Entry* e) {
  ks_->observer()->Capture(index_, *e);
  e->set_snap_mark(snap_->parity);
}

uint64_t Db::SnapshotStep(uint64_t cursor) {
  return table_.Scan(cursor, [&](KeyTable::Handle& h) { Capture(Ptr(h)); });
}

void Db::CaptureAll() {
  if (!snap_->active) return;
  table_.ForEach([&](KeyTable::Handle h) { Capture(Ptr(h)); });
}

void Db::MarkAll(bool mark) {
  table_.ForEach([&](KeyTable::Handle h) { Ptr(h)->set_snap_mark(mark); });
}

uint64_t Db::CompactStep(uint64_t cursor, int steps, size_t* moved) {
  SlabAllocator& slab = ks_->slab();
  do {
    cursor = table_.Scan(cursor, [&](KeyTable::Handle& h) {
      if (!slab.NeedsMove(h)) return;
      Entry* e = Ptr(h);
      size_t size = e->encoded_size();
      h = slab.Move(h, size);
      ++*moved;
      Entry* n = Ptr(h);
      if (n->has_expire() && n->volatile_idx() != Entry::kNotVolatile)
        volatile_[n->volatile_idx()] = h;
    });
  } while (cursor != 0 && --steps > 0);
  return cursor;
}

}  // namespace tessera
