// Db: keyspace operations with lazy and active expiry.
#include "core/db.h"

#include <utility>

namespace tessera {

Entry* Db::Find(std::string_view key, int64_t now_ms) {
  Entry* e = table_.Find(key);
  if (e && e->has_expire() && e->expire_ms <= now_ms) {
    Expire(e);
    return nullptr;
  }
  return e;
}

void Db::Expire(Entry* e) {
  ++expired_;
  RemoveVolatile(e);
  Entry* taken = table_.Unlink(e->key());
  Publish();
  Entry::Destroy(taken);
}

Entry* Db::Add(std::string_view key, Value v, int64_t now_ms) {
  Entry* e = Entry::Create(key, std::move(v), static_cast<uint32_t>(now_ms / 1000));
  table_.Insert(e);
  Publish();
  return e;
}

Entry* Db::Set(std::string_view key, Value v, int64_t now_ms, bool keep_ttl) {
  Entry* e = table_.Find(key);
  if (!e) return Add(key, std::move(v), now_ms);
  e->value = std::move(v);
  if (!keep_ttl) ClearExpire(e);
  return e;
}

bool Db::Delete(std::string_view key) {
  Entry* e = Take(key);
  if (!e) return false;
  Entry::Destroy(e);
  return true;
}

Entry* Db::Take(std::string_view key) {
  Entry* e = table_.Unlink(key);
  if (e) RemoveVolatile(e);
  Publish();
  return e;
}

void Db::Put(Entry* e) {
  table_.Insert(e);
  Publish();
  if (e->has_expire()) AddVolatile(e);
}

void Db::SetExpire(Entry* e, int64_t when_ms) {
  e->expire_ms = when_ms;
  if (e->volatile_idx == Entry::kNotVolatile) AddVolatile(e);
}

void Db::ClearExpire(Entry* e) {
  RemoveVolatile(e);
  e->expire_ms = Entry::kNoExpire;
}

void Db::AddVolatile(Entry* e) {
  e->volatile_idx = static_cast<uint32_t>(volatile_.size());
  volatile_.push_back(e);
}

void Db::RemoveVolatile(Entry* e) {
  uint32_t i = e->volatile_idx;
  if (i == Entry::kNotVolatile) return;
  Entry* last = volatile_.back();
  volatile_[i] = last;
  last->volatile_idx = i;
  volatile_.pop_back();
  e->volatile_idx = Entry::kNotVolatile;
}

void Db::Clear() {
  table_.Clear();
  Publish();
  volatile_.clear();
  avg_ttl_ = 0;
}

uint64_t Db::Scan(uint64_t cursor, int64_t now_ms, const std::function<void(Entry*)>& fn) {
  std::vector<Entry*> seen;
  uint64_t next = table_.Scan(cursor, [&](Entry* e) { seen.push_back(e); });
  for (Entry* e : seen) {
    if (e->has_expire() && e->expire_ms <= now_ms)
      Expire(e);
    else
      fn(e);
  }
  return next;
}

void Db::ForEach(int64_t now_ms, const std::function<void(Entry*)>& fn) {
  std::vector<Entry*> expired;
  table_.ForEach([&](Entry* e) {
    if (e->has_expire() && e->expire_ms <= now_ms)
      expired.push_back(e);
    else
      fn(e);
  });
  for (Entry* e : expired) Expire(e);
}

Entry* Db::RandomLive(int64_t now_ms, uint64_t (*rnd)()) {
  // Like Redis: give up after many tries when (nearly) every key has expired.
  for (int tries = 0; tries < 100 && table_.size() > 0; ++tries) {
    Entry* e = table_.Random(rnd);
    if (!(e->has_expire() && e->expire_ms <= now_ms)) return e;
    Expire(e);
  }
  return nullptr;
}

int Db::ExpireSample(int64_t now_ms, int samples, uint64_t (*rnd)()) {
  int removed = 0;
  int64_t ttl_sum = 0, ttl_n = 0;
  for (int i = 0; i < samples && !volatile_.empty(); ++i) {
    Entry* e = volatile_[rnd() % volatile_.size()];
    if (e->expire_ms <= now_ms) {
      Expire(e);
      ++removed;
    } else {
      ttl_sum += e->expire_ms - now_ms;
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

}  // namespace tessera
