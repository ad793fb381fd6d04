// The write-ahead log's record format: how a shard's changes are framed on disk, and a reader
// that tells a clean end from a torn last record and from corruption in the middle.
// docs/persistence.md describes the layout byte by byte.
//
//   file   = magic "TSWAL01\n", then records; the first record is a kHeader
//   record = u32 len | u32 len_check | u32 payload_crc | payload (len bytes)
//            len_check = CRC-32C of the 4 length bytes (catches a damaged length before it is
//            trusted); payload_crc = CRC-32C of the payload. All little-endian.
//   payload = u8 type | varint db+1 (0: every database) | varint time_ms | body by type
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::wal {

inline constexpr std::string_view kMagic = "TSWAL01\n";
inline constexpr size_t kFrameBytes = 12;
// Records are never longer than this (a reader refuses longer lengths as corruption).
inline constexpr uint32_t kMaxRecord = 1u << 30;

enum class Type : uint8_t {
  kHeader = 1,   // body: varint shard, varint shards, varint generation, varint slot_lo, slot_hi
  kCommand = 2,  // body: varint argc, then (varint len, bytes) per argument; replayed as run
  kPut = 3,      // body: key, varint expire_ms+1 (0: none), RDB value (DUMP payload),
                 // [varint memcached client flags+1, on memcached items]
  kDel = 4,      // body: key
  kFlush = 5,    // body: varint slot_lo, slot_hi: keys of those slots in db (or every db) go
  kSwapDb = 6,   // body: varint db2, slot_lo, slot_hi: the two databases swap those slots
  // A write over several shards' logs: the `count` records that follow in this log are one
  // part of transaction `txid`, which has `parts` parts (one per shard log). Replay applies
  // them only when every part is complete. body: varint txid, parts, count
  kTxn = 7,
};

struct Record {
  Type type = Type::kCommand;
  int db = 0;  // -1: every database
  int64_t time_ms = 0;
  std::vector<std::string> args;  // kCommand: the arguments; kPut/kDel: key (and payload)
  int64_t expire_ms = -1;         // kPut
  int64_t mc_flags = -1;          // kPut of a memcached item: its client flags
  uint64_t shard = 0, shards = 0, generation = 0;  // kHeader
  uint16_t slot_lo = 0, slot_hi = 0;               // kHeader, kFlush, kSwapDb
  int db2 = 0;                                     // kSwapDb
  uint64_t txid = 0, parts = 0, count = 0;         // kTxn
};

// Appends framed records to `out`.
void AppendCommand(std::string* out, int db, int64_t time_ms, std::span<const std::string> args);
void AppendRecord(std::string* out, const Record& r);

// Reads records from a log file in order.
class Reader {
 public:
  enum class Status {
    kRecord,   // *r holds the next record
    kEnd,      // clean end of file
    kTorn,     // the file ends inside a record (a crash mid-write): offset() is where it began
    kCorrupt,  // a record that is complete but fails its checks: offset() is where it began
    kIoError,  // reading failed (error() says why): nothing may be concluded about the rest
  };

  Reader() = default;
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // False with *err when the file cannot be opened or does not start with the magic (a file
  // shorter than the magic is torn at offset 0).
  bool Open(const std::string& path, std::string* err);
  Status Next(Record* r);
  // Start of the record Next last returned or failed on; after kEnd, the file size.
  uint64_t offset() const { return record_start_; }
  // Why Next returned kCorrupt.
  const std::string& error() const { return error_; }

 private:
  bool Fill(size_t need);  // makes `need` bytes available at pos_, false at end of file
  // True when everything from pos_ to the end of the file is zero bytes (at most 16 MiB):
  // space the file system allocated for a write the crash cut off.
  bool ZeroTail();
  bool Parse(std::string_view payload, Record* r);

  FILE* f_ = nullptr;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t buf_offset_ = 0;  // file offset of buf_[0]
  uint64_t record_start_ = 0;
  bool torn_at_open_ = false;
  int read_errno_ = 0;
  std::string error_;
};

}  // namespace tessera::wal
