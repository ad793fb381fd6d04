// SORT and SORT_RO over lists, sets and sorted sets, with BY / GET patterns (string keys and
// "->field" hash fields), LIMIT, ASC|DESC, ALPHA and STORE, as Redis 7.0's sort.c.
//
// Routing: BY/GET patterns name keys that only the data reveals, on any shard, so both commands
// run with every shard parked (Route::kAll); the sort key and the STORE destination are still
// declared (Keys + MovableKeys) for COMMAND GETKEYS / COMMAND INFO.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/set.h"
#include "core/zset.h"
#include "server/command_context.h"

namespace tessera {
namespace {

// A BY / GET pattern, split once (lookupKeyByPattern's parsing). Like Redis, the searches for
// '#', '*' and "->" stop at a NUL byte, while the lengths count the whole pattern.
struct Pattern {
  enum Kind : uint8_t { kSelf, kNone, kKey } kind = kNone;
  std::string_view prefix, postfix, field;  // key = prefix + element + postfix; field if a hash
  bool has_field = false;

  explicit Pattern(std::string_view p) {
    std::string_view c = p.substr(0, p.find('\0'));
    if (c == "#") {
      kind = kSelf;
      return;
    }
    size_t star = c.find('*');
    if (star == std::string_view::npos) return;  // a constant key: never a value
    kind = kKey;
    size_t arrow = c.find("->", star + 1);
    size_t field_len = 0;
    if (arrow != std::string_view::npos && arrow + 2 < c.size()) {
      has_field = true;
      field_len = p.size() - arrow - 2;
      field = p.substr(arrow + 2);
    }
    prefix = p.substr(0, star);
    postfix = p.substr(star + 1, p.size() - star - 1 - (has_field ? field_len + 2 : 0));
  }
};

// The value `pat` names for element `elem`, appended to *out; false when there is none (the
// key is missing or of the wrong type, the hash field is missing, or the pattern has no '*').
bool LookupByPattern(CommandContext& ctx, const Pattern& pat, std::string_view elem,
                     std::string* key_buf, std::string* out) {
  if (pat.kind == Pattern::kSelf) {
    out->append(elem);
    return true;
  }
  if (pat.kind == Pattern::kNone) return false;
  key_buf->assign(pat.prefix);
  key_buf->append(elem);
  key_buf->append(pat.postfix);
  Entry* e = ctx.Lookup(*key_buf);
  if (!e) return false;
  if (pat.has_field) {
    if (e->type() != ValueType::kHash) return false;
    HashObject::NumBuf buf;
    auto v = static_cast<const HashObject*>(e->object())->Get(pat.field, &buf);
    if (!v) return false;
    out->append(*v);
    return true;
  }
  if (e->type() != ValueType::kString) return false;
  e->AppendTo(out);
  return true;
}

// Redis's numeric SORT weight: strtod over the whole (NUL-terminated) value; false when
// something is left over, on overflow/underflow (ERANGE) or NaN.
bool ParseScore(std::string_view s, double* out) {
  char small[64];
  std::string big;
  const char* p;
  if (s.size() < sizeof(small)) {
    memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    p = small;
  } else {
    big.assign(s);
    p = big.c_str();
  }
  char* end;
  errno = 0;
  *out = strtod(p, &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

// Byte-wise comparison (Redis's compareStringObjects: memcmp, then the length).
int CompareBytes(std::string_view a, std::string_view b) { return a.compare(b); }

// strcoll under the C / C.UTF-8 locale: strcmp, so the bytes up to the first NUL.
int CompareCollate(std::string_view a, std::string_view b) {
  return a.substr(0, a.find('\0')).compare(b.substr(0, b.find('\0')));
}

// One element to sort: its bytes, and its weight (a score, or for ALPHA BY the BY value).
struct SortItem {
  size_t off = 0, by_off = 0;  // element / BY value bytes in the arena
  uint32_t len = 0, by_len = 0;
  bool has_by = false;  // ALPHA BY: whether the BY value exists
  double score = 0;
};

struct SortOptions {
  bool desc = false, alpha = false, dontsort = false, store = false;
  const std::string* by = nullptr;
  const std::string* store_key = nullptr;
  std::vector<Pattern> gets;
  int64_t limit_start = 0, limit_count = -1;
};

// Parses the options from argv[2] on; false after replying an error.
bool ParseOptions(CommandContext& ctx, bool readonly, SortOptions* o) {
  size_t argc = ctx.argc();
  for (size_t j = 2; j < argc; ++j) {
    const std::string& a = ctx.arg(j);
    size_t left = argc - j - 1;
    if (EqualsIgnoreCase(a, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(a, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(a, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(a, "limit") && left >= 2) {
      auto s = ParseInt64(ctx.arg(j + 1));
      auto c = s ? ParseInt64(ctx.arg(j + 2)) : std::nullopt;
      if (!s || !c) {
        ctx.ReplyNotInteger();
        return false;
      }
      o->limit_start = *s;
      o->limit_count = *c;
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(a, "store") && left >= 1) {
      o->store_key = &ctx.arg(j + 1);
      ++j;
    } else if (EqualsIgnoreCase(a, "by") && left >= 1) {
      o->by = &ctx.arg(j + 1);
      // A BY pattern without '*' is constant: nothing to sort by.
      if (std::string_view(*o->by).substr(0, o->by->find('\0')).find('*') == std::string_view::npos)
        o->dontsort = true;
      ++j;
    } else if (EqualsIgnoreCase(a, "get") && left >= 1) {
      o->gets.emplace_back(ctx.arg(j + 1));
      ++j;
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  o->store = o->store_key != nullptr;
  return true;
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortOptions o;
  if (!ParseOptions(ctx, readonly, &o)) return;

  const std::string& key = ctx.arg(1);
  Entry* src = ctx.Lookup(key);
  ValueType type = ValueType::kList;  // a missing key sorts as an empty list
  if (src) {
    type = src->type();
    if (type != ValueType::kList && type != ValueType::kSet && type != ValueType::kZSet)
      return ctx.ReplyWrongType();
  }

  // A set has no order of its own: with STORE, "not sorting" sorts it ALPHA so that the stored
  // result is deterministic (as Redis, which does the same for scripts).
  const std::string* by = o.by;
  if (o.dontsort && type == ValueType::kSet && o.store) {
    o.dontsort = false;
    o.alpha = true;
    by = nullptr;
  }
  Pattern by_pat(by ? std::string_view(*by) : std::string_view());

  // Redis converts a listpack sorted set to a skiplist for SORT (visible in OBJECT ENCODING).
  if (src && type == ValueType::kZSet && static_cast<const ZSet*>(src->object())->is_listpack()) {
    ctx.DbFor(key).Mutate(src, [](Object& obj) { static_cast<ZSet&>(obj).ConvertToSkiplist(); });
  }

  int64_t vectorlen = 0;
  if (src) {
    if (type == ValueType::kList) {
      vectorlen = static_cast<int64_t>(static_cast<const List*>(src->object())->size());
    } else if (type == ValueType::kSet) {
      vectorlen = static_cast<int64_t>(static_cast<const SetObject*>(src->object())->size());
    } else {
      vectorlen = static_cast<int64_t>(static_cast<const ZSet*>(src->object())->size());
    }
  }

  // LIMIT clamping, exactly as sort.c.
  int64_t start = std::min(std::max<int64_t>(o.limit_start, 0), vectorlen);
  int64_t limit_count = std::min(std::max<int64_t>(o.limit_count, -1), vectorlen);
  int64_t end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  // Lists and sorted sets that are not sorted load only the requested range.
  if (type != ValueType::kSet && o.dontsort && (start != 0 || end != vectorlen - 1))
    vectorlen = end - start + 1;

  // Weights are computed while loading when they need no pattern lookup.
  bool weigh = !o.dontsort;
  bool numeric_self = weigh && !o.alpha && !by;
  bool conversion_error = false;

  std::string arena;
  std::vector<SortItem> items;
  items.reserve(static_cast<size_t>(std::max<int64_t>(vectorlen, 0)));
  auto add = [&](std::string_view bytes) -> SortItem& {
    SortItem& it = items.emplace_back();
    it.off = arena.size();
    it.len = static_cast<uint32_t>(bytes.size());
    arena.append(bytes);
    return it;
  };
  auto add_str = [&](std::string_view bytes) {
    SortItem& it = add(bytes);
    if (numeric_self && !ParseScore(bytes, &it.score)) conversion_error = true;
  };
  auto add_int = [&](int64_t v) {
    char buf[ListElem::kIntBuf];
    int n = snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
    SortItem& it = add(std::string_view(buf, static_cast<size_t>(n)));
    if (numeric_self) it.score = static_cast<double>(v);
  };
  auto add_list_elem = [&](const ListElem& e) {
    if (e.is_int) {
      add_int(e.num);
    } else {
      add_str(e.str);
    }
  };

  if (src && type == ValueType::kList) {
    const List& l = *static_cast<const List*>(src->object());
    if (o.dontsort) {
      if (end >= start) {
        int64_t first = o.desc ? static_cast<int64_t>(l.size()) - start - 1 : start;
        auto it = l.IterAt(static_cast<size_t>(first), o.desc);
        for (int64_t j = 0; j < vectorlen && it.valid(); ++j, it.Next()) add_list_elem(it.Get());
        end -= start;
        start = 0;
      }
    } else {
      for (auto it = l.IterAt(0, false); it.valid(); it.Next()) add_list_elem(it.Get());
    }
  } else if (src && type == ValueType::kSet) {
    static_cast<const SetObject*>(src->object())->ForEach([&](const SetMember& m) {
      if (m.is_int) {
        add_int(m.num);
      } else {
        add_str(m.str);
      }
    });
  } else if (src && type == ValueType::kZSet) {
    const ZSet& z = *static_cast<const ZSet*>(src->object());
    if (o.dontsort) {
      int64_t n = vectorlen;
      if (n > 0) {
        int64_t zlen = static_cast<int64_t>(z.size());
        auto it = z.At(static_cast<size_t>(o.desc ? zlen - 1 - start : start));
        for (; n > 0 && it.valid(); --n) {
          add_str(it.member());
          o.desc ? it.Prev() : it.Next();
        }
      }
      end -= start;
      start = 0;
    } else {
      for (auto it = z.At(0); it.valid(); it.Next()) add_str(it.member());
    }
  }
  src = nullptr;  // pattern lookups below may reshape the keyspace
  auto elem = [&](const SortItem& it) { return std::string_view(arena).substr(it.off, it.len); };

  // Weights from the BY pattern.
  if (weigh && by) {
    std::string key_buf, val;
    for (SortItem& it : items) {
      val.clear();
      if (!LookupByPattern(ctx, by_pat, elem(it), &key_buf, &val)) continue;
      if (o.alpha) {
        it.has_by = true;
        it.by_off = arena.size();
        it.by_len = static_cast<uint32_t>(val.size());
        arena.append(val);
      } else if (!ParseScore(val, &it.score)) {
        conversion_error = true;
      }
    }
  }

  if (weigh && !conversion_error) {
    std::string_view a_view(arena);
    auto compare = [&](const SortItem& a, const SortItem& b) {
      int cmp;
      if (!o.alpha) {
        if (a.score != b.score) {
          cmp = a.score > b.score ? 1 : -1;
        } else {
          cmp = CompareBytes(a_view.substr(a.off, a.len), a_view.substr(b.off, b.len));
        }
      } else if (by) {
        if (!a.has_by || !b.has_by) {
          cmp = a.has_by == b.has_by ? 0 : (!a.has_by ? -1 : 1);
        } else {
          std::string_view x = a_view.substr(a.by_off, a.by_len);
          std::string_view y = a_view.substr(b.by_off, b.by_len);
          cmp = o.store ? CompareBytes(x, y) : CompareCollate(x, y);
        }
      } else {
        std::string_view x = a_view.substr(a.off, a.len), y = a_view.substr(b.off, b.len);
        cmp = o.store ? CompareBytes(x, y) : CompareCollate(x, y);
      }
      return (o.desc ? -cmp : cmp) < 0;
    };
    // A numeric order is total (ties go by the element), so a partial sort gives the same
    // rows; ALPHA orders can tie, and a stable sort keeps ties as glibc's qsort does.
    bool partial = !o.alpha && end >= 0 && end + 1 < static_cast<int64_t>(items.size());
    if (partial) {
      std::partial_sort(items.begin(), items.begin() + end + 1, items.end(), compare);
    } else {
      std::stable_sort(items.begin(), items.end(), compare);
    }
  }

  if (conversion_error)
    return ctx.rb.Error("ERR One or more scores can't be converted into double");

  int64_t rows = end - start + 1;
  if (rows < 0) rows = 0;
  size_t getop = o.gets.size();
  uint32_t outputlen = static_cast<uint32_t>(getop ? getop * rows : rows);
  std::string key_buf, val;

  if (!o.store) {
    ctx.rb.ArrayHeader(outputlen);
    for (int64_t j = start; j <= end; ++j) {
      std::string_view e = elem(items[static_cast<size_t>(j)]);
      if (!getop) ctx.rb.Bulk(e);
      for (const Pattern& g : o.gets) {
        val.clear();
        if (LookupByPattern(ctx, g, e, &key_buf, &val)) {
          ctx.rb.Bulk(val);
        } else {
          ctx.rb.Null();
        }
      }
    }
    return;
  }

  const std::string& dst = *o.store_key;
  Db& ddb = ctx.DbFor(dst);
  if (outputlen) {
    auto list = std::make_unique<List>(ddb.limits().list_max_listpack_size);
    for (int64_t j = start; j <= end; ++j) {
      std::string_view e = elem(items[static_cast<size_t>(j)]);
      if (!getop) list->PushBack(e);
      for (const Pattern& g : o.gets) {
        val.clear();
        LookupByPattern(ctx, g, e, &key_buf, &val);  // a missing value stores ""
        list->PushBack(val);
      }
    }
    ddb.Set(dst, Value::FromObject(std::move(list)), ctx.now_ms);
    ctx.Notify(NotifyClass::kList, "sortstore", dst);
    ctx.Dirty(dst, outputlen);
  } else if (ddb.Delete(dst)) {
    ctx.Notify(NotifyClass::kGeneric, "del", dst);
    ctx.Dirty(dst);
  }
  ctx.rb.Integer(outputlen);
}

void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

// Redis's sortGetKeys: the sort key, and the destination of the last STORE.
std::vector<int> SortKeys(ArgList args) {
  std::vector<int> keys{1};
  int store = -1;
  int argc = static_cast<int>(args.size());
  for (int i = 2; i < argc; ++i) {
    if (EqualsIgnoreCase(args[i], "limit")) {
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      i += 1;
    } else if (EqualsIgnoreCase(args[i], "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store > 0) keys.push_back(store);
  return keys;
}

std::vector<int> SortRoKeys(ArgList) { return {1}; }

void RegisterSortFamily(CommandRegistry& r) {
  const char* complexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  r.Register(
      CommandSpec::Make("sort", -2, kCmdWrite | kCmdDenyOom, Sort)
          .Keys(1, 1, 1)
          .MovableKeys(SortKeys)
          .RouteTo(Route::kAll)
          .Acl({"write", "set", "sortedset", "list", "slow", "dangerous"})
          .Doc("generic", "Sort the elements in a list, set or sorted set", "1.0.0", complexity));
  r.Register(CommandSpec::Make("sort_ro", -2, kCmdReadOnly, SortRo)
                 .Keys(1, 1, 1)
                 .MovableKeys(SortRoKeys)
                 .RouteTo(Route::kAll)
                 .Acl({"read", "set", "sortedset", "list", "slow", "dangerous"})
                 .Doc("generic",
                      "Sort the elements in a list, set, or sorted set. Read-only variant of SORT.",
                      "7.0.0", complexity));
}

CommandRegistrar registrar(RegisterSortFamily);

}  // namespace
}  // namespace tessera
