// Streams: listpack nodes in Redis's layout, ranges, deletion and trimming as t_stream.c does
// them, consumer groups (see stream.h).
#include "core/stream.h"

#include <cstring>

#include "base/malloc.h"
#include "base/strings.h"
#include "core/packed.h"

namespace tessera {
namespace {

constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;
constexpr size_t kLpHeader = 6;  // u32 total bytes, u16 element count

// ---- listpack buffers (std::string holding header, entries, 0xFF)

std::string NewListpack() {
  std::string lp(kLpHeader + 1, '\0');
  lp.back() = static_cast<char>(0xFF);
  uint32_t total = static_cast<uint32_t>(lp.size());
  memcpy(lp.data(), &total, 4);
  return lp;
}

void SetTotal(std::string* lp) {
  uint32_t total = static_cast<uint32_t>(lp->size());
  memcpy(lp->data(), &total, 4);
}

bool AtEnd(const std::string& lp, size_t off) { return static_cast<uint8_t>(lp[off]) == 0xFF; }
size_t Next(const std::string& lp, size_t off) { return off + packed::EntrySize(lp.data() + off); }

StreamElem Get(const std::string& lp, size_t off) {
  StreamElem e;
  packed::Decode(lp.data() + off, &e);
  return e;
}

int64_t GetInt(const std::string& lp, size_t off) {
  StreamElem e = Get(lp, off);
  if (e.is_int) return e.num;
  return ParseInt64(e.str).value_or(0);
}

void Append(std::string* lp, const packed::Enc& e) {
  size_t at = lp->size() - 1;
  lp->insert(at, e.total, '\0');
  packed::Write(lp->data() + at, e);
  SetTotal(lp);
  uint16_t n;
  memcpy(&n, lp->data() + 4, 2);
  if (n != 65535) ++n;
  memcpy(lp->data() + 4, &n, 2);
}
void AppendInt(std::string* lp, int64_t v) { Append(lp, packed::PrepareInt(v)); }
void AppendStr(std::string* lp, std::string_view s) { Append(lp, packed::Prepare(s)); }

void ReplaceInt(std::string* lp, size_t off, int64_t v) {
  packed::Enc e = packed::PrepareInt(v);
  size_t old = packed::EntrySize(lp->data() + off);
  lp->replace(off, old, e.total, '\0');
  packed::Write(lp->data() + off, e);
  SetTotal(lp);
}

// ---- stream nodes

// The master entry of a node.
struct NodeHead {
  int64_t count = 0, deleted = 0, nfields = 0;
  size_t fields_off = 0;   // the master's first field
  size_t first_entry = 0;  // the first entry's flags
};

NodeHead ReadHead(const std::string& lp) {
  NodeHead h;
  size_t off = kLpHeader;
  h.count = GetInt(lp, off);
  off = Next(lp, off);
  h.deleted = GetInt(lp, off);
  off = Next(lp, off);
  h.nfields = GetInt(lp, off);
  off = Next(lp, off);
  h.fields_off = off;
  for (int64_t i = 0; i < h.nfields; ++i) off = Next(lp, off);
  h.first_entry = Next(lp, off);  // the master's 0 terminator
  return h;
}

struct EntryAt {
  StreamID id;
  int64_t flags = 0;
  size_t flags_off = 0;
};

// Decodes the entry at `off` (its fields and values into *fv when not null); returns the offset
// of the next one.
size_t DecodeEntry(const std::string& lp, size_t off, StreamID master, const NodeHead& h,
                   std::vector<StreamElem>* fv, EntryAt* out) {
  out->flags_off = off;
  out->flags = GetInt(lp, off);
  off = Next(lp, off);
  out->id.ms = master.ms + static_cast<uint64_t>(GetInt(lp, off));
  off = Next(lp, off);
  out->id.seq = master.seq + static_cast<uint64_t>(GetInt(lp, off));
  off = Next(lp, off);
  if (out->flags & kFlagSameFields) {
    size_t mf = h.fields_off;
    for (int64_t i = 0; i < h.nfields; ++i) {
      if (fv) {
        fv->push_back(Get(lp, mf));
        fv->push_back(Get(lp, off));
      }
      mf = Next(lp, mf);
      off = Next(lp, off);
    }
  } else {
    int64_t n = GetInt(lp, off);
    off = Next(lp, off);
    for (int64_t i = 0; i < 2 * n; ++i) {
      if (fv) fv->push_back(Get(lp, off));
      off = Next(lp, off);
    }
  }
  return Next(lp, off);  // lp-count
}

bool SameBytes(const StreamElem& e, std::string_view s) {
  char buf[StreamElem::kIntBuf];
  return e.View(buf) == s;
}

size_t NodeBytes(const std::string& lp) { return MallocSizeClass(lp.capacity() + 1) + 64; }

}  // namespace

// ---------------------------------------------------------------------------------- StreamID

bool StreamID::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamID::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

std::string StreamID::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

// ------------------------------------------------------------------------------------ groups

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, added] = consumers.try_emplace(std::string(name));
  if (!added) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = it->first;
  it->second->seen_time = now_ms;
  return it->second.get();
}

int64_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return -1;
  auto pending = static_cast<int64_t>(it->second->pel.size());
  for (StreamID id : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

StreamNack& StreamGroup::Assign(StreamID id, StreamConsumer* c, int64_t delivery_time,
                                uint64_t count) {
  StreamNack& n = pel[id];
  if (n.consumer && n.consumer != c) n.consumer->pel.erase(id);
  n.consumer = c;
  n.delivery_time = delivery_time;
  n.delivery_count = count;
  c->pel.insert(id);
  return n;
}

bool StreamGroup::Ack(StreamID id) {
  auto it = pel.find(id);
  if (it == pel.end()) return false;
  it->second.consumer->pel.erase(id);
  pel.erase(it);
  return true;
}

// ------------------------------------------------------------------------------------ Stream

std::unique_ptr<Object> Stream::Clone() const {
  auto s = std::make_unique<Stream>();
  s->nodes_ = nodes_;
  for (const auto& [id, lp] : s->nodes_) s->node_bytes_ += NodeBytes(lp);
  s->length_ = length_;
  s->last_id_ = last_id_;
  s->first_id_ = first_id_;
  s->max_deleted_ = max_deleted_;
  s->entries_added_ = entries_added_;
  s->producers_ = producers_;
  for (const auto& [name, g] : groups_) {
    StreamGroup* ng = s->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [cname, c] : g->consumers) ng->CreateConsumer(cname, c->seen_time);
    for (const auto& [id, n] : g->pel)
      ng->Assign(id, ng->FindConsumer(n.consumer->name), n.delivery_time, n.delivery_count);
  }
  return s;
}

size_t Stream::MemoryUsage() const {
  size_t bytes = 128 + node_bytes_ + producers_.size() * 96;
  for (const auto& [name, g] : groups_)
    bytes += 160 + name.size() + g->pel.size() * 112 + g->consumers.size() * 160;
  return bytes;
}

bool Stream::NextId(uint64_t now_ms, StreamID* out) const {
  if (now_ms > last_id_.ms) {
    *out = {now_ms, 0};
    return true;
  }
  *out = last_id_;
  return out->Incr();
}

void Stream::Append(StreamID id, std::span<const std::string> fv) {
  size_t total = 0;
  for (const std::string& s : fv) total += s.size();
  const int64_t nfields = static_cast<int64_t>(fv.size() / 2);
  std::string* lp = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    auto it = std::prev(nodes_.end());
    lp = &it->second;
    master = it->first;
    if (lp->size() + total >= kNodeMaxBytes) {
      lp = nullptr;
    } else {
      NodeHead h = ReadHead(*lp);
      if (h.count + h.deleted >= kNodeMaxEntries) lp = nullptr;
    }
    if (!lp) {
      node_bytes_ -= NodeBytes(it->second);
      it->second.shrink_to_fit();
      node_bytes_ += NodeBytes(it->second);
    }
  }
  int64_t flags = 0;
  size_t before = 0;
  if (lp) before = NodeBytes(*lp);
  if (!lp) {
    master = id;
    lp = &nodes_[id];
    *lp = NewListpack();
    AppendInt(lp, 1);
    AppendInt(lp, 0);
    AppendInt(lp, nfields);
    for (int64_t i = 0; i < nfields; ++i) AppendStr(lp, fv[2 * i]);
    AppendInt(lp, 0);
    flags = kFlagSameFields;
  } else {
    ReplaceInt(lp, kLpHeader, ReadHead(*lp).count + 1);
    NodeHead h = ReadHead(*lp);
    if (h.nfields == nfields) {
      size_t off = h.fields_off;
      int64_t i = 0;
      for (; i < nfields && SameBytes(Get(*lp, off), fv[2 * i]); ++i) off = Next(*lp, off);
      if (i == nfields) flags = kFlagSameFields;
    }
  }
  AppendInt(lp, flags);
  AppendInt(lp, static_cast<int64_t>(id.ms - master.ms));
  AppendInt(lp, static_cast<int64_t>(id.seq - master.seq));
  bool same = flags & kFlagSameFields;
  if (!same) AppendInt(lp, nfields);
  for (int64_t i = 0; i < nfields; ++i) {
    if (!same) AppendStr(lp, fv[2 * i]);
    AppendStr(lp, fv[2 * i + 1]);
  }
  AppendInt(lp, nfields + 3 + (same ? 0 : nfields + 1));
  node_bytes_ += NodeBytes(*lp) - before;
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

void Stream::Range(StreamID start, StreamID end, bool rev,
                   const std::function<bool(const StreamEntryView&)>& fn) const {
  if (start > end) return;
  std::vector<StreamElem> fv;
  EntryAt at;
  if (!rev) {
    auto it = nodes_.upper_bound(start);
    if (it != nodes_.begin()) --it;
    for (; it != nodes_.end() && it->first <= end; ++it) {
      const std::string& lp = it->second;
      NodeHead h = ReadHead(lp);
      for (size_t off = h.first_entry; !AtEnd(lp, off);) {
        fv.clear();
        off = DecodeEntry(lp, off, it->first, h, &fv, &at);
        if ((at.flags & kFlagDeleted) || at.id < start) continue;
        if (at.id > end) return;
        if (!fn(StreamEntryView{at.id, fv})) return;
      }
    }
    return;
  }
  std::vector<size_t> offs;
  for (auto it = nodes_.upper_bound(end); it != nodes_.begin();) {
    --it;
    const std::string& lp = it->second;
    NodeHead h = ReadHead(lp);
    offs.clear();
    for (size_t off = h.first_entry; !AtEnd(lp, off);) {
      offs.push_back(off);
      off = DecodeEntry(lp, off, it->first, h, nullptr, &at);
    }
    for (auto o = offs.rbegin(); o != offs.rend(); ++o) {
      fv.clear();
      DecodeEntry(lp, *o, it->first, h, &fv, &at);
      if ((at.flags & kFlagDeleted) || at.id > end) continue;
      if (at.id < start) return;
      if (!fn(StreamEntryView{at.id, fv})) return;
    }
  }
}

bool Stream::Exists(StreamID id) const {
  bool found = false;
  Range(id, id, false, [&](const StreamEntryView&) { return !(found = true); });
  return found;
}

bool Stream::EdgeId(bool first, StreamID* out) const {
  bool found = false;
  Range(StreamID::Min(), StreamID::Max(), !first, [&](const StreamEntryView& e) {
    *out = e.id;
    return !(found = true);
  });
  return found;
}

bool Stream::Delete(StreamID id) {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  std::string& lp = it->second;
  NodeHead h = ReadHead(lp);
  EntryAt at;
  for (size_t off = h.first_entry; !AtEnd(lp, off);) {
    off = DecodeEntry(lp, off, it->first, h, nullptr, &at);
    // A deleted entry may carry a greater ID than a live one after it (XSETID may move the
    // last ID back below deleted entries): skip deleted ones before comparing, as Redis does.
    if (at.flags & kFlagDeleted) continue;
    if (at.id > id) return false;
    if (at.id < id) continue;
    node_bytes_ -= NodeBytes(lp);
    if (h.count == 1) {
      nodes_.erase(it);
    } else {
      ReplaceInt(&lp, at.flags_off, at.flags | kFlagDeleted);
      ReplaceInt(&lp, kLpHeader, h.count - 1);
      ReplaceInt(&lp, Next(lp, kLpHeader), h.deleted + 1);
      node_bytes_ += NodeBytes(lp);
    }
    --length_;
    if (id > max_deleted_) max_deleted_ = id;
    if (length_ == 0)
      first_id_ = StreamID::Min();
    else if (id == first_id_)
      EdgeId(true, &first_id_);
    return true;
  }
  return false;
}

int64_t Stream::DoTrim(const Trim& t) {
  int64_t deleted = 0;
  bool maxlen = t.strategy == Trim::kMaxLen;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (maxlen && length_ <= t.maxlen) break;
    std::string& lp = it->second;
    NodeHead h = ReadHead(lp);
    if (t.limit && deleted + h.count > t.limit) break;
    bool remove_node;
    EntryAt at;
    if (maxlen) {
      remove_node = length_ - static_cast<uint64_t>(h.count) >= t.maxlen;
    } else {
      StreamID last;  // the node's last entry, deleted or not
      for (size_t off = h.first_entry; !AtEnd(lp, off);) {
        off = DecodeEntry(lp, off, it->first, h, nullptr, &at);
        last = at.id;
      }
      remove_node = last < t.minid;
    }
    if (remove_node) {
      length_ -= static_cast<uint64_t>(h.count);
      deleted += h.count;
      node_bytes_ -= NodeBytes(lp);
      it = nodes_.erase(it);
      continue;
    }
    if (t.approx) break;
    node_bytes_ -= NodeBytes(lp);
    int64_t from_node = 0;
    for (size_t off = h.first_entry; !AtEnd(lp, off);) {
      size_t next = DecodeEntry(lp, off, it->first, h, nullptr, &at);
      if (maxlen ? length_ <= t.maxlen : at.id >= t.minid) break;
      if (!(at.flags & kFlagDeleted)) {
        ReplaceInt(&lp, at.flags_off, at.flags | kFlagDeleted);  // same size: flags < 128
        ++from_node;
        --length_;
      }
      off = next;
    }
    deleted += from_node;
    ReplaceInt(&lp, kLpHeader, h.count - from_node);
    ReplaceInt(&lp, Next(lp, kLpHeader), h.deleted + from_node);
    node_bytes_ += NodeBytes(lp);
    break;
  }
  if (length_)
    EdgeId(true, &first_id_);
  else
    first_id_ = StreamID::Min();
  return deleted;
}

int64_t Stream::EstimateDistance(StreamID id) const {
  if (!entries_added_) return 0;
  if (!length_ && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_.IsZero() || max_deleted_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

bool Stream::RangeHasTombstones(StreamID start, StreamID end) const {
  if (!length_ || max_deleted_.IsZero()) return false;
  if (first_id_ > max_deleted_) return false;
  return start <= max_deleted_ && max_deleted_ <= end;
}

std::optional<int64_t> Stream::Lag(const StreamGroup& g) const {
  if (!entries_added_) return 0;
  if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
      !RangeHasTombstones(g.last_id, StreamID::Max()))
    return static_cast<int64_t>(entries_added_) - g.entries_read;
  int64_t read = EstimateDistance(g.last_id);
  if (read == StreamGroup::kInvalidEntriesRead) return std::nullopt;
  return static_cast<int64_t>(entries_added_) - read;
}

StreamGroup* Stream::FindGroup(std::string_view name) {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* Stream::CreateGroup(std::string_view name, StreamID last_id, int64_t entries_read) {
  auto [it, added] = groups_.try_emplace(std::string(name));
  if (!added) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

bool Stream::LoadNode(StreamID master, std::string lp, uint64_t* live_out, std::string* why) {
  // The listpack itself was walked by the RDB reader; here, its stream structure: a master
  // entry, then entries whose element counts match, IDs ascending and above the last node's.
  auto bad = [why](const char* m) {
    *why = m;
    return false;
  };
  if (lp.size() < kLpHeader + 1 || AtEnd(lp, kLpHeader)) return bad("empty stream listpack");
  if (!nodes_.empty() && master <= std::prev(nodes_.end())->first)
    return bad("stream node keys out of order");
  // Count the elements so decoding never runs past the end.
  std::vector<size_t> elems;
  for (size_t off = kLpHeader; !AtEnd(lp, off); off = Next(lp, off)) elems.push_back(off);
  auto int_at = [&](size_t i, int64_t* v) {
    if (i >= elems.size()) return false;
    StreamElem e = Get(lp, elems[i]);
    if (!e.is_int) return false;
    *v = e.num;
    return true;
  };
  int64_t count, deleted, nfields, v;
  if (!int_at(0, &count) || !int_at(1, &deleted) || !int_at(2, &nfields) || nfields < 0 ||
      count < 0 || deleted < 0 || static_cast<uint64_t>(nfields) + 4 > elems.size() ||
      !int_at(3 + static_cast<size_t>(nfields), &v) || v != 0)
    return bad("bad stream master entry");
  size_t i = 4 + static_cast<size_t>(nfields);
  int64_t live = 0, dead = 0;
  StreamID prev;
  bool first = true;
  while (i < elems.size()) {
    int64_t flags, msd, seqd, n;
    if (!int_at(i, &flags) || !int_at(i + 1, &msd) || !int_at(i + 2, &seqd))
      return bad("bad stream entry");
    size_t want;
    if (flags & kFlagSameFields) {
      n = nfields;
      want = 3 + static_cast<size_t>(n);
    } else {
      if (!int_at(i + 3, &n) || n < 0 || static_cast<uint64_t>(n) > elems.size())
        return bad("bad stream entry field count");
      want = 4 + 2 * static_cast<size_t>(n);
    }
    int64_t lpcount;
    if (!int_at(i + want, &lpcount) || static_cast<size_t>(lpcount) != want)
      return bad("bad stream entry lp-count");
    StreamID id{master.ms + static_cast<uint64_t>(msd), master.seq + static_cast<uint64_t>(seqd)};
    if ((!first && id <= prev) || id < master) return bad("stream entry IDs out of order");
    first = false;
    prev = id;
    (flags & kFlagDeleted) ? ++dead : ++live;
    i += want + 1;
  }
  if (live != count || dead != deleted || live == 0) return bad("bad stream node counts");
  *live_out += static_cast<uint64_t>(live);
  node_bytes_ += NodeBytes(nodes_.emplace(master, std::move(lp)).first->second);
  return true;
}

}  // namespace tessera
