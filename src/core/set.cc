// Redis sets: the width-adaptive intset, the open-addressing member table and SetObject's
// encoding logic (see set.h for the design).
#include "core/set.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_set>

#include "base/hash.h"
#include "base/malloc.h"
#include "base/strings.h"
#include "base/varint.h"

namespace tessera {
namespace {

// The bytes of a member allocation: varint length, then the bytes.
std::string_view ElemView(const char* p) {
  size_t n;
  p = GetVarint(p, &n);
  return {p, n};
}

size_t ElemAllocSize(std::string_view s) { return MallocSizeClass(VarintLen(s.size()) + s.size()); }

char* NewElem(std::string_view s) {
  char* p = static_cast<char*>(malloc(VarintLen(s.size()) + s.size()));
  if (!p) throw std::bad_alloc();
  char* d = PutVarint(p, s.size());
  if (!s.empty()) memcpy(d, s.data(), s.size());
  return p;
}

constexpr int kTagShift = 48;
constexpr uintptr_t kPtrMask = (uintptr_t{1} << kTagShift) - 1;
// Cursors are positions in a 48-bit prefix of the hash space (see set.h).
constexpr int kCursorBits = 48;
constexpr uint8_t kMinBits = 2;

const char* PtrOf(uintptr_t slot) { return reinterpret_cast<const char*>(slot & kPtrMask); }
uintptr_t TagOf(uint64_t h) { return static_cast<uintptr_t>(h & 0xFFFF) << kTagShift; }
// A member allocation's address, which must leave the top 16 bits free for the tag.
uintptr_t CheckedPtr(const char* p) {
  uintptr_t v = reinterpret_cast<uintptr_t>(p);
  if (v & ~kPtrMask) {
    fprintf(stderr, "set member allocation %p does not fit in 48 bits\n",
            static_cast<const void*>(p));
    abort();
  }
  return v;
}
uintptr_t MakeSlot(const char* p, uint64_t h) { return CheckedPtr(p) | TagOf(h); }

uint8_t WidthOf(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

int64_t LoadWidth(const char* data, size_t i, uint8_t width) {
  switch (width) {
    case 2: {
      int16_t v;
      memcpy(&v, data + i * 2, 2);
      return v;
    }
    case 4: {
      int32_t v;
      memcpy(&v, data + i * 4, 4);
      return v;
    }
    default: {
      int64_t v;
      memcpy(&v, data + i * 8, 8);
      return v;
    }
  }
}

void StoreWidth(char* data, size_t i, uint8_t width, int64_t v) {
  switch (width) {
    case 2: {
      int16_t x = static_cast<int16_t>(v);
      memcpy(data + i * 2, &x, 2);
      break;
    }
    case 4: {
      int32_t x = static_cast<int32_t>(v);
      memcpy(data + i * 4, &x, 4);
      break;
    }
    default:
      memcpy(data + i * 8, &v, 8);
  }
}

// Decimal form of an integer member, as Redis stores it in a hashtable set.
struct IntText {
  char buf[24];
  size_t len;
  explicit IntText(int64_t v) { len = std::to_chars(buf, buf + sizeof(buf), v).ptr - buf; }
  std::string_view view() const { return {buf, len}; }
};

// Knuth's selection sampling: walks n items, selecting exactly `need` of them uniformly.
class Selector {
 public:
  Selector(size_t need, size_t n, SetRng rnd) : need_(need), left_(n), rnd_(rnd) {}
  bool Next() {
    bool take = need_ > 0 && rnd_() % left_ < need_;
    --left_;
    if (take) --need_;
    return take;
  }

 private:
  size_t need_, left_;
  SetRng rnd_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// SetMember

void SetMember::AppendTo(std::string* out) const {
  if (is_int) {
    IntText t(num);
    out->append(t.view());
  } else {
    out->append(str);
  }
}

std::string SetMember::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// IntSet

void IntSet::Free() {
  free(data);
  *this = IntSet();
}

int64_t IntSet::Get(size_t i) const { return LoadWidth(data, i, width); }
void IntSet::Set(size_t i, int64_t v) { StoreWidth(data, i, width, v); }
size_t IntSet::alloc_bytes() const { return cap; }

bool IntSet::Find(int64_t v, size_t* pos) const {
  if (WidthOf(v) > width) {
    *pos = v < 0 ? 0 : len;
    return false;
  }
  size_t lo = 0, hi = len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int64_t x = Get(mid);
    if (x == v) {
      *pos = mid;
      return true;
    }
    if (x < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  *pos = lo;
  return false;
}

void IntSet::Reserve(size_t bytes) {
  if (bytes <= cap) return;
  size_t n = MallocSizeClass(bytes);
  char* p = static_cast<char*>(realloc(data, n));
  if (!p) throw std::bad_alloc();
  data = p;
  cap = static_cast<uint32_t>(n);
}

void IntSet::Upgrade(uint8_t new_width) {
  Reserve(size_t{len} * new_width);
  // Widen in place from the back: entry i moves to a position at or after its old one.
  for (size_t i = len; i-- > 0;) StoreWidth(data, i, new_width, LoadWidth(data, i, width));
  width = new_width;
}

bool IntSet::Insert(int64_t v) {
  size_t pos;
  uint8_t w = WidthOf(v);
  if (w > width) {
    // Out of the current range: smaller than all members or larger than all of them.
    Upgrade(w);
    pos = v < 0 ? 0 : len;
  } else if (Find(v, &pos)) {
    return false;
  }
  Reserve((size_t{len} + 1) * width);
  memmove(data + (pos + 1) * width, data + pos * width, (len - pos) * width);
  Set(pos, v);
  ++len;
  return true;
}

void IntSet::EraseAt(size_t i) {
  memmove(data + i * width, data + (i + 1) * width, (len - i - 1) * width);
  Truncate(len - 1);
}

bool IntSet::Erase(int64_t v) {
  size_t pos;
  if (!Find(v, &pos)) return false;
  EraseAt(pos);
  return true;
}

void IntSet::Truncate(size_t n) {
  len = static_cast<uint32_t>(n);
  size_t used = size_t{len} * width;
  if (used == 0) {
    free(data);
    data = nullptr;
    cap = 0;
    return;
  }
  // Give memory back once the buffer is more than twice what the members need.
  if (cap > 64 && used * 2 < cap) {
    size_t ncap = MallocSizeClass(used);
    if (char* p = static_cast<char*>(realloc(data, ncap))) {
      data = p;
      cap = static_cast<uint32_t>(ncap);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// StrTable

void StrTable::Free() {
  for (size_t i = 0, n = capacity(); i < n; ++i)
    if (slots[i]) free(const_cast<char*>(PtrOf(slots[i])));
  free(slots);
  *this = StrTable();
}

size_t StrTable::alloc_bytes() const {
  return MallocSizeClass(capacity() * sizeof(uintptr_t)) + elem_bytes;
}

size_t StrTable::SlowAllocBytes() const {
  size_t total = MallocSizeClass(capacity() * sizeof(uintptr_t));
  for (size_t i = 0, n = capacity(); i < n; ++i)
    if (slots[i]) total += ElemAllocSize(At(i));
  return total;
}

std::string_view StrTable::At(size_t i) const { return ElemView(PtrOf(slots[i])); }

uint64_t StrTable::HomeOf(uintptr_t slot_value) const {
  return HashBytes(ElemView(PtrOf(slot_value))) >> (64 - bits);
}

void StrTable::Reserve(size_t n) {
  uint8_t b = kMinBits;
  while ((size_t{1} << b) * 3 < n * 4) ++b;
  Resize(b);
}

size_t StrTable::Find(std::string_view s, uint64_t h) const {
  if (!slots) return SIZE_MAX;
  size_t mask = capacity() - 1;
  uintptr_t tag = TagOf(h);
  for (size_t i = h >> (64 - bits);; i = (i + 1) & mask) {
    uintptr_t v = slots[i];
    if (!v) return SIZE_MAX;
    if ((v & ~kPtrMask) == tag && ElemView(PtrOf(v)) == s) return i;
  }
}

bool StrTable::Contains(std::string_view s) const { return Find(s, HashBytes(s)) != SIZE_MAX; }

void StrTable::InsertNew(uintptr_t slot_value, uint64_t h) {
  size_t mask = capacity() - 1;
  size_t i = h >> (64 - bits);
  while (slots[i]) i = (i + 1) & mask;
  slots[i] = slot_value;
  ++size;
}

void StrTable::Resize(uint8_t new_bits) {
  uintptr_t* old = slots;
  size_t old_cap = capacity();
  slots = static_cast<uintptr_t*>(calloc(size_t{1} << new_bits, sizeof(uintptr_t)));
  if (!slots) throw std::bad_alloc();
  bits = new_bits;
  size = 0;
  for (size_t i = 0; i < old_cap; ++i) {
    uintptr_t v = old[i];
    if (v) InsertNew(v, HashBytes(ElemView(PtrOf(v))));
  }
  free(old);
}

bool StrTable::Insert(std::string_view s) {
  uint64_t h = HashBytes(s);
  if (Find(s, h) != SIZE_MAX) return false;
  if (!slots) {
    Resize(kMinBits);
  } else if ((size_t{size} + 1) * 4 > capacity() * 3) {
    Resize(bits + 1);
  }
  InsertNew(MakeSlot(NewElem(s), h), h);
  elem_bytes += ElemAllocSize(s);
  return true;
}

void StrTable::EraseAt(size_t i) {
  elem_bytes -= ElemAllocSize(At(i));
  free(const_cast<char*>(PtrOf(slots[i])));
  slots[i] = 0;
  --size;
  // Backward-shift deletion: pull later members of the run into the hole when their home is
  // not in (hole, their slot], so every run stays contiguous from its members' homes.
  size_t mask = capacity() - 1;
  for (size_t j = (i + 1) & mask; slots[j]; j = (j + 1) & mask) {
    size_t k = HomeOf(slots[j]);
    bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots[i] = slots[j];
    slots[j] = 0;
    i = j;
  }
  MaybeShrink();
}

bool StrTable::Erase(std::string_view s) {
  size_t i = Find(s, HashBytes(s));
  if (i == SIZE_MAX) return false;
  EraseAt(i);
  return true;
}

void StrTable::MaybeShrink() {
  if (bits <= kMinBits || size_t{size} * 8 >= capacity()) return;
  uint8_t b = kMinBits;
  while ((size_t{1} << b) < size_t{size} * 2) ++b;
  Resize(b);
}

size_t StrTable::RandomSlot(SetRng rnd) const {
  size_t mask = capacity() - 1;
  for (;;) {
    size_t i = rnd() & mask;
    if (slots[i]) return i;
  }
}

uint64_t StrTable::ScanStep(uint64_t cursor, MemberSink emit) const {
  if (!slots) return 0;
  // A cursor we never returned (from a client) is taken modulo the hash space, as dictScan
  // masks one: it names some bucket, and the scan goes on from there.
  cursor &= (uint64_t{1} << kCursorBits) - 1;
  int shift = kCursorBits - bits;
  size_t bucket = cursor >> shift;
  size_t mask = capacity() - 1;
  // Members whose home is `bucket` all lie in the run that starts there.
  for (size_t i = bucket; slots[i]; i = (i + 1) & mask)
    if (HomeOf(slots[i]) == bucket) emit(SetMember::Str(At(i)));
  size_t next = bucket + 1;
  return next == capacity() ? 0 : static_cast<uint64_t>(next) << shift;
}

void StrTable::CopyFrom(const StrTable& o) {
  *this = StrTable();
  if (!o.slots) return;
  slots = static_cast<uintptr_t*>(calloc(o.capacity(), sizeof(uintptr_t)));
  if (!slots) throw std::bad_alloc();
  bits = o.bits;
  size = o.size;
  elem_bytes = o.elem_bytes;
  for (size_t i = 0, n = o.capacity(); i < n; ++i) {
    uintptr_t v = o.slots[i];
    if (v) slots[i] = (v & ~kPtrMask) | CheckedPtr(NewElem(o.At(i)));
  }
}

void StrTable::PopSelected(size_t count, SetRng rnd, MemberSink emit) {
  // Select the victims in one pass and move the survivors' allocations into a new table
  // (Redis's SPOP "case 3" builds a new set the same way).
  StrTable kept;
  kept.Reserve(size - count);
  Selector sel(count, size, rnd);
  for (size_t i = 0, n = capacity(); i < n; ++i) {
    uintptr_t v = slots[i];
    if (!v) continue;
    std::string_view s = ElemView(PtrOf(v));
    if (sel.Next()) {
      emit(SetMember::Str(s));
      elem_bytes -= ElemAllocSize(s);
      free(const_cast<char*>(PtrOf(v)));
    } else {
      kept.InsertNew(v, HashBytes(s));
    }
  }
  kept.elem_bytes = elem_bytes;
  free(slots);
  *this = kept;
}

// ---------------------------------------------------------------------------------------------
// SetObject

SetObject::~SetObject() {
  if (intset_)
    is_.Free();
  else
    ht_.Free();
}

std::unique_ptr<Object> SetObject::Clone() const {
  auto out = std::make_unique<SetObject>();
  if (intset_) {
    IntSet& d = out->is_;
    if (is_.len) {
      d.data = static_cast<char*>(malloc(is_.cap));
      if (!d.data) throw std::bad_alloc();
      memcpy(d.data, is_.data, size_t{is_.len} * is_.width);
      d.cap = is_.cap;
    }
    d.len = is_.len;
    d.width = is_.width;
  } else {
    out->is_.Free();
    new (&out->ht_) StrTable();
    out->intset_ = false;
    out->ht_.CopyFrom(ht_);
  }
  return out;
}

size_t SetObject::MemoryUsage() const {
  return MallocSizeClass(sizeof(SetObject)) + (intset_ ? is_.alloc_bytes() : ht_.alloc_bytes());
}

size_t SetObject::SlowMemoryUsage() const {
  return MallocSizeClass(sizeof(SetObject)) +
         (intset_ ? MallocSizeClass(size_t{is_.len} * is_.width) : ht_.SlowAllocBytes());
}

void SetObject::ConvertToHashtable() {
  if (!intset_) return;
  StrTable t;
  t.Reserve(is_.len);
  for (size_t i = 0; i < is_.len; ++i) t.Insert(IntText(is_.Get(i)).view());
  is_.Free();
  new (&ht_) StrTable(t);
  intset_ = false;
}

bool SetObject::AddInt(int64_t v, size_t max_intset) {
  if (!intset_) return ht_.Insert(IntText(v).view());
  if (!is_.Insert(v)) return false;
  if (is_.len > max_intset) ConvertToHashtable();
  return true;
}

bool SetObject::Add(std::string_view m, size_t max_intset) {
  if (intset_) {
    if (auto v = ParseInt64(m)) return AddInt(*v, max_intset);
    ConvertToHashtable();
  }
  return ht_.Insert(m);
}

bool SetObject::Remove(std::string_view m) {
  if (!intset_) return ht_.Erase(m);
  auto v = ParseInt64(m);
  return v && is_.Erase(*v);
}

bool SetObject::RemoveInt(int64_t v) {
  if (!intset_) return ht_.Erase(IntText(v).view());
  return is_.Erase(v);
}

bool SetObject::Contains(std::string_view m) const {
  if (!intset_) return ht_.Contains(m);
  auto v = ParseInt64(m);
  size_t pos;
  return v && is_.Find(*v, &pos);
}

bool SetObject::ContainsInt(int64_t v) const {
  if (!intset_) return ht_.Contains(IntText(v).view());
  size_t pos;
  return is_.Find(v, &pos);
}

SetMember SetObject::Random(SetRng rnd) const {
  if (intset_) return SetMember::Int(is_.Get(rnd() % is_.len));
  return SetMember::Str(ht_.At(ht_.RandomSlot(rnd)));
}

void SetObject::PopRandom(size_t count, SetRng rnd, MemberSink emit) {
  size_t n = size();
  if (count == 0) return;
  if (intset_) {
    if (count * 8 < n) {
      // Few members: pick and remove one at a time.
      while (count--) {
        size_t i = rnd() % is_.len;
        emit(SetMember::Int(is_.Get(i)));
        is_.EraseAt(i);
      }
      return;
    }
    // Many: one selection-sampling pass, compacting the kept members in place.
    Selector sel(count, n, rnd);
    size_t w = 0;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = is_.Get(i);
      if (sel.Next())
        emit(SetMember::Int(v));
      else
        is_.Set(w++, v);
    }
    is_.Truncate(w);
    return;
  }
  if ((n - count) * 5 > count) {
    while (count--) {
      size_t i = ht_.RandomSlot(rnd);
      emit(SetMember::Str(ht_.At(i)));
      ht_.EraseAt(i);
    }
    return;
  }
  ht_.PopSelected(count, rnd, emit);
}

void SetObject::SampleDistinct(size_t count, SetRng rnd, MemberSink emit) const {
  size_t n = size();
  if (count * 3 > n) {
    // A large share of the set: one selection-sampling pass.
    Selector sel(count, n, rnd);
    ForEach([&](const SetMember& m) {
      if (sel.Next()) emit(m);
    });
    return;
  }
  // A small share: random picks, skipping positions already returned.
  std::unordered_set<size_t> seen;
  seen.reserve(count * 2);
  while (seen.size() < count) {
    size_t i = intset_ ? rnd() % is_.len : ht_.RandomSlot(rnd);
    if (!seen.insert(i).second) continue;
    emit(intset_ ? SetMember::Int(is_.Get(i)) : SetMember::Str(ht_.At(i)));
  }
}

uint64_t SetObject::ScanStep(uint64_t cursor, MemberSink emit) const {
  if (!intset_) return ht_.ScanStep(cursor, emit);
  ForEach([&](const SetMember& m) { emit(m); });
  return 0;
}

}  // namespace tessera
