// Unit tests for streams (core/stream.h): node layout and limits, ranges both ways, deletion,
// trimming, the entries-read estimate, consumer groups, clones, node reloading, and a property
// test of random appends, deletions and trims against a std::map model.
#include "core/stream.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace tessera {
namespace {

using Fields = std::vector<std::string>;

std::vector<std::pair<StreamID, Fields>> All(const Stream& s, bool rev = false) {
  std::vector<std::pair<StreamID, Fields>> out;
  s.Range(StreamID::Min(), StreamID::Max(), rev, [&](const StreamEntryView& e) {
    Fields f;
    for (const StreamElem& x : e.fv) f.push_back(x.ToString());
    out.emplace_back(e.id, f);
    return true;
  });
  return out;
}

TEST(StreamID, IncrDecrAndText) {
  StreamID id{5, UINT64_MAX};
  EXPECT_TRUE(id.Incr());
  EXPECT_EQ(id, (StreamID{6, 0}));
  EXPECT_TRUE(id.Decr());
  EXPECT_EQ(id, (StreamID{5, UINT64_MAX}));
  StreamID max = StreamID::Max();
  EXPECT_FALSE(max.Incr());
  StreamID min = StreamID::Min();
  EXPECT_FALSE(min.Decr());
  EXPECT_EQ((StreamID{12, 3}).ToString(), "12-3");
}

TEST(Stream, AppendRangeBothWaysSameFieldsAndNot) {
  Stream s;
  s.Append({1, 0}, Fields{"a", "1", "b", "two"});
  s.Append({1, 1}, Fields{"a", "-5", "b", ""});            // same fields as the master: values only
  s.Append({7, 0}, Fields{"c", "x", "a", "1", "d", "y"});  // other fields
  EXPECT_EQ(s.length(), 3u);
  EXPECT_EQ(s.nodes(), 1u);
  auto fwd = All(s);
  ASSERT_EQ(fwd.size(), 3u);
  EXPECT_EQ(fwd[1].second, (Fields{"a", "-5", "b", ""}));
  EXPECT_EQ(fwd[2].second, (Fields{"c", "x", "a", "1", "d", "y"}));
  auto rev = All(s, true);
  ASSERT_EQ(rev.size(), 3u);
  EXPECT_EQ(rev[0].first, (StreamID{7, 0}));
  EXPECT_EQ(s.first_id(), (StreamID{1, 0}));
  EXPECT_EQ(s.last_id(), (StreamID{7, 0}));
  EXPECT_EQ(s.entries_added(), 3u);
  StreamID next;
  EXPECT_TRUE(s.NextId(3, &next));
  EXPECT_EQ(next, (StreamID{7, 1}));
  EXPECT_TRUE(s.NextId(100, &next));
  EXPECT_EQ(next, (StreamID{100, 0}));
}

TEST(Stream, NodesCloseAtRedisLimits) {
  Stream s;
  for (uint64_t i = 1; i <= 250; ++i) s.Append({i, 0}, Fields{"f", "v"});
  EXPECT_EQ(s.nodes(), 3u);  // 100 entries per node
  Stream big;
  for (uint64_t i = 1; i <= 10; ++i) big.Append({i, 0}, Fields{"f", std::string(1500, 'x')});
  EXPECT_EQ(big.nodes(), 5u);  // a node closes before 4096 bytes: two such entries each
  for (const auto& [master, lp] : big.raw_nodes())
    EXPECT_LT(lp.size(), Stream::kNodeMaxBytes + 1600);
}

TEST(Stream, DeleteMarksThenDropsNodes) {
  Stream s;
  for (uint64_t i = 1; i <= 150; ++i) s.Append({i, 0}, Fields{"f", std::to_string(i)});
  EXPECT_TRUE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1000, 0}));
  EXPECT_EQ(s.first_id(), (StreamID{2, 0}));
  EXPECT_EQ(s.max_deleted_id(), (StreamID{1, 0}));
  for (uint64_t i = 101; i <= 150; ++i) EXPECT_TRUE(s.Delete({i, 0}));
  EXPECT_EQ(s.nodes(), 1u);  // the second node emptied and went
  EXPECT_EQ(s.length(), 99u);
  EXPECT_FALSE(s.Exists({101, 0}));
  EXPECT_TRUE(s.Exists({100, 0}));
  StreamID last;
  ASSERT_TRUE(s.EdgeId(false, &last));
  EXPECT_EQ(last, (StreamID{100, 0}));
  EXPECT_EQ(s.last_id(), (StreamID{150, 0}));
}

TEST(Stream, TrimExactAndApproximate) {
  Stream s;
  for (uint64_t i = 1; i <= 350; ++i) s.Append({i, 0}, Fields{"f", "v"});
  Stream::Trim approx;
  approx.maxlen = 120;
  approx.approx = true;
  EXPECT_EQ(s.DoTrim(approx), 200);  // whole nodes only
  EXPECT_EQ(s.length(), 150u);
  Stream::Trim exact;
  exact.maxlen = 120;
  EXPECT_EQ(s.DoTrim(exact), 30);
  EXPECT_EQ(s.length(), 120u);
  EXPECT_EQ(s.first_id(), (StreamID{231, 0}));
  Stream::Trim minid;
  minid.strategy = Stream::Trim::kMinId;
  minid.minid = {300, 0};
  EXPECT_EQ(s.DoTrim(minid), 69);
  EXPECT_EQ(All(s).front().first, (StreamID{300, 0}));
  Stream::Trim limited;
  limited.maxlen = 0;
  limited.approx = true;
  limited.limit = 10;
  EXPECT_EQ(s.DoTrim(limited), 1);  // the one-entry node goes; the next holds more than 10
}

TEST(Stream, EntriesReadEstimateAndLag) {
  Stream s;
  EXPECT_EQ(s.EstimateDistance({5, 0}), 0);
  for (uint64_t i = 1; i <= 5; ++i) s.Append({i, 0}, Fields{"f", "v"});
  EXPECT_EQ(s.EstimateDistance({5, 0}), 5);
  EXPECT_EQ(s.EstimateDistance({1, 0}), 1);
  EXPECT_EQ(s.EstimateDistance({0, 5}), 0);
  EXPECT_EQ(s.EstimateDistance({9, 0}), StreamGroup::kInvalidEntriesRead);
  EXPECT_EQ(s.EstimateDistance({3, 0}), StreamGroup::kInvalidEntriesRead);
  StreamGroup* g = s.CreateGroup("g", {2, 0}, StreamGroup::kInvalidEntriesRead);
  EXPECT_EQ(s.Lag(*g), std::nullopt);
  g->entries_read = 2;
  EXPECT_EQ(s.Lag(*g), 3);
  s.Delete({4, 0});
  EXPECT_TRUE(s.RangeHasTombstones({2, 0}, StreamID::Max()));
  EXPECT_EQ(s.Lag(*g), std::nullopt);
}

TEST(Stream, GroupsPendingAndConsumers) {
  Stream s;
  s.Append({1, 0}, Fields{"f", "v"});
  s.Append({2, 0}, Fields{"f", "v"});
  StreamGroup* g = s.CreateGroup("g", StreamID::Min(), 0);
  EXPECT_EQ(s.CreateGroup("g", StreamID::Min(), 0), nullptr);
  StreamConsumer* a = g->CreateConsumer("a", 10);
  StreamConsumer* b = g->CreateConsumer("b", 11);
  EXPECT_EQ(g->CreateConsumer("a", 12), nullptr);
  g->Assign({1, 0}, a, 100, 1);
  g->Assign({2, 0}, a, 100, 1);
  g->Assign({2, 0}, b, 200, 3);  // moves to b
  EXPECT_EQ(a->pel.size(), 1u);
  EXPECT_EQ(b->pel.size(), 1u);
  EXPECT_EQ(g->pel.at({2, 0}).delivery_count, 3u);
  auto copy = s.Clone();
  EXPECT_TRUE(g->Ack({1, 0}));
  EXPECT_FALSE(g->Ack({1, 0}));
  EXPECT_EQ(g->DeleteConsumer("b"), 1);
  EXPECT_EQ(g->DeleteConsumer("b"), -1);
  EXPECT_TRUE(g->pel.empty());
  // The clone kept its own state.
  StreamGroup* cg = static_cast<Stream&>(*copy).FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->pel.size(), 2u);
  EXPECT_EQ(cg->pel.at({2, 0}).consumer->name, "b");
  EXPECT_TRUE(s.DestroyGroup("g"));
  EXPECT_FALSE(s.DestroyGroup("g"));
}

TEST(Stream, LoadNodeChecksStructure) {
  Stream src;
  for (uint64_t i = 1; i <= 120; ++i) src.Append({i, i % 3}, Fields{"f", std::to_string(i)});
  src.Delete({7, 1});
  Stream dst;
  uint64_t live = 0;
  std::string why;
  for (const auto& [master, lp] : src.raw_nodes())
    ASSERT_TRUE(dst.LoadNode(master, lp, &live, &why)) << why;
  EXPECT_EQ(live, src.length());
  dst.set_length(live);
  EXPECT_EQ(All(dst), All(src));
  // Out of order, and a damaged lp-count, are refused.
  Stream again;
  live = 0;
  auto last = std::prev(src.raw_nodes().end());
  ASSERT_TRUE(again.LoadNode(last->first, last->second, &live, &why));
  EXPECT_FALSE(
      again.LoadNode(src.raw_nodes().begin()->first, src.raw_nodes().begin()->second, &live, &why));
  std::string bad = src.raw_nodes().begin()->second;
  bad[bad.size() - 3] ^= 0x01;  // the last entry's lp-count (before its back-length)
  Stream third;
  EXPECT_FALSE(third.LoadNode(src.raw_nodes().begin()->first, bad, &live, &why));
}

TEST(Stream, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  Stream s;
  std::map<StreamID, Fields> model;
  uint64_t ms = 1;
  for (int op = 0; op < 20000; ++op) {
    int what = static_cast<int>(rng() % 10);
    if (what < 6) {
      ms += rng() % 3;
      StreamID id{ms, rng() % 4};
      if (id <= s.last_id()) continue;
      Fields f;
      int n = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < n; ++i) {
        f.push_back(rng() % 2 ? "f" + std::to_string(i) : std::to_string(rng() % 300));
        f.push_back(std::string(rng() % 90, 'v') + std::to_string(rng() % 1000));
      }
      s.Append(id, f);
      model[id] = f;
    } else if (what < 9) {
      StreamID id{rng() % (ms + 1), rng() % 4};
      EXPECT_EQ(s.Delete(id), model.erase(id) == 1);
    } else {
      Stream::Trim t;
      t.maxlen = rng() % 400 + 200;
      if (model.size() > t.maxlen) {
        s.DoTrim(t);
        while (model.size() > t.maxlen) model.erase(model.begin());
      }
    }
    ASSERT_EQ(s.length(), model.size());
  }
  std::vector<std::pair<StreamID, Fields>> want(model.begin(), model.end());
  EXPECT_EQ(All(s), want);
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(All(s, true), want);
  if (!model.empty()) {
    auto lo = std::next(model.begin(), static_cast<long>(model.size() / 3))->first;
    size_t n = 0;
    s.Range(lo, StreamID::Max(), false, [&](const StreamEntryView&) { return ++n < 5; });
    EXPECT_EQ(n, std::min<size_t>(5, model.size() - model.size() / 3));
  }
}

}  // namespace
}  // namespace tessera
