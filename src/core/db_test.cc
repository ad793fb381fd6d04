#include "core/db.h"

#include <gtest/gtest.h>

#include <charconv>
#include <map>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/keyspace.h"

namespace tessera {
namespace {

std::mt19937_64 g_rng(12345);
uint64_t TestRand() { return g_rng(); }

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

// Redis's encoding for a string set by SET: "int" for a canonical 64-bit integer, "embstr" up
// to 44 bytes, "raw" beyond.
std::string RedisEncoding(const std::string& s) {
  int64_t v;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size() && std::to_string(v) == s) return "int";
  return s.size() <= 44 ? "embstr" : "raw";
}

// Sums the slab block bytes and out-of-block bytes of every entry of `ks` (without expiring
// anything: every TTL in these tests is after time 0).
void ExpectAccountingMatches(Keyspace& ks) {
  size_t blocks = 0, heap = 0, n = 0;
  for (int d = 0; d < ks.num_dbs(); ++d) {
    ks.db(d).ForEach(0, [&](Entry* e) {
      blocks += SlabAllocator::BlockSize(e->encoded_size());
      heap += e->HeapBytes();
      ++n;
    });
  }
  EXPECT_EQ(ks.slab().used_bytes(), blocks);
  EXPECT_EQ(ks.slab().live_blocks(), n);
  EXPECT_EQ(ks.heap_bytes(), heap);
}

TEST(Db, FindRemovesExpiredKeys) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  const int64_t now = 1'000'000;
  Entry* a = db.Add("a", Value::FromString("1"), 0);
  db.SetExpire(a, now + 100);
  Entry* b = db.Add("b", Value::FromString("2"), 0);
  db.SetExpire(b, now + 200);
  db.Add("c", Value::FromString("3"), 0);
  EXPECT_EQ(db.size(), 3u);
  EXPECT_EQ(db.expires_count(), 2u);

  EXPECT_NE(db.Find("a", now), nullptr);
  EXPECT_NE(db.Find("a", now + 99), nullptr);
  EXPECT_EQ(db.Find("a", now + 100), nullptr);  // expire time reached: gone
  EXPECT_EQ(db.size(), 2u);
  EXPECT_EQ(db.expires_count(), 1u);
  EXPECT_EQ(db.expired(), 1u);
  EXPECT_EQ(db.Find("a", now), nullptr);  // really deleted, not just hidden

  EXPECT_NE(db.Find("b", now + 150), nullptr);
  EXPECT_NE(db.Find("c", now + 1'000'000), nullptr);  // no TTL: never expires

  Entry* nb = db.ClearExpire(db.Find("b", now));
  EXPECT_EQ(nb->key(), "b");
  EXPECT_FALSE(nb->has_expire());
  EXPECT_EQ(nb->expire_ms(), Entry::kNoExpire);
  EXPECT_EQ(db.expires_count(), 0u);
  EXPECT_NE(db.Find("b", now + 1'000'000), nullptr);
  EXPECT_EQ(db.expired(), 1u);
  db.ResetStats();
  EXPECT_EQ(db.expired(), 0u);
}

TEST(Db, ExpireSampleRemovesExpiredKeys) {
  g_rng.seed(5);
  Keyspace ks(1);
  Db& db = ks.db(0);
  const int64_t now = 50'000;
  size_t live_with_ttl = 0;
  for (int i = 0; i < 500; ++i) {
    Entry* e = db.Add(Key(i), Value::FromInt(i), 0);
    if (i % 2 == 0) {
      db.SetExpire(e, now - 1);  // already expired
    } else if (i % 5 == 0) {
      db.SetExpire(e, now + 60'000);  // live with TTL
      ++live_with_ttl;
    }
  }
  EXPECT_EQ(db.size(), 500u);
  EXPECT_EQ(db.expires_count(), 250u + live_with_ttl);

  int removed = 0;
  for (int round = 0; round < 1000 && db.expires_count() > live_with_ttl; ++round)
    removed += db.ExpireSample(now, 20, TestRand);
  EXPECT_EQ(removed, 250);
  EXPECT_EQ(db.size(), 250u);
  EXPECT_EQ(db.expires_count(), live_with_ttl);
  EXPECT_EQ(db.expired(), 250u);
  // Only live keys remain; sampling now removes nothing and reports the average TTL.
  EXPECT_EQ(db.ExpireSample(now, 20, TestRand), 0);
  EXPECT_GT(db.avg_ttl(), 0);
  EXPECT_LE(db.avg_ttl(), 60'000);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(db.Find(Key(i), now) != nullptr, i % 2 != 0) << i;
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
}

TEST(Db, ScanAndRandomLiveSkipExpiredKeys) {
  g_rng.seed(8);
  Keyspace ks(1);
  Db& db = ks.db(0);
  const int64_t now = 10'000;
  for (int i = 0; i < 200; ++i) {
    Entry* e = db.Add(Key(i), Value::FromInt(i), 0);
    if (i >= 100) db.SetExpire(e, now - 1);
  }
  std::unordered_set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, now, [&](Entry* e) {
      EXPECT_FALSE(e->has_expire()) << e->key();
      seen.insert(std::string(e->key()));
    });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count(Key(i)));
  EXPECT_EQ(db.size(), 100u);  // the expired ones met were removed
  EXPECT_EQ(db.expires_count(), 0u);
  EXPECT_EQ(db.expired(), 100u);

  // RandomLive removes the expired keys it meets and returns only live ones.
  for (int i = 200; i < 400; ++i) db.SetExpire(db.Add(Key(i), Value::FromInt(i), 0), now - 1);
  for (int i = 0; i < 100; ++i) {
    Entry* e = db.RandomLive(now, TestRand);
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(e->has_expire());
  }
  Keyspace empty(1);
  EXPECT_EQ(empty.db(0).RandomLive(now, TestRand), nullptr);

  // ForEach skips and removes expired keys too.
  size_t n = 0;
  db.ForEach(now, [&](Entry* e) {
    EXPECT_FALSE(e->has_expire());
    ++n;
  });
  EXPECT_EQ(n, 100u);
  EXPECT_EQ(db.size(), 100u);
  EXPECT_EQ(db.expires_count(), 0u);
}

TEST(Db, AddStartsWithTheKeyspaceClock) {
  Keyspace ks(1);
  Entry* e = ks.db(0).Add("k", Value::FromInt(1), 123'456);
  EXPECT_EQ(e->clock(), LruClock(123'456));
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), Entry::kNoExpire);
}

// WATCH's hook (Keyspace::KeyEvent::kModified): every replace / add / remove / TTL change of a key
// is reported while watching is on, nothing when it is off, and expiry is not a change.
TEST(Db, ModifiedHookReportsChangesWhileWatching) {
  Keyspace ks(2);
  std::vector<std::string> seen;
  ks.set_on_key_event(
      [](void* arg, Keyspace::KeyEvent ev, int db, std::string_view key) {
        if (ev != Keyspace::KeyEvent::kModified) return;
        static_cast<std::vector<std::string>*>(arg)->push_back(std::to_string(db) + ":" +
                                                               std::string(key));
      },
      &seen);
  Db& db = ks.db(1);
  db.Set("a", Value::FromInt(1), 0);
  EXPECT_TRUE(seen.empty());
  ks.set_watching(true);
  db.Set("a", Value::FromInt(2), 0);
  db.Add("b", Value::FromInt(1), 0);
  db.SetExpire(db.Find("b", 0), 100);
  db.ClearExpire(db.Find("b", 0));
  db.EditString(db.Find("a", 0), [](std::string& s) { s += "x"; });
  db.SetValue(db.Find("a", 0), Value::FromInt(7));
  auto d = db.Take("a");
  db.Put("c", std::move(*d));
  db.Delete("c");
  db.Delete("missing");
  // (EditString is an in-place change: its caller reports it.)
  EXPECT_EQ(seen,
            (std::vector<std::string>{"1:a", "1:b", "1:b", "1:b", "1:a", "1:a", "1:c", "1:c"}));
  seen.clear();
  db.Set("e", Value::FromInt(1), 0);
  db.SetExpire(db.Find("e", 0), 10);
  seen.clear();
  EXPECT_EQ(db.Find("e", 20), nullptr);  // expired on the way: not reported
  EXPECT_TRUE(seen.empty());
  ks.set_watching(false);
  db.Set("f", Value::FromInt(1), 0);
  EXPECT_TRUE(seen.empty());
}

TEST(Db, MemcachedItemsKeepFlagsAndGetANewCasOnEveryWrite) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.SetItem("k", Value::FromString("v1"), 1000, Entry::kNoExpire, 0xFFFFFFFFu);
  EXPECT_TRUE(e->has_mc());
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->key(), "k");
  EXPECT_EQ(e->ToString(), "v1");
  EXPECT_EQ(e->mc_flags(), 0xFFFFFFFFu);
  uint64_t c1 = e->cas();
  EXPECT_NE(c1, 0u);

  // Replacing with a TTL, then without: the sections come and go, the key stays readable.
  e = db.SetItem("k", Value::FromString(std::string(100, 'x')), 1000, 9000, 7);
  EXPECT_TRUE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), 9000);
  EXPECT_EQ(db.expires_count(), 1u);
  EXPECT_EQ(e->mc_flags(), 7u);
  uint64_t c2 = e->cas();
  EXPECT_GT(c2, c1);
  EXPECT_EQ(db.Find("k", 9000), nullptr);
  e = db.SetItem("k", Value::FromInt(5), 1000, 20000, 3);
  e = db.SetItem("k", Value::FromInt(5), 1000, Entry::kNoExpire, 3);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(db.expires_count(), 0u);

  // In-place changes from either protocol give a new CAS and keep the flags.
  uint64_t c3 = e->cas();
  e = db.SetValue(e, Value::FromInt(6));
  EXPECT_GT(e->cas(), c3);
  EXPECT_EQ(e->mc_flags(), 3u);
  uint64_t c4 = e->cas();
  e = db.EditString(e, [](std::string& s) { s += "0"; });
  EXPECT_EQ(e->ToString(), "60");
  EXPECT_GT(e->cas(), c4);
  EXPECT_EQ(e->mc_flags(), 3u);
  e = db.SetExpire(e, 50000);
  EXPECT_EQ(e->mc_flags(), 3u);
  EXPECT_EQ(e->ToString(), "60");

  // A RESP SET makes a new item: no memcached metadata until memcached asks for its CAS.
  e = db.Set("k", Value::FromString("resp"), 1000);
  EXPECT_FALSE(e->has_mc());
  EXPECT_EQ(e->mc_flags(), 0u);
  e = db.EnsureCas(e);
  EXPECT_TRUE(e->has_mc());
  EXPECT_GT(e->cas(), c4);
  EXPECT_EQ(e->ToString(), "resp");
  EXPECT_EQ(db.EnsureCas(e)->cas(), e->cas());

  // RENAME-style moves keep the flags.
  db.SetItem("m", Value::FromString("moved"), 1000, Entry::kNoExpire, 42);
  Entry* p = db.Put("n", std::move(*db.Take("m")));
  EXPECT_EQ(p->mc_flags(), 42u);
  EXPECT_EQ(p->ToString(), "moved");
  ExpectAccountingMatches(ks);
}

TEST(Db, TakeAndPutKeepTtlAndClockAcrossDbs) {
  Keyspace ks(2);
  Db& src = ks.db(0);
  Db& dst = ks.db(1);
  Entry* e = src.Add("k", Value::FromString("some value"), 1000);
  e = src.SetExpire(e, 5000);
  e->set_clock(4242);
  src.Add("other", Value::FromString("x"), 1000);
  auto d = src.Take("k");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->expire_ms, 5000);
  EXPECT_EQ(d->clock, 4242u);
  EXPECT_EQ(src.size(), 1u);
  EXPECT_EQ(src.expires_count(), 0u);
  EXPECT_EQ(src.Find("k", 0), nullptr);
  EXPECT_FALSE(src.Take("k").has_value());

  Entry* p = dst.Put("k", std::move(*d));
  EXPECT_EQ(p->key(), "k");
  EXPECT_EQ(p->ToString(), "some value");
  EXPECT_EQ(p->clock(), 4242u);
  EXPECT_EQ(dst.expires_count(), 1u);
  EXPECT_EQ(dst.Find("k", 4999)->expire_ms(), 5000);
  EXPECT_EQ(dst.Find("k", 5000), nullptr);
  EXPECT_EQ(dst.expires_count(), 0u);
  EXPECT_EQ(dst.size(), 0u);

  // Without a TTL the entry is put back without one.
  Entry* q = src.Add("plain", Value::FromInt(77), 2000);
  uint32_t clock = q->clock();
  Entry* r = dst.Put("renamed", std::move(*src.Take("plain")));
  EXPECT_FALSE(r->has_expire());
  EXPECT_EQ(r->int_value(), 77);
  EXPECT_EQ(r->clock(), clock);
  EXPECT_EQ(dst.expires_count(), 0u);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
}

TEST(Db, TakeAndPutKeepTtlClockAndHeapAccountingAcrossKeyspaces) {
  Keyspace a(1), b(1);
  size_t b_empty = b.used_bytes();
  std::string big(20000, 'z');
  Entry* e = a.db(0).Add("big", Value::FromString(big), 0);
  e = a.db(0).SetExpire(e, 90'000);
  e->set_clock(99);
  EXPECT_GT(a.heap_bytes(), big.size());
  EXPECT_EQ(b.heap_bytes(), 0u);

  Entry* p = b.db(0).Put("big", std::move(*a.db(0).Take("big")));
  EXPECT_EQ(p->ToString(), big);
  EXPECT_EQ(p->expire_ms(), 90'000);
  EXPECT_EQ(p->clock(), 99u);
  EXPECT_STREQ(p->encoding(), "raw");
  EXPECT_EQ(a.heap_bytes(), 0u);
  EXPECT_GT(b.heap_bytes(), big.size());
  EXPECT_EQ(a.slab().used_bytes(), 0u);
  EXPECT_GT(b.used_bytes(), b_empty + big.size());
  EXPECT_EQ(b.db(0).expires_count(), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(a));
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(b));
  b.db(0).Clear();
  EXPECT_EQ(b.heap_bytes(), 0u);
  EXPECT_EQ(b.used_bytes(), b_empty);
}

TEST(Db, SetClearsTtlUnlessKeepTtl) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.Set("k", Value::FromString("v1"), 0);
  EXPECT_EQ(db.size(), 1u);
  db.SetExpire(e, 10'000);
  EXPECT_EQ(db.expires_count(), 1u);

  e = db.Set("k", Value::FromString("v2 longer value, another block size"), 0, true);
  EXPECT_EQ(e->ToString(), "v2 longer value, another block size");
  EXPECT_EQ(e->expire_ms(), 10'000);
  EXPECT_EQ(db.expires_count(), 1u);
  EXPECT_EQ(db.Find("k", 9'999), e);

  e = db.Set("k", Value::FromString("v3"), 0, true);  // same block size: in place
  EXPECT_EQ(e->expire_ms(), 10'000);
  EXPECT_EQ(db.expires_count(), 1u);

  e = db.Set("k", Value::FromInt(4), 0);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(e->expire_ms(), Entry::kNoExpire);
  EXPECT_EQ(db.expires_count(), 0u);
  EXPECT_EQ(db.Find("k", 1'000'000)->int_value(), 4);

  // keep_ttl on a key without TTL keeps it without one.
  e = db.Set("k", Value::FromString("v5"), 0, true);
  EXPECT_FALSE(e->has_expire());
  EXPECT_EQ(db.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
}

TEST(Db, SetValueIntToIntIsInPlace) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.Add("n", Value::FromInt(1), 0);
  e = db.SetExpire(e, 5000);
  e->set_clock(31);
  Entry* n = db.SetValue(e, Value::FromInt(-9'000'000'000));
  EXPECT_EQ(n, e);
  EXPECT_EQ(n->int_value(), -9'000'000'000);
  EXPECT_EQ(n->expire_ms(), 5000);
  EXPECT_EQ(n->clock(), 31u);
  EXPECT_STREQ(n->encoding(), "int");
  EXPECT_EQ(db.Find("n", 0), n);
}

TEST(Db, SetValueIntToStringKeepsTtlAndClock) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.SetExpire(db.Add("n", Value::FromInt(12), 0), 7000);
  e->set_clock(5);
  e = db.SetValue(e, Value::FromString("not a number"));
  EXPECT_EQ(e->ToString(), "not a number");
  EXPECT_FALSE(e->is_int());
  EXPECT_STREQ(e->encoding(), "embstr");
  EXPECT_EQ(e->expire_ms(), 7000);
  EXPECT_EQ(e->clock(), 5u);
  EXPECT_EQ(db.Find("n", 6999), e);
  EXPECT_EQ(db.Find("n", 7000), nullptr);
  EXPECT_EQ(db.expires_count(), 0u);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
}

TEST(Db, SetValueToBiggerStringMovesToAnotherBlock) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.SetExpire(db.Add("s", Value::FromString("ab"), 0), 7000);
  size_t old_block = SlabAllocator::BlockSize(e->encoded_size());
  std::string bigger(300, 'q');
  e = db.SetValue(e, Value::FromString(bigger));
  EXPECT_GT(SlabAllocator::BlockSize(e->encoded_size()), old_block);
  EXPECT_EQ(e->ToString(), bigger);
  EXPECT_EQ(e->StringLength(), 300u);
  EXPECT_EQ(e->BytesView(), bigger);
  EXPECT_STREQ(e->encoding(), "raw");
  EXPECT_EQ(e->heap_string(), nullptr);  // still inline
  EXPECT_EQ(e->expire_ms(), 7000);
  EXPECT_EQ(db.Find("s", 0), e);
  EXPECT_EQ(db.expires_count(), 1u);
  // And back to a small one.
  e = db.SetValue(e, Value::FromString("tiny"));
  EXPECT_EQ(db.Find("s", 0)->ToString(), "tiny");
  EXPECT_EQ(db.Find("s", 0)->expire_ms(), 7000);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  EXPECT_EQ(ks.heap_bytes(), 0u);
}

TEST(Db, SetValueToHeapStringAndBack) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  size_t empty = ks.used_bytes();
  Entry* e = db.SetExpire(db.Add("h", Value::FromString("small"), 0), 8000);
  std::string big(20 << 10, 'x');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  e = db.SetValue(e, Value::FromString(big));
  ASSERT_NE(e->heap_string(), nullptr);
  EXPECT_EQ(e->ToString(), big);
  EXPECT_EQ(e->StringLength(), big.size());
  EXPECT_STREQ(e->encoding(), "raw");
  EXPECT_EQ(e->expire_ms(), 8000);
  EXPECT_LT(e->encoded_size(), 64u);  // the block holds only a pointer
  EXPECT_GE(ks.heap_bytes(), big.size());
  EXPECT_GE(ks.used_bytes(), empty + big.size());
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));

  // Heap string to another heap string, then back to inline.
  std::string big2(30 << 10, 'y');
  e = db.SetValue(e, Value::FromString(big2));
  EXPECT_EQ(db.Find("h", 0)->ToString(), big2);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  e = db.SetValue(e, Value::FromInt(5));
  EXPECT_EQ(e->heap_string(), nullptr);
  EXPECT_EQ(db.Find("h", 0)->int_value(), 5);
  EXPECT_EQ(db.Find("h", 0)->expire_ms(), 8000);
  EXPECT_EQ(ks.heap_bytes(), 0u);
  db.Delete("h");
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
  db.Clear();  // also gives back the TTL list's capacity
  EXPECT_EQ(ks.used_bytes(), empty);
}

TEST(Db, StringsUpToTheInlineLimitStayInline) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  // The largest value whose whole entry is kMaxInline bytes, and one byte more.
  for (size_t len = Entry::kMaxInline - 40; len < Entry::kMaxInline; ++len) {
    Entry* e = db.Set("k", Value::FromString(std::string(len, 'v')), 0);
    ASSERT_EQ(e->StringLength(), len);
    // Clock, flags, the 1-byte key with its length and a 2-byte value length: 9 bytes.
    ASSERT_EQ(e->heap_string() == nullptr, len + 9 <= Entry::kMaxInline) << len;
    ASSERT_LE(e->encoded_size(), Entry::kMaxInline) << len;
    ASSERT_EQ(db.Find("k", 0)->ToString(), std::string(len, 'v'));
    ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  }
  db.Clear();
  EXPECT_EQ(ks.heap_bytes(), 0u);
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
}

TEST(Db, EditStringConvertsToRawAndGrows) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  Entry* e = db.SetExpire(db.Add("e", Value::FromInt(123), 0), 9000);
  e->set_clock(8);
  EXPECT_STREQ(e->encoding(), "int");
  e = db.EditString(e, [](std::string& s) {
    EXPECT_EQ(s, "123");
    s += "abc";
  });
  ASSERT_NE(e->heap_string(), nullptr);
  EXPECT_EQ(e->ToString(), "123abc");
  EXPECT_STREQ(e->encoding(), "raw");
  EXPECT_EQ(e->expire_ms(), 9000);
  EXPECT_EQ(e->clock(), 8u);
  EXPECT_EQ(db.expires_count(), 1u);
  size_t heap = ks.heap_bytes();
  std::string expect = "123abc";
  for (int i = 0; i < 200; ++i) {
    std::string chunk(100, static_cast<char>('a' + i % 26));
    Entry* same = db.EditString(e, [&](std::string& s) { s += chunk; });
    EXPECT_EQ(same, e);  // already a heap string: edited where it is
    expect += chunk;
  }
  EXPECT_EQ(db.Find("e", 0)->ToString(), expect);
  EXPECT_GE(ks.heap_bytes(), heap + 20000);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));

  // A short embstr value becomes raw too (Redis: APPEND always leaves a raw string).
  Entry* s = db.Add("s", Value::FromString("hi"), 0);
  EXPECT_STREQ(s->encoding(), "embstr");
  s = db.EditString(s, [](std::string& v) { v += "!"; });
  EXPECT_STREQ(s->encoding(), "raw");
  EXPECT_EQ(db.Find("s", 0)->ToString(), "hi!");
  // Setting a new value afterwards gives the encoding of the new value.
  s = db.SetValue(s, Value::FromString("hello"));
  EXPECT_STREQ(s->encoding(), "embstr");
  db.Clear();
  EXPECT_EQ(ks.heap_bytes(), 0u);
}

TEST(Db, SetExpireAndClearExpireReshapeAndKeepTheTtlList) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  std::vector<std::string> values = {"7", "short", std::string(100, 'm'), std::string(20000, 'h')};
  for (size_t i = 0; i < values.size(); ++i)
    db.Add("k" + std::to_string(i), Value::FromString(values[i]), 0);
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < values.size(); ++i) {
      std::string k = "k" + std::to_string(i);
      Entry* e = db.Find(k, 0);
      const char* enc = e->encoding();
      e = db.SetExpire(e, 1000 + static_cast<int64_t>(i));
      ASSERT_EQ(e, db.Find(k, 0)) << "SetExpire must return the entry's current address";
      EXPECT_TRUE(e->has_expire());
      EXPECT_EQ(e->expire_ms(), 1000 + static_cast<int64_t>(i));
      EXPECT_EQ(e->ToString(), values[i]);
      EXPECT_STREQ(e->encoding(), enc);
      EXPECT_EQ(db.expires_count(), i + 1);
      // Changing an existing TTL keeps the entry where it is.
      Entry* again = db.SetExpire(e, 2000 + static_cast<int64_t>(i));
      EXPECT_EQ(again, e);
      EXPECT_EQ(db.expires_count(), i + 1);
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
    // Active expiry sees every key of the TTL list (each one's entry is current).
    g_rng.seed(round);
    for (int s = 0; s < 50; ++s) EXPECT_EQ(db.ExpireSample(0, 10, TestRand), 0);
    for (size_t i = 0; i < values.size(); ++i) {
      std::string k = "k" + std::to_string(i);
      Entry* e = db.ClearExpire(db.Find(k, 0));
      ASSERT_EQ(e, db.Find(k, 0));
      EXPECT_FALSE(e->has_expire());
      EXPECT_EQ(e->ToString(), values[i]);
      EXPECT_EQ(db.expires_count(), values.size() - i - 1);
      EXPECT_EQ(db.ClearExpire(e), e);  // no TTL: nothing to do
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  }
  // Expire the middle ones only, via the TTL list.
  db.SetExpire(db.Find("k1", 0), 10);
  db.SetExpire(db.Find("k2", 0), 10);
  db.SetExpire(db.Find("k3", 0), 100'000);
  g_rng.seed(1);
  int removed = 0;
  for (int s = 0; s < 100 && removed < 2; ++s) removed += db.ExpireSample(50, 10, TestRand);
  EXPECT_EQ(removed, 2);
  EXPECT_NE(db.Find("k0", 50), nullptr);
  EXPECT_EQ(db.Find("k1", 50), nullptr);
  EXPECT_EQ(db.Find("k2", 50), nullptr);
  EXPECT_EQ(db.Find("k3", 50)->expire_ms(), 100'000);
  EXPECT_EQ(db.expires_count(), 1u);
}

TEST(Db, EncodingMatchesRedis) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  struct Case {
    std::string value;
    const char* encoding;
  } cases[] = {
      {"0", "int"},
      {"12345", "int"},
      {"-1", "int"},
      {"9223372036854775807", "int"},
      {"-9223372036854775808", "int"},
      {"9223372036854775808", "embstr"},  // out of range
      {"007", "embstr"},                  // not canonical
      {"-0", "embstr"},
      {"+1", "embstr"},
      {" 1", "embstr"},
      {"1.5", "embstr"},
      {"", "embstr"},
      {"hello", "embstr"},
      {std::string(44, 'a'), "embstr"},
      {std::string(45, 'a'), "raw"},
      {std::string(1000, 'a'), "raw"},
      {std::string(30000, 'a'), "raw"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RedisEncoding(c.value), c.encoding) << c.value;  // the test's own reference
    Entry* e = db.Set("k", Value::FromString(c.value), 0);
    EXPECT_STREQ(e->encoding(), c.encoding) << c.value;
    EXPECT_EQ(e->ToString(), c.value);
    EXPECT_EQ(e->StringLength(), c.value.size());
    // A TTL does not change it.
    e = db.SetExpire(e, 100);
    EXPECT_STREQ(e->encoding(), c.encoding) << c.value;
    EXPECT_EQ(e->ToString(), c.value);
    e = db.ClearExpire(e);
    EXPECT_STREQ(e->encoding(), c.encoding) << c.value;
  }
}

// The model of one key.
struct Model {
  std::string value;
  int64_t expire = Entry::kNoExpire;
  std::string encoding;
};

std::string RandomValue(std::mt19937_64& rng) {
  uint64_t r = rng() % 100;
  if (r < 25) return std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64));
  if (r < 30) return "00" + std::to_string(rng() % 1000);  // numeric but not canonical
  size_t len;
  if (r < 65)
    len = rng() % 45;
  else if (r < 92)
    len = 45 + rng() % 400;
  else if (r < 97)
    len = Entry::kMaxInline - 64 + rng() % 128;  // around the inline limit
  else
    len = 17000 + rng() % 8000;  // heap strings
  std::string s(len, ' ');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

// A key or value fit for a failure message.
std::string Short(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 30)) + "...(" + std::to_string(s.size()) + " bytes)";
}

void ExpectEntry(const Entry* e, const std::string& key, const Model& m) {
  ASSERT_NE(e, nullptr) << Short(key);
  ASSERT_TRUE(e->key() == key) << Short(e->key()) << " != " << Short(key);
  std::string v = e->ToString();
  ASSERT_TRUE(v == m.value) << Short(key) << ": " << Short(v) << " != " << Short(m.value);
  ASSERT_EQ(e->expire_ms(), m.expire) << Short(key);
  ASSERT_EQ(e->has_expire(), m.expire != Entry::kNoExpire) << Short(key);
  ASSERT_EQ(std::string(e->encoding()), m.encoding) << Short(key) << ": " << Short(v);
}

TEST(Db, RandomOperationsMatchModel) {
  std::mt19937_64 rng(2024);
  g_rng.seed(2024);
  Keyspace ks(2);
  const size_t empty = ks.used_bytes();
  std::map<std::string, Model> model[2];
  std::vector<std::string> keys;
  for (int i = 0; i < 150; ++i) keys.push_back("k" + std::to_string(i));
  for (int i = 0; i < 50; ++i) keys.push_back(std::string(150, 'L') + std::to_string(i));
  keys.push_back(std::string(20000, 'K'));  // a key too big for any class
  int64_t now = 1'000'000;

  // Looks `k` up in db `d` as a command would, mirroring lazy expiry in the model.
  auto lookup = [&](int d, const std::string& k) -> Entry* {
    Entry* e = ks.db(d).Find(k, now);
    auto it = model[d].find(k);
    if (it != model[d].end() && it->second.expire != Entry::kNoExpire && it->second.expire <= now) {
      model[d].erase(it);
      it = model[d].end();
    }
    EXPECT_EQ(e != nullptr, it != model[d].end()) << "db " << d << " key " << Short(k);
    if (e && it != model[d].end()) ExpectEntry(e, k, it->second);
    return it == model[d].end() ? nullptr : e;
  };
  auto check_all = [&]() {
    for (int d = 0; d < 2; ++d) {
      size_t ttls = 0;
      for (const auto& [k, m] : model[d]) ttls += m.expire != Entry::kNoExpire;
      ASSERT_EQ(ks.db(d).size(), model[d].size());
      ASSERT_EQ(ks.db(d).expires_count(), ttls);
    }
    ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  };

  int compaction_calls = 0;
  for (int op = 0; op < 12000; ++op) {
    now += static_cast<int64_t>(rng() % 3);
    int d = static_cast<int>(rng() % 2);
    Db& db = ks.db(d);
    const std::string& k = keys[rng() % keys.size()];
    Entry* e = lookup(d, k);
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasFailure()) break;
    Model* m = e ? &model[d][k] : nullptr;
    switch (rng() % 10) {
      case 0:
      case 1: {  // SET [KEEPTTL]
        std::string v = RandomValue(rng);
        bool keep = rng() % 3 == 0;
        Model nm{v, keep && m ? m->expire : Entry::kNoExpire, RedisEncoding(v)};
        Entry* ne = db.Set(k, Value::FromString(v), now, keep);
        model[d][k] = nm;
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, nm));
        break;
      }
      case 2: {  // Add, or SetValue on an existing key
        std::string v = RandomValue(rng);
        Entry* ne;
        if (!m) {
          ne = db.Add(k, Value::FromString(v), now);
          model[d][k] = Model{v, Entry::kNoExpire, RedisEncoding(v)};
        } else {
          ne = db.SetValue(e, Value::FromString(v));
          m->value = v;
          m->encoding = RedisEncoding(v);
        }
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, model[d][k]));
        break;
      }
      case 3:  // DEL
        ASSERT_EQ(db.Delete(k), m != nullptr);
        model[d].erase(k);
        break;
      case 4: {  // APPEND / SETRANGE
        // Keys too big for an inline value have their own test for this (see
        // EditStringOfShortValueUnderHugeKeyMakesItRaw).
        if (!m || k.size() > Entry::kMaxInline) break;
        size_t max_add = rng() % 8 == 0 ? 5000 : 50;
        std::string add(rng() % max_add, 'x');
        Entry* ne = db.EditString(e, [&](std::string& s) { s += add; });
        m->value += add;
        m->encoding = "raw";
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, *m));
        break;
      }
      case 5:
      case 6: {  // EXPIRE
        if (!m) break;
        int64_t when = now + 1 + static_cast<int64_t>(rng() % 4000);
        Entry* ne = db.SetExpire(e, when);
        m->expire = when;
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, *m));
        break;
      }
      case 7: {  // PERSIST
        if (!m) break;
        Entry* ne = db.ClearExpire(e);
        m->expire = Entry::kNoExpire;
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, *m));
        break;
      }
      case 8: {  // MOVE to the other db
        if (!m) break;
        int o = 1 - d;
        if (lookup(o, k)) break;
        uint32_t clock = e->clock();
        Entry* ne = ks.db(o).Put(k, std::move(*db.Take(k)));
        model[o][k] = *m;
        model[d].erase(k);
        ASSERT_NO_FATAL_FAILURE(ExpectEntry(ne, k, model[o][k]));
        ASSERT_EQ(ne->clock(), clock);
        ASSERT_EQ(ks.db(d).Find(k, now), nullptr);
        break;
      }
      case 9: {  // server cron: active expiry and compaction
        if (rng() % 2) {
          db.ExpireSample(now, 20, TestRand);
          // Reconcile: every expired key is gone now, whether sampled or met here.
          for (auto it = model[d].begin(); it != model[d].end();) {
            if (it->second.expire != Entry::kNoExpire && it->second.expire <= now) {
              ASSERT_EQ(db.Find(it->first, now), nullptr);
              it = model[d].erase(it);
            } else {
              ++it;
            }
          }
        } else {
          ks.CompactStep(0.0, 0, 2);
          ++compaction_calls;
        }
        break;
      }
    }
    if (op % 1000 == 999) {
      ASSERT_NO_FATAL_FAILURE(check_all());
    }
  }
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_GT(compaction_calls, 100);
  EXPECT_GE(ks.compactions(), 1u);
  // The run exercised lazy and active expiry and moved entries under compaction.
  EXPECT_GT(ks.db(0).expired() + ks.db(1).expired(), 50u);
  EXPECT_GE(ks.moved_entries(), 1u);

  // Every key reads back its value and TTL.
  for (int d = 0; d < 2; ++d) {
    for (const auto& k : keys) ASSERT_NO_FATAL_FAILURE(lookup(d, k));
  }
  ASSERT_NO_FATAL_FAILURE(check_all());
  EXPECT_GT(model[0].size() + model[1].size(), 50u);

  ks.db(0).Clear();
  ks.db(1).Clear();
  EXPECT_EQ(ks.db(0).size(), 0u);
  EXPECT_EQ(ks.db(0).expires_count(), 0u);
  EXPECT_EQ(ks.heap_bytes(), 0u);
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
  EXPECT_EQ(ks.slab().live_blocks(), 0u);
  EXPECT_EQ(ks.used_bytes(), empty);
}

TEST(Db, HeapBytesReturnToZeroAfterDeletingHeapStrings) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  std::mt19937_64 rng(77);
  for (int i = 0; i < 200; ++i) {
    Entry* e = db.Add(Key(i), Value::FromString(std::string(17000 + rng() % 5000, 'h')), 0);
    if (i % 3 == 0) e = db.SetExpire(e, 1'000'000);
    if (i % 4 == 0) db.EditString(e, [](std::string& s) { s.append(3000, 'g'); });
  }
  for (int i = 0; i < 50; ++i)
    db.EditString(db.Add("edited" + std::to_string(i), Value::FromString("x"), 0),
                  [](std::string& s) { s += "yz"; });
  EXPECT_GT(ks.heap_bytes(), 200u * 17000);
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(db.Delete(Key(i)));
  for (int i = 0; i < 50; i += 2) ASSERT_TRUE(db.Take("edited" + std::to_string(i)).has_value());
  for (int i = 1; i < 50; i += 2) ASSERT_TRUE(db.Delete("edited" + std::to_string(i)));
  EXPECT_EQ(ks.heap_bytes(), 0u);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
}

TEST(Db, ClearEmptiesTheDbAndItsTtlList) {
  Keyspace ks(2);
  size_t empty = ks.used_bytes();
  for (int i = 0; i < 5000; ++i) {
    Entry* e = ks.db(0).Add(Key(i), Value::FromString(std::string(i % 300, 'c')), 0);
    if (i % 2) ks.db(0).SetExpire(e, 1'000'000);
  }
  ks.db(1).Add("other", Value::FromInt(1), 0);
  EXPECT_GT(ks.used_bytes(), empty + 5000 * 20);
  ks.db(0).Clear();
  EXPECT_EQ(ks.db(0).size(), 0u);
  EXPECT_EQ(ks.db(0).published_size(), 0u);
  EXPECT_EQ(ks.db(0).expires_count(), 0u);
  EXPECT_EQ(ks.db(0).Find(Key(1), 0), nullptr);
  EXPECT_EQ(ks.db(1).size(), 1u);
  ks.db(1).Delete("other");
  EXPECT_EQ(ks.used_bytes(), empty);
  // Usable after Clear.
  ks.db(0).Add("again", Value::FromInt(2), 0);
  EXPECT_EQ(ks.db(0).Find("again", 0)->int_value(), 2);
  EXPECT_EQ(ks.db(0).published_size(), 1u);
}

TEST(Db, HugeKeysLiveInLargeBlocks) {
  Keyspace ks(2);
  std::string key(20000, 'K');
  key[12345] = '!';
  Db& db = ks.db(0);
  Entry* e = db.Add(key, Value::FromInt(7), 0);
  EXPECT_GT(e->encoded_size(), SlabAllocator::kMaxBlock);
  EXPECT_TRUE(e->key() == key);
  EXPECT_EQ(db.Find(key, 0), e);
  EXPECT_EQ(db.Find(std::string(20000, 'K'), 0), nullptr);
  e = db.SetExpire(e, 5000);
  EXPECT_EQ(e->expire_ms(), 5000);
  EXPECT_EQ(e->int_value(), 7);
  e = db.SetValue(e, Value::FromString("short"));
  EXPECT_EQ(e->ToString(), "short");
  EXPECT_STREQ(e->encoding(), "embstr");
  EXPECT_EQ(e->expire_ms(), 5000);
  e = db.SetValue(e, Value::FromString(std::string(30000, 'v')));
  EXPECT_EQ(e->StringLength(), 30000u);
  EXPECT_STREQ(e->encoding(), "raw");
  ASSERT_NO_FATAL_FAILURE(ExpectAccountingMatches(ks));
  Entry* p = ks.db(1).Put(key, std::move(*db.Take(key)));
  EXPECT_EQ(p->StringLength(), 30000u);
  EXPECT_EQ(p->expire_ms(), 5000);
  EXPECT_EQ(db.size(), 0u);
  p = ks.db(1).ClearExpire(p);
  EXPECT_FALSE(p->has_expire());
  EXPECT_TRUE(ks.db(1).Delete(key));
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
  EXPECT_EQ(ks.slab().page_bytes(), 0u);
  EXPECT_EQ(ks.heap_bytes(), 0u);
}

// A short value under a key too big for the value to be stored inline is a heap string with
// Redis's "embstr" encoding; editing it in place (APPEND, SETRANGE) must make it "raw", as it
// does for every other string.
TEST(Db, EditStringOfShortValueUnderHugeKeyMakesItRaw) {
  Keyspace ks(1);
  Db& db = ks.db(0);
  std::string key(Entry::kMaxInline, 'K');
  Entry* e = db.Add(key, Value::FromString("ab"), 0);
  EXPECT_STREQ(e->encoding(), "embstr");
  e = db.EditString(e, [](std::string& s) { s += "c"; });
  EXPECT_EQ(e->ToString(), "abc");
  EXPECT_STREQ(e->encoding(), "raw");
  // The same edit under a short key, for comparison.
  Entry* s = db.Add("short", Value::FromString("ab"), 0);
  s = db.EditString(s, [](std::string& v) { v += "c"; });
  EXPECT_STREQ(s->encoding(), "raw");
}

}  // namespace
}  // namespace tessera
