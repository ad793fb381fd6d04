// Redis Cluster key slots: slot = CRC16(key or its {hash tag}) & 16383.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera {

inline constexpr uint16_t kNumSlots = 16384;

// CRC16-CCITT (XModem), the variant Redis Cluster uses. Crc16("123456789") == 0x31C3.
uint16_t Crc16(std::string_view data);

// The part of `key` that is hashed: the text between the first '{' and the next '}' when that
// is non-empty, otherwise the whole key.
std::string_view HashTag(std::string_view key);

inline uint16_t KeySlot(std::string_view key) { return Crc16(HashTag(key)) & (kNumSlots - 1); }

}  // namespace tessera
