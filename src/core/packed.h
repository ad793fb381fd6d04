// Listpack elements (Redis's listpack.c entry format), shared by lists and streams: a header
// byte (small ints and short strings in one byte), the payload, then a back-length that lets a
// reader walk backwards. The layout is described at the top of core/list.h.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/strings.h"
#include "base/varint.h"
#include "core/list.h"

namespace tessera::packed {

// Each element is header + payload ("body"), then the body length as a back-varint (listpack
// backlen, see base/varint.h).

// Offset of the element that ends at `off` in `data`.
inline uint32_t PrevStart(const char* data, uint32_t off) {
  size_t bs;
  auto body = static_cast<uint32_t>(GetBackVarint(data + off, &bs));
  return off - static_cast<uint32_t>(bs) - body;
}

inline uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

inline void StoreLE(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline int64_t SignExtend(uint64_t v, int bits) {
  if (bits == 64) return static_cast<int64_t>(v);
  uint64_t m = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// Size of an element's header + payload.
inline uint32_t BodySize(const char* p) {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(p);
  uint8_t h = u[0];
  if (h < 0x80) return 1;
  if (h < 0xC0) return 1 + (h & 63);
  if (h < 0xE0) return 2;
  if (h < 0xF0) return 2 + (((h & 0x0F) << 8) | u[1]);
  switch (h) {
    case 0xF0:
      return 5 + static_cast<uint32_t>(LoadLE(u + 1, 4));
    case 0xF1:
      return 3;
    case 0xF2:
      return 4;
    case 0xF3:
      return 5;
    default:
      return 9;
  }
}

inline uint32_t EntrySize(const char* p) {
  uint32_t body = BodySize(p);
  return body + static_cast<uint32_t>(VarintLen(body));
}

// Decodes the element at p; returns its whole size.
inline uint32_t Decode(const char* p, ListElem* e) {
  const uint8_t* u = reinterpret_cast<const uint8_t*>(p);
  uint8_t h = u[0];
  uint32_t body;
  e->is_int = true;
  if (h < 0x80) {
    e->num = h;
    body = 1;
  } else if (h < 0xC0) {
    e->is_int = false;
    e->str = std::string_view(p + 1, h & 63);
    body = 1 + (h & 63);
  } else if (h < 0xE0) {
    e->num = SignExtend(((h & 0x1F) << 8) | u[1], 13);
    body = 2;
  } else if (h < 0xF0) {
    uint32_t n = ((h & 0x0F) << 8) | u[1];
    e->is_int = false;
    e->str = std::string_view(p + 2, n);
    body = 2 + n;
  } else {
    switch (h) {
      case 0xF0: {
        uint32_t n = static_cast<uint32_t>(LoadLE(u + 1, 4));
        e->is_int = false;
        e->str = std::string_view(p + 5, n);
        body = 5 + n;
        break;
      }
      case 0xF1:
        e->num = SignExtend(LoadLE(u + 1, 2), 16);
        body = 3;
        break;
      case 0xF2:
        e->num = SignExtend(LoadLE(u + 1, 3), 24);
        body = 4;
        break;
      case 0xF3:
        e->num = SignExtend(LoadLE(u + 1, 4), 32);
        body = 5;
        break;
      default:
        e->num = static_cast<int64_t>(LoadLE(u + 1, 8));
        body = 9;
        break;
    }
  }
  return body + static_cast<uint32_t>(VarintLen(body));
}

// A value about to be written: its encoding decided once.
struct Enc {
  std::string_view s;
  int64_t v = 0;
  bool is_int = false;
  uint32_t body = 0;   // header + payload
  uint32_t total = 0;  // body + back-length
};

// Only canonical integers (Redis's string2ll) are stored as integers, so they read back as the
// same bytes.
inline bool AsInt(std::string_view s, int64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  char c = s[0];
  if (c != '-' && (c < '0' || c > '9')) return false;
  auto r = ParseInt64(s);
  if (!r) return false;
  *v = *r;
  return true;
}

// The encoding of integer `v`.
inline Enc PrepareInt(int64_t v) {
  Enc e;
  e.is_int = true;
  e.v = v;
  e.body = (v >= 0 && v <= 127)                 ? 1
           : (v >= -4096 && v <= 4095)          ? 2
           : (v >= INT16_MIN && v <= INT16_MAX) ? 3
           : (v >= -(1 << 23) && v < (1 << 23)) ? 4
           : (v >= INT32_MIN && v <= INT32_MAX) ? 5
                                                : 9;
  e.total = e.body + static_cast<uint32_t>(VarintLen(e.body));
  return e;
}

// The encoding of `s`: as an integer when it is a canonical one.
inline Enc Prepare(std::string_view s) {
  int64_t v;
  if (AsInt(s, &v)) {
    Enc e = PrepareInt(v);
    e.s = s;
    return e;
  }
  Enc e;
  e.s = s;
  size_t n = s.size();
  e.body = static_cast<uint32_t>((n < 64 ? 1 : n < 4096 ? 2 : 5) + n);
  e.total = e.body + static_cast<uint32_t>(VarintLen(e.body));
  return e;
}

inline void Write(char* p, const Enc& e) {
  uint8_t* u = reinterpret_cast<uint8_t*>(p);
  if (e.is_int) {
    uint64_t v = static_cast<uint64_t>(e.v);
    switch (e.body) {
      case 1:
        u[0] = static_cast<uint8_t>(v);
        break;
      case 2:
        u[0] = static_cast<uint8_t>(0xC0 | ((v >> 8) & 0x1F));
        u[1] = static_cast<uint8_t>(v);
        break;
      case 3:
        u[0] = 0xF1;
        StoreLE(u + 1, v, 2);
        break;
      case 4:
        u[0] = 0xF2;
        StoreLE(u + 1, v, 3);
        break;
      case 5:
        u[0] = 0xF3;
        StoreLE(u + 1, v, 4);
        break;
      default:
        u[0] = 0xF4;
        StoreLE(u + 1, v, 8);
        break;
    }
  } else {
    size_t n = e.s.size(), h;
    if (n < 64) {
      u[0] = static_cast<uint8_t>(0x80 | n);
      h = 1;
    } else if (n < 4096) {
      u[0] = static_cast<uint8_t>(0xE0 | (n >> 8));
      u[1] = static_cast<uint8_t>(n);
      h = 2;
    } else {
      u[0] = 0xF0;
      StoreLE(u + 1, n, 4);
      h = 5;
    }
    if (n) memcpy(p + h, e.s.data(), n);
  }
  PutBackVarint(p + e.body, e.body);
}

}  // namespace tessera::packed
