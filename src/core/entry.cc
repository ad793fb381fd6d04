// Entry: encoding and decoding of the packed key/value block.
#include "core/entry.h"

#include <charconv>

#include "base/varint.h"

namespace tessera {
namespace {

// A string goes inline unless it was made "raw" by an in-place edit (APPEND, SETRANGE), which
// keeps growing it, or the entry would exceed kMaxInline.
bool InlineFits(size_t fixed, size_t len) {
  return fixed + VarintLen(len) + len <= Entry::kMaxInline;
}

}  // namespace

size_t Entry::EncodedSize(std::string_view key, const Value& v, bool with_ttl, bool with_mc) {
  size_t fixed = kTtlAt + (with_ttl ? kTtlBytes : 0) + (with_mc ? kMcBytes : 0) +
                 VarintLen(key.size()) + key.size();
  if (auto* s = std::get_if<Value::Str>(&v.data_)) {
    if (!s->edited && InlineFits(fixed, s->bytes.size()))
      return fixed + VarintLen(s->bytes.size()) + s->bytes.size();
  }
  return fixed + 8;
}

Entry* Entry::Encode(void* mem, std::string_view key, Value&& v, bool with_ttl, bool with_mc) {
  char* p = static_cast<char*>(mem);
  Entry* e = reinterpret_cast<Entry*>(p);
  uint8_t flags = (with_ttl ? kHasTtl : 0) | (with_mc ? kHasMc : 0);
  size_t fixed = kTtlAt + (with_ttl ? kTtlBytes : 0) + (with_mc ? kMcBytes : 0) +
                 VarintLen(key.size()) + key.size();
  char* q = p + kTtlAt;
  if (with_ttl) {
    int64_t none = kNoExpire;
    uint32_t idx = kNotVolatile;
    memcpy(q, &none, 8);
    memcpy(q + 8, &idx, 4);
    q += kTtlBytes;
  }
  if (with_mc) {
    memset(q, 0, kMcBytes);
    q += kMcBytes;
  }
  q = PutVarint(q, key.size());
  memmove(q, key.data(), key.size());
  q += key.size();
  if (auto* i = std::get_if<int64_t>(&v.data_)) {
    memcpy(q, i, 8);
  } else if (auto* s = std::get_if<Value::Str>(&v.data_)) {
    if (s->raw) flags |= kRaw;
    if (!s->edited && InlineFits(fixed, s->bytes.size())) {
      flags |= kInline;
      q = PutVarint(q, s->bytes.size());
      memcpy(q, s->bytes.data(), s->bytes.size());
    } else {
      flags |= kHeap;
      auto* heap = new std::string(std::move(s->bytes));
      memcpy(q, &heap, sizeof(heap));
    }
  } else {
    flags |= kObject;
    Object* o = std::get<std::unique_ptr<Object>>(v.data_).release();
    memcpy(q, &o, sizeof(o));
  }
  p[kFlagsAt] = static_cast<char>(flags);
  e->set_clock(0);
  return e;
}

void Entry::ReleasePayload() {
  if (kind() == kHeap) delete LoadPtr<std::string*>();
  if (kind() == kObject) delete LoadPtr<Object*>();
}

std::string_view Entry::key() const {
  size_t len;
  const char* p = GetVarint(bytes() + KeyAt(), &len);
  return {p, len};
}

size_t Entry::PayloadAt() const {
  std::string_view k = key();
  return static_cast<size_t>(k.data() + k.size() - bytes());
}

size_t Entry::encoded_size() const {
  size_t at = PayloadAt();
  if (kind() != kInline) return at + 8;
  size_t len;
  const char* p = GetVarint(bytes() + at, &len);
  return static_cast<size_t>(p - bytes()) + len;
}

ValueType Entry::type() const {
  return kind() == kObject ? LoadPtr<Object*>()->type() : ValueType::kString;
}

const char* Entry::encoding() const {
  switch (kind()) {
    case kInt:
      return "int";
    case kObject:
      return LoadPtr<Object*>()->encoding();
    default:
      return flags() & kRaw ? "raw" : "embstr";
  }
}

std::optional<std::string_view> Entry::BytesView() const {
  if (kind() == kInline) {
    size_t len;
    const char* p = GetVarint(bytes() + PayloadAt(), &len);
    return std::string_view(p, len);
  }
  if (kind() == kHeap) return std::string_view(*LoadPtr<std::string*>());
  return std::nullopt;
}

void Entry::AppendTo(std::string* out) const {
  if (is_int()) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), int_value());
    out->append(buf, r.ptr - buf);
  } else if (auto b = BytesView()) {
    out->append(*b);
  }
}

std::string Entry::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

size_t Entry::StringLength() const {
  if (is_int()) {
    char buf[24];
    return std::to_chars(buf, buf + sizeof(buf), int_value()).ptr - buf;
  }
  auto b = BytesView();
  return b ? b->size() : 0;
}

const Object* Entry::object() const { return kind() == kObject ? LoadPtr<Object*>() : nullptr; }
Object* Entry::object() { return kind() == kObject ? LoadPtr<Object*>() : nullptr; }
std::string* Entry::heap_string() const {
  return kind() == kHeap ? LoadPtr<std::string*>() : nullptr;
}

Value Entry::CloneValue() const {
  switch (kind()) {
    case kInt:
      return Value::FromInt(int_value());
    case kObject:
      return Value::FromObject(LoadPtr<Object*>()->Clone());
    default:
      return Value::Bytes(std::string(*BytesView()), flags() & kRaw, kind() == kHeap);
  }
}

Value Entry::TakeValue() {
  Value out;
  switch (kind()) {
    case kInt:
      return Value::FromInt(int_value());
    case kObject:
      out = Value::FromObject(std::unique_ptr<Object>(LoadPtr<Object*>()));
      break;
    case kHeap: {
      std::unique_ptr<std::string> s(LoadPtr<std::string*>());
      out = Value::Bytes(std::move(*s), flags() & kRaw, true);
      break;
    }
    case kInline:
      return Value::Bytes(std::string(*BytesView()), flags() & kRaw, false);
  }
  // The payload now belongs to `out`; leave an int behind so nothing is released twice.
  bytes_mut()[kFlagsAt] = static_cast<char>(flags() & (kHasTtl | kHasMc));
  return out;
}

size_t Entry::HeapBytes() const {
  if (kind() == kHeap) {
    const std::string* s = LoadPtr<std::string*>();
    return sizeof(std::string) + (s->capacity() > 15 ? s->capacity() + 1 : 0);
  }
  if (kind() == kObject) return LoadPtr<Object*>()->MemoryUsage();
  return 0;
}

}  // namespace tessera
