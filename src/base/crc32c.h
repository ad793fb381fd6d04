// CRC-32C (Castagnoli), the checksum of the write-ahead log's records (docs/persistence.md).
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise; both give the same value.
// Crc32c(0, "123456789", 9) == 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera {

uint32_t Crc32c(uint32_t crc, const void* data, size_t len);

}  // namespace tessera
