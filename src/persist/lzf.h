// LZF compression in the format of liblzf 3.6 (Redis's lzf_c.c / lzf_d.c), used by RDB for
// strings over 20 bytes. Output of either side decodes with the other.
//
// Format: a sequence of
//   000LLLLL <L+1 literal bytes>        literal run of 1..32 bytes
//   LLLooooo oooooooo                   back-reference: copy L+2 bytes (L 1..6) from
//                                       (out - ((o5 << 8) | o8) - 1)
//   111ooooo LLLLLLLL oooooooo          back-reference of L+9 bytes (9..264)
// Offsets reach at most 8192 bytes back; a reference may overlap its own output.
#pragma once

#include <cstddef>

namespace tessera::rdb {

// Compresses `in` into `out` (room for `out_cap` bytes). Returns the compressed size, or 0 when
// the output would not fit in out_cap (or in_len is 0): the caller then stores the bytes as is.
size_t LzfCompress(const void* in, size_t in_len, void* out, size_t out_cap);

// Decompresses `in` into `out`. Returns the number of bytes written, or 0 when the input is
// corrupt (a reference before the start, a truncated run) or would write more than out_cap.
// Never reads outside `in` nor writes outside `out`.
size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_cap);

// The size `in` decompresses to, or SIZE_MAX when it is corrupt, without writing anything: lets
// a reader check a claimed size before allocating for it.
size_t LzfDecompressedSize(const void* in, size_t in_len);

}  // namespace tessera::rdb
