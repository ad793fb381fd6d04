// Redis RDB (version 10, as redis-server 7.0 writes it) in and out: the value codec that DUMP,
// RESTORE, snapshots and the log's key records share, and a streaming file reader.
// Format notes: docs/rdb.md.
//
// Writing: strings (RDB integer encodings, LZF), lists as QUICKLIST_2 of listpack nodes, sets
// as INTSET or SET, sorted sets as ZSET_LISTPACK or ZSET_2, hashes as HASH_LISTPACK or HASH,
// streams as STREAM_LISTPACKS_2, following the value's Tessera encoding. Reading: every type
// Redis 7.0 loads (older ziplist, zipmap and plain encodings included) plus 7.2's SET_LISTPACK
// and STREAM_LISTPACKS_3; module values are refused with an error. Every length and offset read is
// bounds-checked: malformed input gives an error, never a crash or an allocation beyond what the
// input can actually decode to.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/encoding.h"
#include "core/entry.h"
#include "core/evict.h"
#include "core/stream.h"
#include "core/value.h"

namespace tessera::rdb {

constexpr int kVersion = 10;     // what we write; we read 1..kMaxVersion
constexpr int kMaxVersion = 11;  // Redis 7.2's version (adds SET_LISTPACK, read here)

// Value type bytes (rdb.h RDB_TYPE_*).
enum Type : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeModulePreGa = 6,
  kTypeModule2 = 7,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
  kTypeSetListpack = 20,
  kTypeStreamListpacks3 = 21,
};

// Opcodes between keys (RDB_OPCODE_*), and Tessera's own.
enum Opcode : uint8_t {
  // Tessera: the memcached client flags (u32, little-endian) of the key that follows; written
  // only for items with non-zero flags (redis-server cannot load such a file; docs/rdb.md).
  kOpMcFlags = 200,
  // Tessera: the idempotent producers (XADD IDMP) of the stream that follows: count, then per
  // producer its name, highest sequence and that entry's ID (ms, seq) as lengths.
  kOpStreamProducers = 201,
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Redis's CRC-64 (Jones polynomial, reflected; crc64.c): Crc64(0, "123456789", 9) is
// 0xe9c6d914c4b8d9ca. Chain calls by passing the previous result as `crc`.
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

// Appends RDB bytes to a string. `compress`: LZF for strings over 20 bytes when it saves at
// least 4 bytes (rdbcompression); blobs (listpacks, intsets) are strings too.
class Encoder {
 public:
  explicit Encoder(std::string* out, bool compress = true) : out_(out), compress_(compress) {}

  void Header();  // "REDIS0010"
  void Aux(std::string_view key, std::string_view value);
  void SelectDb(int db);
  void ResizeDb(uint64_t keys, uint64_t expires);
  // Access metadata for the key that follows (written by Redis under LRU / LFU policies).
  void Idle(uint64_t seconds);
  void Freq(uint8_t counter);
  void McFlags(uint32_t flags);
  void StreamProducers(const std::map<std::string, StreamProducer>& producers);
  // EXPIRETIME_MS when expire_ms >= 0, then the value's type byte, the key and the value.
  void KeyValue(std::string_view key, const Entry& e, int64_t expire_ms);
  void KeyValue(std::string_view key, const Value& v, int64_t expire_ms);
  // The value's type byte and body (what DUMP's payload starts with).
  void Object(const Entry& e);
  void Object(const Value& v);
  void Eof();  // the EOF opcode; the caller appends the checksum (8 bytes, little-endian)

  // Building blocks, as rdb.c writes them.
  void Len(uint64_t len);           // rdbSaveLen
  void String(std::string_view s);  // rdbSaveRawString: int encoding, LZF, or raw
  void Int(int64_t v);              // rdbSaveLongLongAsStringObject
  void Blob(std::string_view s);    // a listpack/intset blob: LZF or raw
  void BinaryDouble(double d);      // rdbSaveBinaryDoubleValue (8 bytes LE)
  void Raw(std::string_view bytes) { out_->append(bytes); }  // rdbWriteRaw

 private:
  std::string* out_;
  bool compress_;
};

// DUMP's payload for a value: type byte + body + RDB version (2 bytes LE) + CRC-64 (8 LE).
std::string DumpPayload(const Entry& e);
std::string DumpPayload(const Value& v);
// Parses a DUMP payload (checking version and checksum as Redis 7.0 does: a version above
// kVersion is refused) into a value built for `limits`. False with Redis's error text in *err:
// "DUMP payload version or checksum are wrong", or "Bad data format" (followed by the reason after
// ": " for a type Tessera does not support, e.g. "Bad data format: RDB type 7 (module value) not
// supported"). As in Redis, the value is read from the whole payload, footer included, and bytes
// after it are ignored.
bool ParseDumpPayload(std::string_view payload, const EncodingLimits& limits, Value* out,
                      std::string* err);
// Parses one type byte + body (no footer) from the front of `data`: what Encoder::Object wrote.
// *consumed (when not null) gets the bytes read. An empty collection is an error. False with
// a reason and the byte offset in *err.
bool ParseValue(std::string_view data, const EncodingLimits& limits, Value* out, std::string* err,
                size_t* consumed = nullptr);

// One key read from a file.
struct LoadedKey {
  int db = 0;
  std::string key;
  Value value;
  int64_t expire_ms = Entry::kNoExpire;
  std::optional<uint64_t> idle_s;    // RDB_OPCODE_IDLE
  std::optional<uint8_t> freq;       // RDB_OPCODE_FREQ
  std::optional<uint32_t> mc_flags;  // kOpMcFlags
};

struct LoadCallbacks {
  std::function<void(std::string_view key, std::string_view value)> aux;
  std::function<void(int db, uint64_t keys, uint64_t expires)> resize_db;
  // Every key, in file order (expired ones included: the caller decides). Keys holding an empty
  // collection are skipped, as Redis skips them.
  std::function<void(LoadedKey&&)> key;
  // Bytes consumed so far, called every few MB (INFO loading progress).
  std::function<void(uint64_t bytes)> progress;
};

// Reads a whole RDB file (header, aux fields, databases, EOF, checksum when not zero), in
// buffered chunks. False with a message naming the file and the byte offset where it went
// wrong ("<path>: <reason> at offset <n>"). Function libraries (FUNCTION2), module aux data
// and module values are refused.
bool LoadFile(const std::string& path, const EncodingLimits& limits, const LoadCallbacks& cb,
              std::string* err);

// The access clock for a key created with IDLETIME/FREQ metadata (RESTORE's options, the file's
// IDLE/FREQ opcodes), as Redis's objectSetLRUOrLFU: `freq` under an LFU policy, `idle_s` under
// the others except FIFO (whose clock is an insertion order). nullopt when nothing applies:
// the key keeps the clock it was created with.
std::optional<uint32_t> AccessClock(const EvictionConfig& cfg, std::optional<uint64_t> idle_s,
                                    std::optional<uint8_t> freq, int64_t now_ms);

}  // namespace tessera::rdb
