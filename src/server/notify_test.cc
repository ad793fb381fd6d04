// notify-keyspace-events class strings: parsing and the canonical form, as Redis 7.0.
#include "server/notify.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

std::string RoundTrip(std::string_view s) { return FormatNotifyFlags(ParseNotifyFlags(s)); }

TEST(NotifyFlagsTest, CanonicalFormsMatchRedis) {
  // Pairs checked against redis-server 7.0.15's CONFIG SET / GET.
  EXPECT_EQ(RoundTrip(""), "");
  EXPECT_EQ(RoundTrip("KEA"), "AKE");
  EXPECT_EQ(RoundTrip("Ex"), "xE");
  EXPECT_EQ(RoundTrip("g$lshzxetd"), "A");
  EXPECT_EQ(RoundTrip("Kn"), "nK");
  EXPECT_EQ(RoundTrip("KEAmn"), "AKEm");  // 'A' hides 'n'
  EXPECT_EQ(RoundTrip("dt"), "td");
  EXPECT_EQ(RoundTrip("nKEm"), "nKEm");
}

TEST(NotifyFlagsTest, UnknownCharacterIsRefused) {
  EXPECT_EQ(ParseNotifyFlags("KEQ"), -1);
  EXPECT_EQ(ParseNotifyFlags("a"), -1);
}

TEST(NotifyFlagsTest, ClassesAreBits) {
  int64_t f = ParseNotifyFlags("Kl");
  EXPECT_TRUE(NotifyEnabled(f, NotifyClass::kList));
  EXPECT_TRUE(NotifyEnabled(f, NotifyClass::kKeyspace));
  EXPECT_FALSE(NotifyEnabled(f, NotifyClass::kKeyevent));
  EXPECT_FALSE(NotifyEnabled(ParseNotifyFlags("A"), NotifyClass::kKeyMiss));
  EXPECT_FALSE(NotifyEnabled(ParseNotifyFlags("A"), NotifyClass::kNew));
  EXPECT_TRUE(NotifyEnabled(ParseNotifyFlags("A"), NotifyClass::kStream));
}

}  // namespace
}  // namespace tessera
