#include "base/strings.h"

#include <gtest/gtest.h>

namespace tessera {

TEST(Strings, ParseInt64IsStrict) {
  EXPECT_EQ(ParseInt64("0"), 0);
  EXPECT_EQ(ParseInt64("-12"), -12);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_FALSE(ParseInt64("01"));
  EXPECT_FALSE(ParseInt64("+1"));
  EXPECT_FALSE(ParseInt64(" 1"));
  EXPECT_FALSE(ParseInt64("-0"));
  EXPECT_FALSE(ParseInt64(""));
  EXPECT_FALSE(ParseInt64("1a"));
}

TEST(Strings, LongDoubleHumanFormat) {
  EXPECT_EQ(FormatLongDoubleHuman(10.5L + 0.1L), "10.6");
  EXPECT_EQ(FormatLongDoubleHuman(5000.0L), "5000");
  EXPECT_EQ(FormatLongDoubleHuman(-0.0L), "0");
  EXPECT_EQ(FormatLongDoubleHuman(3.0e3L), "3000");
}

TEST(Strings, ParseMemoryUnits) {
  EXPECT_EQ(ParseMemory("1mb"), 1024 * 1024);
  EXPECT_EQ(ParseMemory("1M"), 1000 * 1000);
  EXPECT_EQ(ParseMemory("512"), 512);
  EXPECT_FALSE(ParseMemory("12xb"));
}

TEST(Strings, GlobMatch) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h*llo", "heeeello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("HELLO", "hello", true));
  EXPECT_FALSE(GlobMatch("a*b", "acd"));
}

TEST(Strings, EqualsIgnoreCaseIsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("GeT", "get"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("get", "ge"));
  EXPECT_FALSE(EqualsIgnoreCase("a@", "a`"));  // '@' | 0x20 == '`' but neither is a letter
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  EXPECT_TRUE(EqualsIgnoreCase("x-1", "X-1"));
}

TEST(Strings, GlobMatchIsNotExponential) {
  // Without the early exit this takes hours (Redis CVE-2022-36021).
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "*b";
  EXPECT_FALSE(GlobMatch(pattern, std::string(60, 'a')));
  EXPECT_TRUE(GlobMatch("*a*a*b", "aaxaab"));
}

}  // namespace tessera
