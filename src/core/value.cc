// Value encodings for strings and the dispatch to Object for other types.
#include "core/value.h"

#include <charconv>

#include "base/strings.h"

namespace tessera {

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

Value Value::FromString(std::string_view s) {
  if (s.size() <= 20) {
    if (auto v = ParseInt64(s)) return Value(*v);
  }
  Value out;
  out.data_ = Str{std::string(s), s.size() > kEmbstrMax, false};
  return out;
}

Value Value::FromOwnedString(std::string s) {
  if (s.size() <= 20) return FromString(s);
  bool raw = s.size() > kEmbstrMax;
  return Bytes(std::move(s), raw, false);
}

Value Value::Bytes(std::string s, bool raw, bool edited) {
  Value out;
  out.data_ = Str{std::move(s), raw, edited};
  return out;
}

ValueType Value::type() const {
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_)) return (*o)->type();
  return ValueType::kString;
}

const Object* Value::object() const {
  auto* o = std::get_if<std::unique_ptr<Object>>(&data_);
  return o ? o->get() : nullptr;
}

Object* Value::object() {
  auto* o = std::get_if<std::unique_ptr<Object>>(&data_);
  return o ? o->get() : nullptr;
}

std::string Value::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void Value::AppendTo(std::string* out) const {
  if (auto* i = std::get_if<int64_t>(&data_)) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), *i);
    out->append(buf, r.ptr - buf);
  } else if (auto* s = std::get_if<Str>(&data_)) {
    out->append(s->bytes);
  }
}

size_t Value::StringLength() const {
  if (auto* i = std::get_if<int64_t>(&data_)) {
    char buf[24];
    return std::to_chars(buf, buf + sizeof(buf), *i).ptr - buf;
  }
  if (auto* s = std::get_if<Str>(&data_)) return s->bytes.size();
  return 0;
}

std::optional<std::string_view> Value::BytesView() const {
  if (auto* s = std::get_if<Str>(&data_)) return std::string_view(s->bytes);
  return std::nullopt;
}

const char* Value::encoding() const {
  if (std::holds_alternative<int64_t>(data_)) return "int";
  if (auto* s = std::get_if<Str>(&data_)) return s->raw ? "raw" : "embstr";
  return std::get<std::unique_ptr<Object>>(data_)->encoding();
}

Value Value::Clone() const {
  Value out;
  if (auto* i = std::get_if<int64_t>(&data_))
    out.data_ = *i;
  else if (auto* s = std::get_if<Str>(&data_))
    out.data_ = *s;
  else
    out.data_ = std::get<std::unique_ptr<Object>>(data_)->Clone();
  return out;
}

size_t Value::MemoryUsage() const {
  if (auto* s = std::get_if<Str>(&data_))
    return sizeof(Value) + (s->bytes.capacity() > 15 ? s->bytes.capacity() + 1 : 0);
  if (auto* o = std::get_if<std::unique_ptr<Object>>(&data_))
    return sizeof(Value) + (*o)->MemoryUsage();
  return sizeof(Value);
}

}  // namespace tessera
