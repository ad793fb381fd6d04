#include "persist/wal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "base/crc32c.h"

namespace tessera::wal {
namespace {

std::string TempPath() {
  char tmpl[] = "/tmp/tessera-wal-test-XXXXXX";
  int fd = mkstemp(tmpl);
  close(fd);
  return tmpl;
}

void WriteFile(const std::string& path, const std::string& data) {
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(data.data(), 1, data.size(), f);
  fclose(f);
}

std::string SampleLog(std::vector<uint64_t>* ends) {
  std::string s(kMagic);
  Record h;
  h.type = Type::kHeader;
  h.shard = 1;
  h.shards = 4;
  h.generation = 7;
  h.slot_lo = 4096;
  h.slot_hi = 8191;
  AppendRecord(&s, h);
  ends->push_back(s.size());
  std::vector<std::string> set{"SET", "k", std::string("v\0\r\n", 4)};
  AppendCommand(&s, 3, 1700000000123, set);
  ends->push_back(s.size());
  Record put;
  put.type = Type::kPut;
  put.db = 0;
  put.args = {"key", std::string(300, 'x')};
  put.expire_ms = 1700000009999;
  AppendRecord(&s, put);
  ends->push_back(s.size());
  put.mc_flags = 0xFFFFFFFF;  // a memcached item's client flags
  AppendRecord(&s, put);
  ends->push_back(s.size());
  Record fl;
  fl.type = Type::kFlush;
  fl.db = -1;
  fl.slot_lo = 0;
  fl.slot_hi = 16383;
  AppendRecord(&s, fl);
  ends->push_back(s.size());
  Record sw;
  sw.type = Type::kSwapDb;
  sw.db = 2;
  sw.db2 = 5;
  sw.slot_hi = 100;
  AppendRecord(&s, sw);
  ends->push_back(s.size());
  Record tx;
  tx.type = Type::kTxn;
  tx.txid = 1ull << 50;
  tx.parts = 3;
  tx.count = 2;
  AppendRecord(&s, tx);
  ends->push_back(s.size());
  return s;
}

TEST(Crc32c, CheckValue) {
  EXPECT_EQ(Crc32c(0, "123456789", 9), 0xE3069283u);
  // Chained calls equal one call over the whole input, at every split (both code paths use
  // 8-byte words and a byte tail).
  std::string data(100, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 37);
  uint32_t whole = Crc32c(0, data.data(), data.size());
  for (size_t k = 0; k <= data.size(); ++k)
    EXPECT_EQ(Crc32c(Crc32c(0, data.data(), k), data.data() + k, data.size() - k), whole);
}

TEST(Wal, RoundTrip) {
  std::vector<uint64_t> ends;
  std::string path = TempPath();
  WriteFile(path, SampleLog(&ends));
  Reader rd;
  std::string err;
  ASSERT_TRUE(rd.Open(path, &err)) << err;
  Record r;
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kHeader);
  EXPECT_EQ(r.shard, 1u);
  EXPECT_EQ(r.shards, 4u);
  EXPECT_EQ(r.generation, 7u);
  EXPECT_EQ(r.slot_lo, 4096);
  EXPECT_EQ(r.slot_hi, 8191);
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kCommand);
  EXPECT_EQ(r.db, 3);
  EXPECT_EQ(r.time_ms, 1700000000123);
  EXPECT_EQ(r.args, (std::vector<std::string>{"SET", "k", std::string("v\0\r\n", 4)}));
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kPut);
  EXPECT_EQ(r.args[0], "key");
  EXPECT_EQ(r.args[1], std::string(300, 'x'));
  EXPECT_EQ(r.expire_ms, 1700000009999);
  EXPECT_EQ(r.mc_flags, -1);
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kPut);
  EXPECT_EQ(r.args[1], std::string(300, 'x'));
  EXPECT_EQ(r.mc_flags, 0xFFFFFFFFll);
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kFlush);
  EXPECT_EQ(r.db, -1);
  EXPECT_EQ(r.slot_hi, 16383);
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kSwapDb);
  EXPECT_EQ(r.db, 2);
  EXPECT_EQ(r.db2, 5);
  ASSERT_EQ(rd.Next(&r), Reader::Status::kRecord);
  EXPECT_EQ(r.type, Type::kTxn);
  EXPECT_EQ(r.txid, 1ull << 50);
  EXPECT_EQ(r.parts, 3u);
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(rd.Next(&r), Reader::Status::kEnd);
  EXPECT_EQ(rd.offset(), ends.back());
  unlink(path.c_str());
}

// Every cut inside a record reads as torn at that record's start; a cut between records
// reads as a clean end.
TEST(Wal, EveryTruncationIsTornOrClean) {
  std::vector<uint64_t> ends;
  std::string full = SampleLog(&ends);
  std::string path = TempPath();
  for (size_t cut = 0; cut <= full.size(); ++cut) {
    WriteFile(path, full.substr(0, cut));
    Reader rd;
    std::string err;
    ASSERT_TRUE(rd.Open(path, &err)) << err;
    Record r;
    Reader::Status st;
    size_t n = 0;
    while ((st = rd.Next(&r)) == Reader::Status::kRecord) ++n;
    bool boundary = cut == kMagic.size();
    for (uint64_t e : ends) boundary |= cut == e;
    if (boundary) {
      EXPECT_EQ(st, Reader::Status::kEnd) << cut;
    } else {
      EXPECT_EQ(st, Reader::Status::kTorn) << cut;
      uint64_t start = cut < kMagic.size() ? 0 : kMagic.size();
      for (uint64_t e : ends)
        if (e <= cut) start = e;
      EXPECT_EQ(rd.offset(), start) << cut;
    }
  }
  unlink(path.c_str());
}

// A flipped byte anywhere after the magic is caught: corrupt (or, in the last record's
// length, possibly torn), never a wrong record.
TEST(Wal, FlippedBytesAreCaught) {
  std::vector<uint64_t> ends;
  std::string full = SampleLog(&ends);
  std::string path = TempPath();
  std::mt19937 rng(42);
  for (size_t at = kMagic.size(); at < full.size(); ++at) {
    std::string bad = full;
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
    WriteFile(path, bad);
    Reader rd;
    std::string err;
    ASSERT_TRUE(rd.Open(path, &err));
    Record r;
    Reader::Status st;
    size_t n = 0;
    while ((st = rd.Next(&r)) == Reader::Status::kRecord) ++n;
    size_t damaged = 0;
    while (damaged < ends.size() && ends[damaged] <= at) ++damaged;
    EXPECT_EQ(n, damaged) << at;
    EXPECT_EQ(st, Reader::Status::kCorrupt) << at;
  }
  unlink(path.c_str());
}

// A crash can leave space the file system allocated but never filled: zeros after the last
// record read as a torn tail, not as corruption.
TEST(Wal, ZeroFilledTailIsTorn) {
  std::vector<uint64_t> ends;
  std::string full = SampleLog(&ends) + std::string(5000, '\0');
  std::string path = TempPath();
  WriteFile(path, full);
  Reader rd;
  std::string err;
  ASSERT_TRUE(rd.Open(path, &err));
  Record r;
  Reader::Status st;
  while ((st = rd.Next(&r)) == Reader::Status::kRecord) {
  }
  EXPECT_EQ(st, Reader::Status::kTorn);
  EXPECT_EQ(rd.offset(), ends.back());
  unlink(path.c_str());
}

TEST(Wal, BadMagicIsRefused) {
  std::string path = TempPath();
  WriteFile(path, "REDIS0010 not a log");
  Reader rd;
  std::string err;
  EXPECT_FALSE(rd.Open(path, &err));
  EXPECT_NE(err.find("bad magic"), std::string::npos);
  unlink(path.c_str());
}

}  // namespace
}  // namespace tessera::wal
