// LZF compressor and decompressor (format in lzf.h). The compressor follows liblzf's lzf_c.c
// (VERY_FAST variant) with a hash table of positions sized to the input and cleared per call.
#include "persist/lzf.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace tessera::rdb {
namespace {

constexpr size_t kMaxLit = 1 << 5;
constexpr size_t kMaxOff = 1 << 13;
constexpr size_t kMaxRef = (1 << 8) + (1 << 3);

}  // namespace

size_t LzfCompress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  if (in_len == 0 || out_cap == 0) return 0;
  const uint8_t* const in = static_cast<const uint8_t*>(in_data);
  uint8_t* const out = static_cast<uint8_t*>(out_data);
  const uint8_t* ip = in;
  const uint8_t* const in_end = in + in_len;
  uint8_t* op = out;
  uint8_t* const out_end = out + out_cap;

  // Positions + 1 of the last 3-byte sequence with each hash (0 = none). liblzf uses 2^16
  // slots; small inputs get a smaller table, which only changes which matches are found.
  int hlog = 8;
  while (hlog < 16 && (size_t{1} << hlog) < in_len) ++hlog;
  const uint32_t hsize = 1u << hlog;
  thread_local std::vector<uint32_t> table;
  if (table.size() < hsize) table.resize(hsize);
  uint32_t* htab = table.data();
  memset(htab, 0, hsize * sizeof(uint32_t));
  auto idx = [&](uint32_t h) { return ((h >> (3 * 8 - hlog)) - h * 5) & (hsize - 1); };

  size_t lit = 0;
  ++op;  // start a literal run
  if (in_len < 3) {
    // Too short for a reference: one literal run.
    if (op + in_len > out_end) return 0;
    memcpy(op, ip, in_len);
    out[0] = static_cast<uint8_t>(in_len - 1);
    return in_len + 1;
  }
  uint32_t hval = (ip[0] << 8) | ip[1];
  while (ip < in_end - 2) {
    hval = (hval << 8) | ip[2];
    uint32_t* slot = htab + idx(hval);
    const uint8_t* ref = *slot ? in + (*slot - 1) : nullptr;
    *slot = static_cast<uint32_t>(ip - in) + 1;
    size_t off;
    if (ref && ref > in && (off = static_cast<size_t>(ip - ref - 1)) < kMaxOff && ip + 4 < in_end &&
        ref[0] == ip[0] && ref[1] == ip[1] && ref[2] == ip[2]) {
      size_t len = 2;
      size_t maxlen = static_cast<size_t>(in_end - ip) - len;
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      op[-static_cast<ptrdiff_t>(lit) - 1] = static_cast<uint8_t>(lit - 1);  // stop the run
      op -= !lit;  // undo the run if empty
      if (op + 3 + 1 >= out_end) return 0;
      do {
        ++len;
      } while (len < maxlen && ref[len] == ip[len]);
      len -= 2;  // now #octets - 1
      ++ip;
      if (len < 7) {
        *op++ = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        *op++ = static_cast<uint8_t>((off >> 8) + (7 << 5));
        *op++ = static_cast<uint8_t>(len - 7);
      }
      *op++ = static_cast<uint8_t>(off);
      lit = 0;
      ++op;  // start a run
      ip += len + 1;
      if (ip >= in_end - 2) break;
      // Hash the two positions before ip (VERY_FAST).
      ip -= 2;
      hval = (ip[0] << 8) | ip[1];
      hval = (hval << 8) | ip[2];
      htab[idx(hval)] = static_cast<uint32_t>(ip - in) + 1;
      ++ip;
      hval = (hval << 8) | ip[2];
      htab[idx(hval)] = static_cast<uint32_t>(ip - in) + 1;
      ++ip;
    } else {
      if (op >= out_end) return 0;
      ++lit;
      *op++ = *ip++;
      if (lit == kMaxLit) {
        op[-static_cast<ptrdiff_t>(lit) - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        ++op;
      }
    }
  }
  if (op + 3 > out_end) return 0;  // at most 3 bytes are left
  while (ip < in_end) {
    ++lit;
    *op++ = *ip++;
    if (lit == kMaxLit) {
      op[-static_cast<ptrdiff_t>(lit) - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      ++op;
    }
  }
  op[-static_cast<ptrdiff_t>(lit) - 1] = static_cast<uint8_t>(lit - 1);  // end the run
  op -= !lit;
  if (op > out_end) return 0;
  return static_cast<size_t>(op - out);
}

size_t LzfDecompress(const void* in_data, size_t in_len, void* out_data, size_t out_cap) {
  const uint8_t* ip = static_cast<const uint8_t*>(in_data);
  const uint8_t* const in_end = ip + in_len;
  uint8_t* const out = static_cast<uint8_t*>(out_data);
  uint8_t* op = out;
  uint8_t* const out_end = out + out_cap;
  while (ip < in_end) {
    size_t ctrl = *ip++;
    if (ctrl < (1 << 5)) {  // literal run
      ++ctrl;
      if (static_cast<size_t>(out_end - op) < ctrl) return 0;
      if (static_cast<size_t>(in_end - ip) < ctrl) return 0;
      memcpy(op, ip, ctrl);
      op += ctrl;
      ip += ctrl;
    } else {  // back reference
      size_t len = ctrl >> 5;
      if (len == 7) {
        if (ip >= in_end) return 0;
        len += *ip++;
      }
      if (ip >= in_end) return 0;
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (static_cast<size_t>(out_end - op) < len) return 0;
      if (static_cast<size_t>(op - out) < back) return 0;
      const uint8_t* ref = op - back;
      if (back >= len) {
        memcpy(op, ref, len);
        op += len;
      } else {
        for (size_t i = 0; i < len; ++i) *op++ = *ref++;  // overlapping: byte by byte
      }
    }
  }
  return static_cast<size_t>(op - out);
}

size_t LzfDecompressedSize(const void* in_data, size_t in_len) {
  const uint8_t* ip = static_cast<const uint8_t*>(in_data);
  const uint8_t* const in_end = ip + in_len;
  size_t out = 0;
  while (ip < in_end) {
    size_t ctrl = *ip++;
    if (ctrl < (1 << 5)) {
      ++ctrl;
      if (static_cast<size_t>(in_end - ip) < ctrl) return SIZE_MAX;
      ip += ctrl;
      out += ctrl;
    } else {
      size_t len = ctrl >> 5;
      if (len == 7) {
        if (ip >= in_end) return SIZE_MAX;
        len += *ip++;
      }
      if (ip >= in_end) return SIZE_MAX;
      size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      if (out < back) return SIZE_MAX;
      out += len + 2;
    }
  }
  return out;
}

}  // namespace tessera::rdb
