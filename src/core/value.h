// A key's value. Strings are kept as int64 when they are canonical integers (Redis's "int"
// encoding) and as bytes otherwise. Other data types (later issues) plug in as Object
// subclasses with their own type tag and encoding names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tessera {

enum class ValueType : uint8_t { kString = 0, kList, kSet, kZSet, kHash, kStream };

const char* ValueTypeName(ValueType t);

// Base for non-string types; each reports its own encoding name ("listpack", "skiplist", ...).
class Object {
 public:
  virtual ~Object() = default;
  virtual ValueType type() const = 0;
  virtual const char* encoding() const = 0;
  virtual std::unique_ptr<Object> Clone() const = 0;
  virtual size_t MemoryUsage() const = 0;
};

class Value {
 public:
  // Largest string Redis stores as "embstr" (one allocation with its object header).
  static constexpr size_t kEmbstrMax = 44;

  Value() : data_(int64_t{0}) {}
  static Value FromInt(int64_t v) { return Value(v); }
  // Stores `s` as an integer when it is one, else as bytes.
  static Value FromString(std::string_view s);
  // The same, taking the bytes of a long string instead of copying them.
  static Value FromOwnedString(std::string s);
  // Stores `s` as bytes, never as an integer, with Redis's "raw" encoding; `edited` marks a
  // string that is edited in place (APPEND, SETRANGE) and is kept in its own growable buffer.
  static Value Bytes(std::string s, bool raw, bool edited);
  static Value FromObject(std::unique_ptr<Object> o) { return Value(std::move(o)); }

  ValueType type() const;
  bool is_int() const { return std::holds_alternative<int64_t>(data_); }
  int64_t int_value() const { return std::get<int64_t>(data_); }
  const Object* object() const;
  Object* object();

  // String contents (converting an int to its decimal form). Only for type() == kString.
  std::string ToString() const;
  // Appends the string form to `out` without an intermediate allocation for ints.
  void AppendTo(std::string* out) const;
  size_t StringLength() const;
  // The stored bytes when the string is not int-encoded (no copy), else nullopt.
  std::optional<std::string_view> BytesView() const;
  const char* encoding() const;
  Value Clone() const;
  size_t MemoryUsage() const;

 private:
  explicit Value(int64_t v) : data_(v) {}
  explicit Value(std::unique_ptr<Object> o) : data_(std::move(o)) {}

  friend class Entry;
  struct Str {
    std::string bytes;
    bool raw = false;     // Redis's "raw" encoding: edited in place or too big for embstr
    bool edited = false;  // edited in place: kept in its own buffer, not inline
  };
  std::variant<int64_t, Str, std::unique_ptr<Object>> data_;
};

}  // namespace tessera
