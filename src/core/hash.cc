// HashObject: the listpack and hashtable encodings of Redis hashes (layouts in hash.h).
#include "core/hash.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_set>

#include "base/hash.h"
#include "base/malloc.h"
#include "base/strings.h"
#include "base/varint.h"

namespace tessera {
namespace {

constexpr uint32_t kTableMarker = UINT32_MAX;
constexpr size_t kLpHeader = 8;                  // u32 count, u32 payload bytes
constexpr size_t kLpMaxBytes = size_t{1} << 30;  // Redis's LISTPACK_MAX_SAFETY_SIZE
constexpr size_t kMinTableCap = 4;

void* Realloc(void* p, size_t n) {
  void* q = realloc(p, n);
  if (!q) throw std::bad_alloc();
  return q;
}

uint32_t Load32(const void* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
void Store32(void* p, uint32_t v) { memcpy(p, &v, 4); }

// ---------------------------------------------------------------------------------------------
// Listpack elements

// A string about to be stored, in the form it takes: an integer when canonical.
struct Enc {
  std::string_view s;
  bool is_int = false;
  int64_t iv = 0;
  size_t size = 0;  // encoded bytes
};

size_t IntBytes(int64_t v) {
  for (size_t n = 1; n < 8; ++n) {
    int64_t lim = int64_t{1} << (8 * n - 1);
    if (v >= -lim && v < lim) return n;
  }
  return 8;
}

Enc Classify(std::string_view s) {
  Enc e;
  e.s = s;
  if (!s.empty() && s.size() <= 20) {
    if (auto v = ParseInt64(s)) {
      e.is_int = true;
      e.iv = *v;
      e.size = (*v >= 0 && *v <= 47) ? 1 : 1 + IntBytes(*v);
      return e;
    }
  }
  size_t n = s.size();
  e.size = n + (n < 128 ? 1 : n < 128 + 16384 ? 2 : 5);
  return e;
}

void Write(uint8_t* p, const Enc& e) {
  if (e.is_int) {
    if (e.iv >= 0 && e.iv <= 47) {
      *p = static_cast<uint8_t>(0xd0 + e.iv);
      return;
    }
    size_t n = e.size - 1;
    *p++ = static_cast<uint8_t>(0xc0 + n);
    uint64_t u = static_cast<uint64_t>(e.iv);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
    return;
  }
  size_t n = e.s.size();
  if (n < 128) {
    *p++ = static_cast<uint8_t>(n);
  } else if (n < 128 + 16384) {
    size_t m = n - 128;
    *p++ = static_cast<uint8_t>(0x80 | (m >> 8));
    *p++ = static_cast<uint8_t>(m & 0xff);
  } else {
    *p++ = 0xc0;
    Store32(p, static_cast<uint32_t>(n));
    p += 4;
  }
  if (n) memcpy(p, e.s.data(), n);
}

// A stored element, decoded.
struct Elem {
  bool is_int;
  int64_t iv;
  const char* s;
  size_t len;
  size_t size;  // encoded bytes
};

inline Elem Decode(const uint8_t* p) {
  uint8_t h = p[0];
  const char* c = reinterpret_cast<const char*>(p);
  if (h < 0x80) return {false, 0, c + 1, h, size_t{1} + h};
  if (h < 0xc0) {
    size_t n = 128 + ((size_t{h} & 0x3f) << 8 | p[1]);
    return {false, 0, c + 2, n, 2 + n};
  }
  if (h == 0xc0) {
    size_t n = Load32(p + 1);
    return {false, 0, c + 5, n, 5 + n};
  }
  if (h <= 0xc8) {
    size_t n = h - 0xc0;
    uint64_t u = 0;
    for (size_t i = 0; i < n; ++i) u |= uint64_t{p[1 + i]} << (8 * i);
    int shift = static_cast<int>(64 - 8 * n);
    int64_t v = shift ? static_cast<int64_t>(u << shift) >> shift : static_cast<int64_t>(u);
    return {true, v, nullptr, 0, 1 + n};
  }
  return {true, h - 0xd0, nullptr, 0, 1};
}

std::string_view View(const Elem& e, HashObject::NumBuf* buf) {
  if (!e.is_int) return {e.s, e.len};
  auto r = std::to_chars(buf->data, buf->data + sizeof(buf->data), e.iv);
  return {buf->data, static_cast<size_t>(r.ptr - buf->data)};
}

bool Matches(const Elem& e, const Enc& k) {
  if (e.is_int) return k.is_int && e.iv == k.iv;
  return !k.is_int && e.len == k.s.size() && (e.len == 0 || memcmp(e.s, k.s.data(), e.len) == 0);
}

uint32_t LpCount(const uint8_t* lp) { return Load32(lp); }
uint32_t LpBytes(const uint8_t* lp) { return Load32(lp + 4); }
const uint8_t* LpPayload(const uint8_t* lp) { return lp + kLpHeader; }

uint8_t* NewListpack() {
  auto* p = static_cast<uint8_t*>(Realloc(nullptr, HashObject::AllocSize(kLpHeader)));
  Store32(p, 0);
  Store32(p + 4, 0);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Table nodes: varint field length | field | varint value length | value

struct NodeView {
  std::string_view field, value;
  size_t size;  // bytes of the node
};

inline std::string_view NodeField(const char* n) {
  size_t fl;
  const char* f = GetVarint(n, &fl);
  return {f, fl};
}

NodeView ReadNode(const char* n) {
  std::string_view f = NodeField(n);
  size_t vl;
  const char* v = GetVarint(f.data() + f.size(), &vl);
  return {f, {v, vl}, static_cast<size_t>(v + vl - n)};
}

size_t NodeSize(std::string_view f, std::string_view v) {
  return VarintLen(f.size()) + f.size() + VarintLen(v.size()) + v.size();
}

// Writes the value part of a node whose field is already in place.
void PutNodeValue(char* n, std::string_view v) {
  std::string_view f = NodeField(n);
  char* p = PutVarint(const_cast<char*>(f.data() + f.size()), v.size());
  if (!v.empty()) memcpy(p, v.data(), v.size());
}

char* NewNode(std::string_view f, std::string_view v) {
  char* n = static_cast<char*>(Realloc(nullptr, NodeSize(f, v)));
  char* p = PutVarint(n, f.size());
  if (!f.empty()) memcpy(p, f.data(), f.size());
  PutNodeValue(n, v);
  return n;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0full) | ((v & 0x0f0f0f0f0f0f0f0full) << 4);
  return __builtin_bswap64(v);
}

// The smallest table capacity holding n elements at a load of at most 3/4.
size_t CapFor(size_t n) {
  size_t cap = kMinTableCap;
  while (n * 4 > cap * 3) cap *= 2;
  return cap;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The table rep: this header, then `mask + 1` node pointers.
struct HashObject::Table {
  uint32_t marker;
  uint32_t unused;
  size_t size;
  size_t mask;
  size_t node_bytes;  // allocation classes of all nodes

  char** slots() { return reinterpret_cast<char**>(this + 1); }
  char* const* slots() const { return reinterpret_cast<char* const*>(this + 1); }
  size_t cap() const { return mask + 1; }
  size_t Home(const char* node) const { return HashBytes(NodeField(node)) & mask; }

  static Table* New(size_t cap) {
    void* m = calloc(1, sizeof(Table) + cap * sizeof(char*));
    if (!m) throw std::bad_alloc();
    Table* t = static_cast<Table*>(m);
    t->marker = kTableMarker;
    t->mask = cap - 1;
    return t;
  }
  // Puts a node known to be absent into its probe run.
  void Place(char* node, uint64_t hash) {
    size_t i = hash & mask;
    while (slots()[i]) i = (i + 1) & mask;
    slots()[i] = node;
  }
  size_t Find(std::string_view field, uint64_t hash) const {
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const char* n = slots()[i];
      if (!n) return kEnd;
      if (NodeField(n) == field) return i;
    }
  }
  size_t RandomSlot(uint64_t (*rnd)()) const {
    for (;;) {
      size_t i = rnd() & mask;
      if (slots()[i]) return i;
    }
  }
};

size_t HashObject::AllocSize(size_t n) { return MallocSizeClass(n); }

HashObject::HashObject() : rep_(NewListpack()) {}

HashObject::~HashObject() {
  if (!is_listpack()) {
    Table* t = table();
    for (size_t i = 0; i < t->cap(); ++i) free(t->slots()[i]);
  }
  free(rep_);
}

bool HashObject::is_listpack() const { return Load32(rep_) != kTableMarker; }

size_t HashObject::size() const { return is_listpack() ? LpCount(lp()) : table()->size; }

std::unique_ptr<Object> HashObject::Clone() const {
  auto out = std::make_unique<HashObject>();
  free(out->rep_);
  if (is_listpack()) {
    size_t n = kLpHeader + LpBytes(lp());
    out->rep_ = Realloc(nullptr, AllocSize(n));
    memcpy(out->rep_, rep_, n);
    return out;
  }
  const Table* t = table();
  Table* c = Table::New(t->cap());
  out->rep_ = c;
  for (size_t i = 0; i < t->cap(); ++i) {
    if (const char* n = t->slots()[i]) {
      size_t sz = ReadNode(n).size;
      c->slots()[i] = static_cast<char*>(Realloc(nullptr, sz));
      memcpy(c->slots()[i], n, sz);
    }
  }
  c->size = t->size;
  c->node_bytes = t->node_bytes;
  return out;
}

size_t HashObject::MemoryUsage() const {
  size_t self = AllocSize(sizeof(HashObject));
  if (is_listpack()) return self + AllocSize(kLpHeader + LpBytes(lp()));
  const Table* t = table();
  return self + AllocSize(sizeof(Table) + t->cap() * sizeof(char*)) + t->node_bytes;
}

// ---------------------------------------------------------------------------------------------
// Lookups and updates

HashObject::Pos HashObject::LpFind(std::string_view field) const {
  Enc k = Classify(field);
  const uint8_t* p = LpPayload(lp());
  size_t bytes = LpBytes(lp());
  for (size_t off = 0; off < bytes;) {
    Elem f = Decode(p + off);
    if (Matches(f, k)) return off;
    off += f.size;
    off += Decode(p + off).size;
  }
  return kEnd;
}

std::optional<std::string_view> HashObject::Get(std::string_view field, NumBuf* buf) const {
  if (is_listpack()) {
    Pos off = LpFind(field);
    if (off == kEnd) return std::nullopt;
    const uint8_t* p = LpPayload(lp()) + off;
    return View(Decode(p + Decode(p).size), buf);
  }
  const Table* t = table();
  size_t i = t->Find(field, HashBytes(field));
  if (i == kEnd) return std::nullopt;
  return ReadNode(t->slots()[i]).value;
}

bool HashObject::Contains(std::string_view field) const {
  NumBuf buf;
  return Get(field, &buf).has_value();
}

void HashObject::LpSplice(size_t off, size_t old_len, size_t new_len) {
  uint8_t* p = lp();
  size_t bytes = LpBytes(p);
  size_t nb = bytes - old_len + new_len;
  size_t old_alloc = AllocSize(kLpHeader + bytes), new_alloc = AllocSize(kLpHeader + nb);
  size_t tail = bytes - off - old_len;
  if (new_len > old_len && new_alloc != old_alloc) p = static_cast<uint8_t*>(Realloc(p, new_alloc));
  uint8_t* at = p + kLpHeader + off;
  if (tail && new_len != old_len) memmove(at + new_len, at + old_len, tail);
  if (new_len < old_len && new_alloc != old_alloc) p = static_cast<uint8_t*>(Realloc(p, new_alloc));
  Store32(p + 4, static_cast<uint32_t>(nb));
  rep_ = p;
}

bool HashObject::LpSet(std::string_view field, std::string_view value) {
  Enc fe = Classify(field), ve = Classify(value);
  size_t bytes = LpBytes(lp());
  for (size_t off = 0; off < bytes;) {
    const uint8_t* p = LpPayload(lp());
    Elem f = Decode(p + off);
    size_t voff = off + f.size;
    size_t vsize = Decode(p + voff).size;
    if (Matches(f, fe)) {
      LpSplice(voff, vsize, ve.size);
      Write(lp() + kLpHeader + voff, ve);
      return false;
    }
    off = voff + vsize;
  }
  LpSplice(bytes, 0, fe.size + ve.size);
  uint8_t* at = lp() + kLpHeader + bytes;
  Write(at, fe);
  Write(at + fe.size, ve);
  Store32(lp(), LpCount(lp()) + 1);
  return true;
}

bool HashObject::TableSet(std::string_view field, std::string_view value) {
  Table* t = table();
  uint64_t h = HashBytes(field);
  size_t i = t->Find(field, h);
  if (i != kEnd) {
    char* n = t->slots()[i];
    size_t old_size = ReadNode(n).size;
    size_t new_size = NodeSize(field, value);
    if (new_size != old_size) n = static_cast<char*>(Realloc(n, new_size));
    PutNodeValue(n, value);
    t->slots()[i] = n;
    t->node_bytes += AllocSize(new_size) - AllocSize(old_size);
    return false;
  }
  if ((t->size + 1) * 4 > t->cap() * 3) {
    Rehash(t->cap() * 2);
    t = table();
  }
  char* n = NewNode(field, value);
  t->Place(n, h);
  ++t->size;
  t->node_bytes += AllocSize(NodeSize(field, value));
  return true;
}

bool HashObject::Set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
  if (is_listpack()) {
    size_t max = limits.hash_max_listpack_value;
    if (field.size() > max || value.size() > max ||
        LpBytes(lp()) + field.size() + value.size() + 10 > kLpMaxBytes) {
      ConvertToTable();
    } else {
      bool added = LpSet(field, value);
      if (size() > limits.hash_max_listpack_entries) ConvertToTable();
      return added;
    }
  }
  return TableSet(field, value);
}

bool HashObject::TableDelete(std::string_view field) {
  Table* t = table();
  size_t i = t->Find(field, HashBytes(field));
  if (i == kEnd) return false;
  char** s = t->slots();
  t->node_bytes -= AllocSize(ReadNode(s[i]).size);
  free(s[i]);
  s[i] = nullptr;
  --t->size;
  // Backward shift: pull later members of the probe run into the hole when their home slot
  // is not between the hole and where they are.
  size_t hole = i;
  for (size_t k = (i + 1) & t->mask; s[k]; k = (k + 1) & t->mask) {
    size_t home = t->Home(s[k]);
    if (((k - home) & t->mask) >= ((k - hole) & t->mask)) {
      s[hole] = s[k];
      s[k] = nullptr;
      hole = k;
    }
  }
  if (t->cap() > kMinTableCap && t->size * 8 < t->cap()) Rehash(CapFor(t->size));
  return true;
}

bool HashObject::Delete(std::string_view field) {
  if (!is_listpack()) return TableDelete(field);
  Pos off = LpFind(field);
  if (off == kEnd) return false;
  const uint8_t* p = LpPayload(lp()) + off;
  size_t fsize = Decode(p).size;
  LpSplice(off, fsize + Decode(p + fsize).size, 0);
  Store32(lp(), LpCount(lp()) - 1);
  return true;
}

void HashObject::Rehash(size_t cap) {
  Table* t = table();
  Table* n = Table::New(cap);
  for (size_t i = 0; i < t->cap(); ++i)
    if (char* node = t->slots()[i]) n->Place(node, HashBytes(NodeField(node)));
  n->size = t->size;
  n->node_bytes = t->node_bytes;
  free(t);
  rep_ = n;
}

void HashObject::ConvertToTable() {
  if (!is_listpack()) return;
  Table* t = Table::New(CapFor(size()));
  ForEach([&](std::string_view f, std::string_view v) {
    t->Place(NewNode(f, v), HashBytes(f));
    ++t->size;
    t->node_bytes += AllocSize(NodeSize(f, v));
  });
  free(rep_);
  rep_ = t;
}

// ---------------------------------------------------------------------------------------------
// Iteration, sampling, scanning

HashObject::Pos HashObject::Begin() const {
  if (is_listpack()) return LpCount(lp()) ? 0 : kEnd;
  const Table* t = table();
  for (size_t i = 0; i < t->cap(); ++i)
    if (t->slots()[i]) return i;
  return kEnd;
}

HashObject::Pos HashObject::Next(Pos pos) const {
  if (is_listpack()) {
    const uint8_t* p = LpPayload(lp());
    size_t off = pos + Decode(p + pos).size;
    off += Decode(p + off).size;
    return off < LpBytes(lp()) ? off : kEnd;
  }
  const Table* t = table();
  for (size_t i = pos + 1; i < t->cap(); ++i)
    if (t->slots()[i]) return i;
  return kEnd;
}

void HashObject::Read(Pos pos, std::string_view* field, std::string_view* value, NumBuf* fb,
                      NumBuf* vb) const {
  if (is_listpack()) {
    const uint8_t* p = LpPayload(lp()) + pos;
    Elem f = Decode(p);
    *field = View(f, fb);
    *value = View(Decode(p + f.size), vb);
    return;
  }
  NodeView n = ReadNode(table()->slots()[pos]);
  *field = n.field;
  *value = n.value;
}

void HashObject::LpPositions(std::vector<Pos>* out) const {
  for (Pos p = Begin(); p != kEnd; p = Next(p)) out->push_back(p);
}

void HashObject::Sample(size_t count, uint64_t (*rnd)(), std::vector<Pos>* out) const {
  if (size() == 0) return;
  if (!is_listpack()) {
    for (size_t i = 0; i < count; ++i) out->push_back(table()->RandomSlot(rnd));
    return;
  }
  std::vector<Pos> all;
  LpPositions(&all);
  for (size_t i = 0; i < count; ++i) out->push_back(all[rnd() % all.size()]);
}

void HashObject::SampleUnique(size_t count, uint64_t (*rnd)(), std::vector<Pos>* out) const {
  size_t n = size();
  if (count > n) count = n;
  if (is_listpack() || count * 3 > n) {
    // Partial Fisher-Yates over every position.
    std::vector<Pos> all;
    all.reserve(n);
    LpPositions(&all);
    for (size_t i = 0; i < count; ++i) std::swap(all[i], all[i + rnd() % (n - i)]);
    // Few out of a listpack come in storage order, as Redis's lpRandomPairsUnique gives them.
    if (is_listpack() && count * 3 <= n) std::sort(all.begin(), all.begin() + count);
    out->insert(out->end(), all.begin(), all.begin() + count);
    return;
  }
  // Few out of many: random slots, skipping repeats.
  std::unordered_set<Pos> picked;
  picked.reserve(count);
  while (picked.size() < count) {
    Pos p = table()->RandomSlot(rnd);
    if (picked.insert(p).second) out->push_back(p);
  }
}

uint64_t HashObject::Scan(uint64_t cursor, std::vector<Pos>* out) const {
  if (is_listpack()) {
    LpPositions(out);
    return 0;
  }
  const Table* t = table();
  uint64_t mask = t->mask;
  size_t home = cursor & mask;
  for (size_t j = home; t->slots()[j]; j = (j + 1) & mask)
    if (t->Home(t->slots()[j]) == home) out->push_back(j);
  uint64_t v = cursor | ~mask;
  v = ReverseBits(v);
  ++v;
  return ReverseBits(v);
}

bool HashObject::Verify() const {
  if (is_listpack()) {
    const uint8_t* p = LpPayload(lp());
    size_t bytes = LpBytes(lp()), off = 0, pairs = 0;
    std::unordered_set<std::string> fields;
    NumBuf fb;
    while (off < bytes) {
      Elem f = Decode(p + off);
      if (!fields.insert(std::string(View(f, &fb))).second) return false;
      off += f.size;
      if (off >= bytes) return false;
      off += Decode(p + off).size;
      ++pairs;
    }
    return off == bytes && pairs == LpCount(lp());
  }
  const Table* t = table();
  size_t n = 0, node_bytes = 0;
  for (size_t i = 0; i < t->cap(); ++i) {
    const char* node = t->slots()[i];
    if (!node) continue;
    ++n;
    node_bytes += AllocSize(ReadNode(node).size);
    // Every slot from the element's home to its own slot is occupied, and the first match of
    // its field is this slot (fields are unique).
    for (size_t j = t->Home(node); j != i; j = (j + 1) & t->mask)
      if (!t->slots()[j]) return false;
    if (t->Find(NodeField(node), HashBytes(NodeField(node))) != i) return false;
  }
  return n == t->size && node_bytes == t->node_bytes && t->size * 4 <= t->cap() * 3;
}

}  // namespace tessera
