#pragma once
// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of the
// part between the first '{' and the next '}' when that part is not empty
// (the hash tag, which keeps related keys in one slot), modulo 16384.

#include <cstdint>
#include <string_view>

namespace regcache::coord {

inline constexpr uint16_t kRedisSlots = 16384;

uint16_t crc16_xmodem(std::string_view bytes);
std::string_view hash_tag_of(std::string_view key);  // the part that is hashed
uint16_t hash_slot(std::string_view key);

}  // namespace regcache::coord
