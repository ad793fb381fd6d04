#include "base/hash_slot.h"

#include <gtest/gtest.h>

namespace tessera {

TEST(HashSlot, Crc16MatchesReferenceCheckValue) { EXPECT_EQ(Crc16("123456789"), 0x31C3); }

TEST(HashSlot, HashTagRules) {
  EXPECT_EQ(HashTag("foo"), "foo");
  EXPECT_EQ(HashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");  // empty first tag: whole key
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(HashTag("{unterminated"), "{unterminated");
}

TEST(HashSlot, KnownSlots) {
  // Values from redis-cli CLUSTER KEYSLOT.
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("{foo}bar"), KeySlot("foo"));
  EXPECT_EQ(KeySlot(""), 0);
}

}  // namespace tessera
