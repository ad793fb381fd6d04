// Unit tests for the quicklist (core/list.h): element encodings, node limits, memory accounting,
// and a property test of random operations against a std::deque model.
#include "core/list.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

namespace tessera {
namespace {

std::vector<std::string> Contents(const List& l) {
  std::vector<std::string> out;
  for (auto it = l.IterAt(0, false); it.valid(); it.Next()) out.push_back(it.Get().ToString());
  return out;
}

std::vector<std::string> ContentsReversed(const List& l) {
  std::vector<std::string> out;
  if (l.empty()) return out;
  for (auto it = l.IterAt(l.size() - 1, true); it.valid(); it.Next())
    out.push_back(it.Get().ToString());
  return out;
}

void ExpectSame(const List& l, const std::deque<std::string>& model) {
  l.CheckInvariants();
  ASSERT_EQ(l.size(), model.size());
  std::vector<std::string> want(model.begin(), model.end());
  ASSERT_EQ(Contents(l), want);
  std::vector<std::string> rev(model.rbegin(), model.rend());
  ASSERT_EQ(ContentsReversed(l), rev);
}

TEST(ListTest, EmptyListReportsQuicklist) {
  List l;
  EXPECT_EQ(l.size(), 0u);
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.type(), ValueType::kList);
  EXPECT_STREQ(l.encoding(), "quicklist");
  EXPECT_GT(l.MemoryUsage(), 0u);
  l.CheckInvariants();
}

TEST(ListTest, PushPopBothEnds) {
  List l;
  l.PushBack("b");
  l.PushFront("a");
  l.PushBack("c");
  EXPECT_EQ(l.Front().ToString(), "a");
  EXPECT_EQ(l.Back().ToString(), "c");
  l.PopFront();
  EXPECT_EQ(l.Front().ToString(), "b");
  l.PopBack();
  EXPECT_EQ(l.Back().ToString(), "b");
  l.PopBack();
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.nodes(), 0u);
  l.CheckInvariants();
}

// Every encoding boundary reads back as the exact same bytes.
TEST(ListTest, EncodingsRoundTrip) {
  std::vector<std::string> vals = {"0",
                                   "1",
                                   "127",
                                   "128",
                                   "-1",
                                   "-4096",
                                   "-4097",
                                   "4095",
                                   "4096",
                                   "32767",
                                   "32768",
                                   "-32768",
                                   "-32769",
                                   "8388607",
                                   "8388608",
                                   "-8388608",
                                   "-8388609",
                                   "2147483647",
                                   "2147483648",
                                   "-2147483648",
                                   "-2147483649",
                                   "9223372036854775807",
                                   "-9223372036854775808",
                                   "9223372036854775808",
                                   "-0",
                                   "01",
                                   "+1",
                                   " 1",
                                   "1 ",
                                   "",
                                   "a",
                                   std::string(63, 'x'),
                                   std::string(64, 'y'),
                                   std::string(4095, 'z'),
                                   std::string(4096, 'w'),
                                   std::string(20000, 'v'),
                                   std::string("\0\x80\xff", 3)};
  List l;
  std::deque<std::string> model;
  for (const auto& v : vals) {
    l.PushBack(v);
    model.push_back(v);
  }
  for (const auto& v : vals) {
    l.PushFront(v);
    model.push_front(v);
  }
  ExpectSame(l, model);
  for (size_t i = 0; i < model.size(); ++i) EXPECT_EQ(l.At(i).ToString(), model[i]) << i;
}

TEST(ListTest, CanonicalIntegersAreStoredAsIntegers) {
  List l;
  l.PushBack("12345");
  l.PushBack("012345");
  EXPECT_TRUE(l.Front().is_int);
  EXPECT_EQ(l.Front().num, 12345);
  EXPECT_FALSE(l.Back().is_int);
  EXPECT_TRUE(ListMatcher("12345").Matches(l.Front()));
  EXPECT_FALSE(ListMatcher("12345").Matches(l.Back()));
  EXPECT_TRUE(ListMatcher("012345").Matches(l.Back()));
}

TEST(ListTest, NodesRespectByteLimit) {
  List l(-1);  // 4 KB nodes
  for (int i = 0; i < 2000; ++i) l.PushBack(std::string(30, 'a' + i % 26));
  l.CheckInvariants();
  EXPECT_GT(l.nodes(), 10u);
  EXPECT_LT(l.nodes(), 25u);
}

TEST(ListTest, PositiveFillCapsCount) {
  List l(5);
  for (int i = 0; i < 23; ++i) l.PushFront(std::to_string(i));
  l.CheckInvariants();
  EXPECT_EQ(l.nodes(), 5u);
}

TEST(ListTest, BigElementGetsItsOwnNode) {
  List l;
  l.PushBack("a");
  l.PushBack(std::string(100000, 'b'));
  l.PushBack("c");
  l.CheckInvariants();
  EXPECT_EQ(l.nodes(), 3u);
  EXPECT_EQ(l.At(1).str.size(), 100000u);
}

TEST(ListTest, SetAndInsertSplitFullNodes) {
  List l;
  std::deque<std::string> model;
  for (int i = 0; i < 3000; ++i) {
    l.PushBack("v" + std::to_string(i));
    model.push_back("v" + std::to_string(i));
  }
  // Grow elements in the middle of full nodes.
  for (int i = 0; i < 3000; i += 7) {
    std::string v(50 + i % 100, 'q');
    l.Set(i, v);
    model[i] = v;
  }
  ExpectSame(l, model);
  for (int i = 0; i < 200; ++i) {
    std::string pivot = model[(i * 13) % model.size()];
    auto it = std::find(model.begin(), model.end(), pivot);
    bool after = i % 2;
    std::string v = "ins" + std::to_string(i);
    ASSERT_TRUE(l.Insert(ListMatcher(pivot), after, v));
    model.insert(after ? it + 1 : it, v);
  }
  ExpectSame(l, model);
  EXPECT_FALSE(l.Insert(ListMatcher("nope"), false, "x"));
}

TEST(ListTest, RemoveFromHeadAndTailWithLimits) {
  List l;
  std::deque<std::string> model;
  for (int i = 0; i < 5000; ++i) {
    std::string v = i % 3 == 0 ? "x" : std::to_string(i);
    l.PushBack(v);
    model.push_back(v);
  }
  EXPECT_EQ(l.Remove(ListMatcher("x"), false, 10), 10u);
  for (int k = 0, n = 0; n < 10; ++k)
    if (model[k] == "x") model.erase(model.begin() + k--), ++n;
  ExpectSame(l, model);
  EXPECT_EQ(l.Remove(ListMatcher("x"), true, 7), 7u);
  for (int k = static_cast<int>(model.size()) - 1, n = 0; n < 7; --k)
    if (model[k] == "x") model.erase(model.begin() + k), ++n;
  ExpectSame(l, model);
  size_t left = std::count(model.begin(), model.end(), "x");
  EXPECT_EQ(l.Remove(ListMatcher("x"), true, 0), left);
  model.erase(std::remove(model.begin(), model.end(), "x"), model.end());
  ExpectSame(l, model);
  EXPECT_EQ(l.Remove(ListMatcher("3"), false, 0), 0u);  // 3 % 3 == 0 was an "x"
  EXPECT_EQ(l.Remove(ListMatcher("4"), false, 0), 1u);
}

TEST(ListTest, PopManyAcrossNodes) {
  List l;
  std::deque<std::string> model;
  for (int i = 0; i < 10000; ++i) {
    l.PushBack(std::to_string(i * 1000));
    model.push_back(std::to_string(i * 1000));
  }
  l.PopFront(3333);
  model.erase(model.begin(), model.begin() + 3333);
  l.PopBack(4444);
  model.erase(model.end() - 4444, model.end());
  ExpectSame(l, model);
  l.PopFront(l.size());
  EXPECT_TRUE(l.empty());
  l.CheckInvariants();
}

TEST(ListTest, CloneIsDeepAndEqual) {
  List l;
  std::deque<std::string> model;
  for (int i = 0; i < 4000; ++i) {
    l.PushFront("e" + std::to_string(i));
    model.push_front("e" + std::to_string(i));
  }
  auto c = l.Clone();
  auto& cl = static_cast<List&>(*c);
  ExpectSame(cl, model);
  l.PopFront(100);
  ExpectSame(cl, model);
  EXPECT_LE(cl.MemoryUsage(), l.MemoryUsage() + 8192);
}

// Compact: a list of small elements costs a few bytes per element, like a listpack.
TEST(ListTest, MemoryIsCompact) {
  List l;
  for (int i = 0; i < 100000; ++i) l.PushFront("xxx");
  EXPECT_LT(l.MemoryUsage(), 100000u * 6);
  List ints;
  for (int i = 0; i < 100000; ++i) ints.PushBack(std::to_string(i));
  EXPECT_LT(ints.MemoryUsage(), 100000u * 5);
  List small;
  small.PushBack("a");
  EXPECT_LE(small.MemoryUsage(), 96u);
}

// Memory shrinks back as elements leave.
TEST(ListTest, MemoryFollowsContents) {
  List l;
  size_t empty = l.MemoryUsage();
  for (int i = 0; i < 50000; ++i) l.PushBack(std::string(20, 'a'));
  size_t full = l.MemoryUsage();
  EXPECT_GT(full, 50000u * 20);
  l.PopFront(49999);
  l.CheckInvariants();
  EXPECT_LT(l.MemoryUsage(), empty + 512);
  l.PopBack();
  EXPECT_EQ(l.MemoryUsage(), empty);
}

// Random operation sequences against std::deque, for several node limits (tiny nodes force
// many node splits and merges of the ring).
class ListPropertyTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(ListPropertyTest, RandomOpsMatchDequeModel) {
  std::mt19937_64 rng(1234 + GetParam());
  List l(GetParam());
  std::deque<std::string> model;
  size_t max_size = 0, max_nodes = 0;
  auto value = [&]() -> std::string {
    switch (rng() % 6) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng() % 200) - 100);
      case 1:
        return std::to_string(static_cast<int64_t>(rng()));
      case 2:
        return std::string(1 + rng() % 3, 'a' + rng() % 3);
      case 3:
        return std::string(rng() % 300, 'b');
      case 4:
        return rng() % 50 == 0 ? std::string(9000, 'c') : "v" + std::to_string(rng() % 10);
      default:
        return std::to_string(rng() % 5);
    }
  };
  for (int step = 0; step < 6000; ++step) {
    int op = rng() % 100;
    if (step < 4000 && rng() % 2 == 0) op = rng() % 40;  // a growth phase first
    if (op < 20) {
      auto v = value();
      l.PushFront(v);
      model.push_front(v);
    } else if (op < 40) {
      auto v = value();
      l.PushBack(v);
      model.push_back(v);
    } else if (op < 50 && !model.empty()) {
      size_t n = rng() % 10 == 0 ? 1 + rng() % std::min<size_t>(model.size(), 40) : 1;
      ASSERT_EQ(l.Front().ToString(), model.front());
      l.PopFront(n);
      model.erase(model.begin(), model.begin() + n);
    } else if (op < 60 && !model.empty()) {
      size_t n = rng() % 10 == 0 ? 1 + rng() % std::min<size_t>(model.size(), 40) : 1;
      ASSERT_EQ(l.Back().ToString(), model.back());
      l.PopBack(n);
      model.erase(model.end() - n, model.end());
    } else if (op < 70 && !model.empty()) {
      size_t i = rng() % model.size();
      auto v = value();
      l.Set(i, v);
      model[i] = v;
    } else if (op < 78 && !model.empty()) {
      size_t i = rng() % model.size();
      ASSERT_EQ(l.At(i).ToString(), model[i]);
    } else if (op < 86) {
      std::string pivot = model.empty() || rng() % 4 == 0 ? value() : model[rng() % model.size()];
      bool after = rng() % 2;
      auto v = value();
      auto it = std::find(model.begin(), model.end(), pivot);
      ASSERT_EQ(l.Insert(ListMatcher(pivot), after, v), it != model.end());
      if (it != model.end()) model.insert(after ? it + 1 : it, v);
    } else if (op < 94) {
      std::string v = value();
      bool tail = rng() % 2;
      size_t limit = rng() % 8 == 0 ? 0 : 1 + rng() % 3;
      size_t removed = l.Remove(ListMatcher(v), tail, limit);
      size_t n = 0;
      if (!tail) {
        for (auto it = model.begin(); it != model.end() && (!limit || n < limit);) {
          if (*it == v) {
            it = model.erase(it);
            ++n;
          } else {
            ++it;
          }
        }
      } else {
        for (size_t k = model.size(); k-- > 0 && (!limit || n < limit);) {
          if (model[k] == v) {
            model.erase(model.begin() + k);
            ++n;
          }
        }
      }
      ASSERT_EQ(removed, n);
    } else if (!model.empty()) {
      // Iterate a random range both ways.
      size_t start = rng() % model.size();
      bool rev = rng() % 2;
      auto it = l.IterAt(start, rev);
      for (size_t k = 0; k < 30 && it.valid(); ++k, it.Next()) {
        size_t idx = rev ? start - k : start + k;
        ASSERT_EQ(it.Get().ToString(), model[idx]);
      }
    }
    if (step % 97 == 0) ExpectSame(l, model);
    ASSERT_EQ(l.size(), model.size());
    max_size = std::max(max_size, model.size());
    max_nodes = std::max(max_nodes, l.nodes());
  }
  EXPECT_GT(max_size, 1000u);
  EXPECT_GT(max_nodes, 1u);
  ExpectSame(l, model);
  auto c = l.Clone();
  ExpectSame(static_cast<List&>(*c), model);
}

INSTANTIATE_TEST_SUITE_P(ListFills, ListPropertyTest, ::testing::Values(-2, -1, -5, 1, 3, 128));

}  // namespace
}  // namespace tessera
