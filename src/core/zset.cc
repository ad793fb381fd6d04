// Sorted sets: the listpack buffer, the order-statistic B+tree and member table of the skiplist
// encoding, and ZSet's encoding logic (see zset.h for the design).
#include "core/zset.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "base/hash.h"
#include "base/malloc.h"
#include "base/varint.h"

namespace tessera {
namespace {

void* Malloc(size_t n) {
  void* p = malloc(n);
  if (!p) throw std::bad_alloc();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Keys

bool KeyLess(double s1, std::string_view m1, double s2, std::string_view m2) {
  if (s1 < s2) return true;
  if (s1 > s2) return false;
  return CompareMembers(m1, m2) < 0;
}

// sdscmplex: "-" and "+" are below and above every string.
int CompareLexBounds(const LexBound& a, const LexBound& b) {
  if (a.kind == b.kind && a.kind != LexBound::kValue) return 0;
  if (a.kind == LexBound::kMin || b.kind == LexBound::kMax) return -1;
  if (a.kind == LexBound::kMax || b.kind == LexBound::kMin) return 1;
  return CompareMembers(a.value, b.value);
}

// ---------------------------------------------------------------------------------------------
// Listpack entries: varint member_len | member | score | backlen (see zset.h).

// Integral scores of magnitude below 2^53 are stored as varint(zigzag(i) << 1); others as the
// varint 1 and 8 raw bytes.
bool SmallInt(double s, int64_t* i) {
  if (!(std::fabs(s) < 9007199254740992.0) || s != std::trunc(s)) return false;
  if (s == 0 && std::signbit(s)) return false;  // -0 keeps its sign (skiplist encoding)
  *i = static_cast<int64_t>(s);
  return true;
}

uint64_t ZigZag(int64_t i) {
  return (static_cast<uint64_t>(i) << 1) ^ static_cast<uint64_t>(i >> 63);
}
int64_t UnZigZag(uint64_t z) { return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1); }

size_t ScoreLen(double s) {
  int64_t i;
  if (SmallInt(s, &i)) return VarintLen(ZigZag(i) << 1);
  return 9;
}

char* PutScore(char* p, double s) {
  int64_t i;
  if (SmallInt(s, &i)) return PutVarint(p, ZigZag(i) << 1);
  *p++ = 1;
  memcpy(p, &s, 8);
  return p + 8;
}

// Length of an entry without its backlen, and with it.
size_t EntryBody(std::string_view m, double s) {
  return VarintLen(m.size()) + m.size() + ScoreLen(s);
}
size_t EntryTotal(size_t body) { return body + VarintLen(body); }

// Decodes the entry at p; returns the next entry's start.
const char* LpDecode(const char* p, std::string_view* m, double* s) {
  const char* start = p;
  uint64_t len;
  p = GetVarint(p, &len);
  *m = std::string_view(p, len);
  p += len;
  uint64_t v;
  p = GetVarint(p, &v);
  if (v == 1) {
    memcpy(s, p, 8);
    p += 8;
  } else {
    *s = static_cast<double>(UnZigZag(v >> 1));
  }
  return p + VarintLen(static_cast<size_t>(p - start));
}

const char* LpPrevEntry(const char* entry) {
  size_t k;
  size_t body = GetBackVarint(entry, &k);
  return entry - k - body;
}

char* LpWrite(char* p, std::string_view m, double s, size_t body) {
  p = PutVarint(p, m.size());
  if (!m.empty()) memcpy(p, m.data(), m.size());
  p += m.size();
  p = PutScore(p, s);
  return PutBackVarint(p, body);
}

// ---------------------------------------------------------------------------------------------
// Elems: one allocation per member of the skiplist encoding: varint len | member | score, the
// score encoded as in the listpack (an integral score takes 1-8 bytes), so a short member with
// an integer score fits the 16-byte size class.

size_t ElemBytes(std::string_view m, double s) {
  return VarintLen(m.size()) + m.size() + ScoreLen(s);
}

char* NewElem(std::string_view m, double s) {
  char* p = static_cast<char*>(Malloc(ElemBytes(m, s)));
  char* d = PutVarint(p, m.size());
  if (!m.empty()) memcpy(d, m.data(), m.size());
  PutScore(d + m.size(), s);
  return p;
}

std::string_view ElemMember(const char* e) {
  size_t len;
  const char* p = GetVarint(e, &len);
  return {p, len};
}

double ElemScore(const char* e) {
  std::string_view m = ElemMember(e);
  const char* p = m.data() + m.size();
  uint64_t v;
  p = GetVarint(p, &v);
  if (v != 1) return static_cast<double>(UnZigZag(v >> 1));
  double d;
  memcpy(&d, p, 8);
  return d;
}

// Rewrites e's score with one of the same encoded length.
void SetElemScore(char* e, double s) {
  std::string_view m = ElemMember(e);
  PutScore(const_cast<char*>(m.data()) + m.size(), s);
}

size_t ElemAlloc(const char* e) { return MallocSizeClass(ElemBytes(ElemMember(e), ElemScore(e))); }

// ---------------------------------------------------------------------------------------------
// Order-statistic B+tree of (score, elem*).

constexpr int kLeafCap = 62;   // a leaf is 1016 bytes (the 1024 size class)
constexpr int kInnerCap = 63;  // an inner node is 2024 bytes (the 2048 size class)
// A child this thin is merged with or refilled from a sibling before an erase descends into it.
constexpr int kLeafThin = kLeafCap / 3;
constexpr int kInnerThin = kInnerCap / 3;
constexpr int kMaxDepth = 32;

struct Node {
  uint16_t n;
  bool leaf;
};

struct Leaf : Node {
  Leaf* prev;
  Leaf* next;
  double score[kLeafCap];
  char* elem[kLeafCap];
};

// sep_*[i] (i >= 1) is the smallest key in child i's subtree; index 0 is unused.
struct Inner : Node {
  uint64_t count[kInnerCap];
  Node* child[kInnerCap];
  double sep_score[kInnerCap];
  char* sep_elem[kInnerCap];
};

const size_t kLeafAlloc = MallocSizeClass(sizeof(Leaf));
const size_t kInnerAlloc = MallocSizeClass(sizeof(Inner));

bool EntryLess(const Leaf* l, int j, double s, std::string_view m) {
  double x = l->score[j];
  if (x < s) return true;
  if (x > s) return false;
  return CompareMembers(ElemMember(l->elem[j]), m) < 0;
}

bool KeyLessSep(double s, std::string_view m, const Inner* in, int i) {
  double x = in->sep_score[i];
  if (s < x) return true;
  if (s > x) return false;
  return CompareMembers(m, ElemMember(in->sep_elem[i])) < 0;
}

class Tree {
 public:
  struct Step {
    Inner* node;
    int idx;
  };
  struct Path {
    Step s[kMaxDepth];
    int depth = 0;
  };

  Tree() = default;
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;
  ~Tree() { FreeNodes(root_); }

  size_t size() const { return size_; }
  size_t node_bytes() const { return leaves_ * kLeafAlloc + inners_ * kInnerAlloc; }
  Leaf* head() const { return head_; }
  Leaf* tail() const { return tail_; }
  const Node* root() const { return root_; }

  void Insert(double s, char* e) {
    std::string_view m = ElemMember(e);
    ++size_;
    if (!root_) {
      Leaf* l = NewLeaf();
      l->n = 1;
      l->score[0] = s;
      l->elem[0] = e;
      root_ = head_ = tail_ = l;
      return;
    }
    Path path;
    Node* x = root_;
    while (!x->leaf) {
      Inner* in = static_cast<Inner*>(x);
      int i = ChildForKey(in, s, m);
      in->count[i]++;
      path.s[path.depth++] = {in, i};
      x = in->child[i];
    }
    Leaf* lf = static_cast<Leaf*>(x);
    int pos = LowerBound(lf, s, m);
    if (lf->n < kLeafCap) return LeafInsertAt(lf, pos, s, e);
    bool edge = (lf->next == nullptr && pos == lf->n) || (lf->prev == nullptr && pos == 0);
    if (!edge && path.depth > 0 && ShiftToSibling(path.s[path.depth - 1], lf, pos, s, e)) return;
    SplitLeafAndInsert(&path, lf, pos, s, e);
  }

  // Rank of the first element not below (s, m).
  size_t RankOfKey(double s, std::string_view m) const {
    size_t rank = 0;
    const Node* x = root_;
    if (!x) return 0;
    while (!x->leaf) {
      const Inner* in = static_cast<const Inner*>(x);
      int i = ChildForKey(in, s, m);
      for (int j = 0; j < i; ++j) rank += in->count[j];
      x = in->child[i];
    }
    return rank + LowerBound(static_cast<const Leaf*>(x), s, m);
  }

  // The leaf holding `rank` (< size) and the index in it.
  Leaf* LeafAt(size_t rank, int* idx) const {
    Node* x = root_;
    while (!x->leaf) {
      Inner* in = static_cast<Inner*>(x);
      int i = 0;
      while (i + 1 < in->n && rank >= in->count[i]) rank -= in->count[i++];
      x = in->child[i];
    }
    *idx = static_cast<int>(rank);
    return static_cast<Leaf*>(x);
  }

  // Elements whose score is < v (or <= v).
  size_t CountScoreBelow(double v, bool or_equal) const {
    auto below = [&](double x) { return or_equal ? x <= v : x < v; };
    size_t rank = 0;
    const Node* x = root_;
    if (!x) return 0;
    while (!x->leaf) {
      const Inner* in = static_cast<const Inner*>(x);
      int lo = 1, hi = in->n;  // first i in [1, n) whose separator is not below v
      while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (below(in->sep_score[mid]))
          lo = mid + 1;
        else
          hi = mid;
      }
      int i = lo - 1;
      for (int j = 0; j < i; ++j) rank += in->count[j];
      x = in->child[i];
    }
    const Leaf* l = static_cast<const Leaf*>(x);
    int lo = 0, hi = l->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (below(l->score[mid]))
        lo = mid + 1;
      else
        hi = mid;
    }
    return rank + lo;
  }

  // Elements whose member is < b (or <= b), members assumed in order (equal scores).
  size_t CountLexBelow(const LexBound& b, bool or_equal) const {
    if (b.kind == LexBound::kMin) return 0;
    if (b.kind == LexBound::kMax) return size_;
    auto below = [&](std::string_view x) {
      int c = CompareMembers(x, b.value);
      return or_equal ? c <= 0 : c < 0;
    };
    size_t rank = 0;
    const Node* x = root_;
    if (!x) return 0;
    while (!x->leaf) {
      const Inner* in = static_cast<const Inner*>(x);
      int lo = 1, hi = in->n;
      while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (below(ElemMember(in->sep_elem[mid])))
          lo = mid + 1;
        else
          hi = mid;
      }
      int i = lo - 1;
      for (int j = 0; j < i; ++j) rank += in->count[j];
      x = in->child[i];
    }
    const Leaf* l = static_cast<const Leaf*>(x);
    int lo = 0, hi = l->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (below(ElemMember(l->elem[mid])))
        lo = mid + 1;
      else
        hi = mid;
    }
    return rank + lo;
  }

  // Removes ranks [lo, hi), calling on_removed(elem) for each.
  template <typename F>
  void EraseRanks(size_t lo, size_t hi, F&& on_removed) {
    size_t left = hi - lo;
    while (left > 0) left -= EraseSome(lo, left, on_removed);
  }

  // Tries to change the score of elem e (member m) in place, its position in key order
  // unchanged, storing `ne` as its elem; false when it must move (or may be a separator).
  bool UpdateInPlace(double old_s, std::string_view m, char* e, double new_s, char* ne) {
    Node* x = root_;
    while (!x->leaf) {
      Inner* in = static_cast<Inner*>(x);
      x = in->child[ChildForKey(in, old_s, m)];
    }
    Leaf* lf = static_cast<Leaf*>(x);
    int pos = LowerBound(lf, old_s, m);
    assert(pos < lf->n && lf->elem[pos] == e);
    (void)e;
    if (pos == 0 && lf != head_) return false;  // a separator may name it
    if (pos > 0 && !EntryLess(lf, pos - 1, new_s, m)) return false;
    if (pos + 1 < lf->n) {
      if (!KeyLess(new_s, m, lf->score[pos + 1], ElemMember(lf->elem[pos + 1]))) return false;
    } else if (lf->next) {
      return false;
    }
    lf->score[pos] = new_s;
    lf->elem[pos] = ne;
    return true;
  }

  // Checks counts, separators, order and links; false with a reason.
  bool Validate(std::string* why) const {
    size_t leaves = 0, inners = 0, total = 0;
    const Leaf* prev = nullptr;
    if (!root_) {
      if (size_ || head_ || tail_) return Fail(why, "empty tree with size or links");
      return leaves_ == 0 && inners_ == 0 ? true : Fail(why, "node counters");
    }
    int leaf_depth = -1;
    if (!ValidateNode(root_, 0, &leaf_depth, &prev, &total, &leaves, &inners, why)) return false;
    if (total != size_) return Fail(why, "size mismatch");
    if (prev != tail_) return Fail(why, "tail mismatch");
    if (leaves != leaves_ || inners != inners_) return Fail(why, "node counters");
    return true;
  }

 private:
  static bool Fail(std::string* why, const char* s) {
    if (why) *why = s;
    return false;
  }

  bool ValidateNode(const Node* x, int depth, int* leaf_depth, const Leaf** prev, size_t* total,
                    size_t* leaves, size_t* inners, std::string* why) const {
    if (x->n == 0) return Fail(why, "empty node");
    if (x->leaf) {
      const Leaf* l = static_cast<const Leaf*>(x);
      ++*leaves;
      if (*leaf_depth < 0) *leaf_depth = depth;
      if (*leaf_depth != depth) return Fail(why, "leaves at different depths");
      if (l->prev != *prev) return Fail(why, "prev link");
      if (*prev && (*prev)->next != l) return Fail(why, "next link");
      if (!*prev && head_ != l) return Fail(why, "head");
      for (int j = 0; j < l->n; ++j) {
        if (ElemScore(l->elem[j]) != l->score[j] ||
            std::signbit(ElemScore(l->elem[j])) != std::signbit(l->score[j]))
          return Fail(why, "leaf score differs from elem score");
        const Leaf* pl = j > 0 ? l : *prev;
        int pj = j > 0 ? j - 1 : (*prev ? (*prev)->n - 1 : -1);
        if (pj >= 0 && !EntryLess(pl, pj, l->score[j], ElemMember(l->elem[j])))
          return Fail(why, "keys out of order");
      }
      *total += l->n;
      *prev = l;
      return true;
    }
    const Inner* in = static_cast<const Inner*>(x);
    ++*inners;
    for (int i = 0; i < in->n; ++i) {
      size_t before = *total;
      const Leaf* first_leaf_prev = *prev;
      if (!ValidateNode(in->child[i], depth + 1, leaf_depth, prev, total, leaves, inners, why))
        return false;
      if (*total - before != in->count[i]) return Fail(why, "child count");
      if (i > 0) {
        const Leaf* first = first_leaf_prev ? first_leaf_prev->next : head_;
        if (first->elem[0] != in->sep_elem[i] || first->score[0] != in->sep_score[i])
          return Fail(why, "separator is not the child's minimum");
      }
    }
    return true;
  }

  Leaf* NewLeaf() {
    Leaf* l = static_cast<Leaf*>(Malloc(sizeof(Leaf)));
    l->n = 0;
    l->leaf = true;
    l->prev = l->next = nullptr;
    ++leaves_;
    return l;
  }
  Inner* NewInner() {
    Inner* in = static_cast<Inner*>(Malloc(sizeof(Inner)));
    in->n = 0;
    in->leaf = false;
    ++inners_;
    return in;
  }
  void FreeLeaf(Leaf* l) {
    --leaves_;
    free(l);
  }
  void FreeInner(Inner* in) {
    --inners_;
    free(in);
  }
  void FreeNodes(Node* x) {
    if (!x) return;
    if (x->leaf) return FreeLeaf(static_cast<Leaf*>(x));
    Inner* in = static_cast<Inner*>(x);
    for (int i = 0; i < in->n; ++i) FreeNodes(in->child[i]);
    FreeInner(in);
  }

  // The last child whose separator is <= (s, m) (child 0 when none is).
  static int ChildForKey(const Inner* in, double s, std::string_view m) {
    int lo = 1, hi = in->n;  // first i in [1, n) with key < sep_i
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (KeyLessSep(s, m, in, mid))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo - 1;
  }

  static int LowerBound(const Leaf* l, double s, std::string_view m) {
    int lo = 0, hi = l->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (EntryLess(l, mid, s, m))
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  static void LeafInsertAt(Leaf* l, int pos, double s, char* e) {
    int tail = l->n - pos;
    memmove(l->score + pos + 1, l->score + pos, tail * sizeof(double));
    memmove(l->elem + pos + 1, l->elem + pos, tail * sizeof(char*));
    l->score[pos] = s;
    l->elem[pos] = e;
    ++l->n;
  }

  static void InnerInsertAt(Inner* in, int pos, Node* c, uint64_t count, double s, char* e) {
    int tail = in->n - pos;
    memmove(in->count + pos + 1, in->count + pos, tail * sizeof(uint64_t));
    memmove(in->child + pos + 1, in->child + pos, tail * sizeof(Node*));
    memmove(in->sep_score + pos + 1, in->sep_score + pos, tail * sizeof(double));
    memmove(in->sep_elem + pos + 1, in->sep_elem + pos, tail * sizeof(char*));
    in->count[pos] = count;
    in->child[pos] = c;
    in->sep_score[pos] = s;
    in->sep_elem[pos] = e;
    ++in->n;
  }

  static uint64_t Sum(const Inner* in) {
    uint64_t t = 0;
    for (int i = 0; i < in->n; ++i) t += in->count[i];
    return t;
  }

  static uint64_t NodeCount(const Node* x) {
    return x->leaf ? x->n : Sum(static_cast<const Inner*>(x));
  }

  // Whether every step above `level` follows its node's last child.
  static bool RightmostAbove(const Path& p, int level) {
    for (int k = 0; k < level; ++k)
      if (p.s[k].idx != p.s[k].node->n - 1) return false;
    return true;
  }

  // A full leaf passes entries to a sibling (under the same parent) with room instead of
  // splitting, as a B*-tree does: leaves stay fuller under random inserts.
  bool ShiftToSibling(Step st, Leaf* lf, int pos, double s, char* e) {
    Inner* p = st.node;
    int i = st.idx;
    Leaf* r = i + 1 < p->n ? static_cast<Leaf*>(p->child[i + 1]) : nullptr;
    Leaf* l = i > 0 ? static_cast<Leaf*>(p->child[i - 1]) : nullptr;
    int rroom = r ? kLeafCap - r->n : 0, lroom = l ? kLeafCap - l->n : 0;
    if (std::max(rroom, lroom) < 2) return false;
    // The leaf with the new entry in place: kLeafCap + 1 entries.
    double vs[kLeafCap + 1];
    char* ve[kLeafCap + 1];
    memcpy(vs, lf->score, pos * sizeof(double));
    memcpy(ve, lf->elem, pos * sizeof(char*));
    vs[pos] = s;
    ve[pos] = e;
    memcpy(vs + pos + 1, lf->score + pos, (lf->n - pos) * sizeof(double));
    memcpy(ve + pos + 1, lf->elem + pos, (lf->n - pos) * sizeof(char*));
    const int total = kLeafCap + 1;
    if (rroom >= lroom) {
      int k = rroom / 2, keep = total - k;
      memmove(r->score + k, r->score, r->n * sizeof(double));
      memmove(r->elem + k, r->elem, r->n * sizeof(char*));
      memcpy(r->score, vs + keep, k * sizeof(double));
      memcpy(r->elem, ve + keep, k * sizeof(char*));
      r->n += k;
      memcpy(lf->score, vs, keep * sizeof(double));
      memcpy(lf->elem, ve, keep * sizeof(char*));
      lf->n = static_cast<uint16_t>(keep);
      p->sep_score[i + 1] = r->score[0];
      p->sep_elem[i + 1] = r->elem[0];
      p->count[i] -= k;
      p->count[i + 1] += k;
    } else {
      int k = lroom / 2, keep = total - k;
      memcpy(l->score + l->n, vs, k * sizeof(double));
      memcpy(l->elem + l->n, ve, k * sizeof(char*));
      l->n += k;
      memcpy(lf->score, vs + k, keep * sizeof(double));
      memcpy(lf->elem, ve + k, keep * sizeof(char*));
      lf->n = static_cast<uint16_t>(keep);
      p->sep_score[i] = lf->score[0];
      p->sep_elem[i] = lf->elem[0];
      p->count[i - 1] += k;
      p->count[i] -= k;
    }
    return true;
  }

  void SplitLeafAndInsert(Path* path, Leaf* lf, int pos, double s, char* e) {
    // At the right (left) edge keep the old leaf full: ascending (descending) inserts pack.
    bool append = lf->next == nullptr && pos == lf->n;
    bool prepend = lf->prev == nullptr && pos == 0;
    int keep = append ? kLeafCap : prepend ? 0 : kLeafCap / 2;
    Leaf* r = NewLeaf();
    int moved = lf->n - keep;
    memcpy(r->score, lf->score + keep, moved * sizeof(double));
    memcpy(r->elem, lf->elem + keep, moved * sizeof(char*));
    r->n = static_cast<uint16_t>(moved);
    lf->n = static_cast<uint16_t>(keep);
    r->next = lf->next;
    r->prev = lf;
    if (lf->next)
      lf->next->prev = r;
    else
      tail_ = r;
    lf->next = r;
    if (append)
      LeafInsertAt(r, 0, s, e);
    else if (pos <= keep)
      LeafInsertAt(lf, pos, s, e);
    else
      LeafInsertAt(r, pos - keep, s, e);
    InsertUp(path, path->depth - 1, lf, r, r->score[0], r->elem[0], lf->n, r->n);
  }

  // Links `right` (split off `left`, the child at path level `level`) into the parent.
  void InsertUp(Path* path, int level, Node* left, Node* right, double s, char* e, uint64_t lcount,
                uint64_t rcount) {
    while (true) {
      if (level < 0) {
        Inner* nr = NewInner();
        nr->n = 2;
        nr->child[0] = left;
        nr->child[1] = right;
        nr->count[0] = lcount;
        nr->count[1] = rcount;
        nr->sep_score[0] = 0;
        nr->sep_elem[0] = nullptr;
        nr->sep_score[1] = s;
        nr->sep_elem[1] = e;
        root_ = nr;
        return;
      }
      Inner* p = path->s[level].node;
      int i = path->s[level].idx;
      p->count[i] = lcount;
      if (p->n < kInnerCap) return InnerInsertAt(p, i + 1, right, rcount, s, e);
      bool append = i == p->n - 1 && RightmostAbove(*path, level);
      int keep = append ? kInnerCap : kInnerCap / 2;
      Inner* q = NewInner();
      int moved = p->n - keep;
      memcpy(q->count, p->count + keep, moved * sizeof(uint64_t));
      memcpy(q->child, p->child + keep, moved * sizeof(Node*));
      memcpy(q->sep_score, p->sep_score + keep, moved * sizeof(double));
      memcpy(q->sep_elem, p->sep_elem + keep, moved * sizeof(char*));
      q->n = static_cast<uint16_t>(moved);
      p->n = static_cast<uint16_t>(keep);
      if (append)
        InnerInsertAt(q, 0, right, rcount, s, e);
      else if (i + 1 <= keep)
        InnerInsertAt(p, i + 1, right, rcount, s, e);
      else
        InnerInsertAt(q, i + 1 - keep, right, rcount, s, e);
      left = p;
      right = q;
      lcount = Sum(p);
      rcount = Sum(q);
      s = q->sep_score[0];
      e = q->sep_elem[0];
      --level;
    }
  }

  void CollapseRoot() {
    while (root_ && !root_->leaf && root_->n == 1) {
      Inner* in = static_cast<Inner*>(root_);
      root_ = in->child[0];
      FreeInner(in);
    }
  }

  static bool Thin(const Node* x) { return x->n <= (x->leaf ? kLeafThin : kInnerThin); }

  // Merges child j+1 of `in` into child j.
  void MergeChildren(Inner* in, int j) {
    Node* a = in->child[j];
    Node* b = in->child[j + 1];
    if (a->leaf) {
      Leaf* la = static_cast<Leaf*>(a);
      Leaf* lb = static_cast<Leaf*>(b);
      memcpy(la->score + la->n, lb->score, lb->n * sizeof(double));
      memcpy(la->elem + la->n, lb->elem, lb->n * sizeof(char*));
      la->n += lb->n;
      la->next = lb->next;
      if (lb->next)
        lb->next->prev = la;
      else
        tail_ = la;
      FreeLeaf(lb);
    } else {
      Inner* ia = static_cast<Inner*>(a);
      Inner* ib = static_cast<Inner*>(b);
      int n = ia->n;
      memcpy(ia->count + n, ib->count, ib->n * sizeof(uint64_t));
      memcpy(ia->child + n, ib->child, ib->n * sizeof(Node*));
      memcpy(ia->sep_score + n, ib->sep_score, ib->n * sizeof(double));
      memcpy(ia->sep_elem + n, ib->sep_elem, ib->n * sizeof(char*));
      ia->sep_score[n] = in->sep_score[j + 1];
      ia->sep_elem[n] = in->sep_elem[j + 1];
      ia->n += ib->n;
      FreeInner(ib);
    }
    in->count[j] += in->count[j + 1];
    int tail = in->n - (j + 2);
    memmove(in->count + j + 1, in->count + j + 2, tail * sizeof(uint64_t));
    memmove(in->child + j + 1, in->child + j + 2, tail * sizeof(Node*));
    memmove(in->sep_score + j + 1, in->sep_score + j + 2, tail * sizeof(double));
    memmove(in->sep_elem + j + 1, in->sep_elem + j + 2, tail * sizeof(char*));
    --in->n;
  }

  // Moves the last m entries of child i-1 to the front of child i.
  void BorrowFromLeft(Inner* in, int i, int m) {
    Node* a = in->child[i - 1];
    Node* c = in->child[i];
    uint64_t moved_count;
    if (c->leaf) {
      Leaf* la = static_cast<Leaf*>(a);
      Leaf* lc = static_cast<Leaf*>(c);
      memmove(lc->score + m, lc->score, lc->n * sizeof(double));
      memmove(lc->elem + m, lc->elem, lc->n * sizeof(char*));
      memcpy(lc->score, la->score + la->n - m, m * sizeof(double));
      memcpy(lc->elem, la->elem + la->n - m, m * sizeof(char*));
      la->n -= m;
      lc->n += m;
      in->sep_score[i] = lc->score[0];
      in->sep_elem[i] = lc->elem[0];
      moved_count = m;
    } else {
      Inner* ia = static_cast<Inner*>(a);
      Inner* ic = static_cast<Inner*>(c);
      int from = ia->n - m;
      memmove(ic->count + m, ic->count, ic->n * sizeof(uint64_t));
      memmove(ic->child + m, ic->child, ic->n * sizeof(Node*));
      memmove(ic->sep_score + m, ic->sep_score, ic->n * sizeof(double));
      memmove(ic->sep_elem + m, ic->sep_elem, ic->n * sizeof(char*));
      ic->sep_score[m] = in->sep_score[i];  // c's old first child
      ic->sep_elem[m] = in->sep_elem[i];
      memcpy(ic->count, ia->count + from, m * sizeof(uint64_t));
      memcpy(ic->child, ia->child + from, m * sizeof(Node*));
      memcpy(ic->sep_score, ia->sep_score + from, m * sizeof(double));
      memcpy(ic->sep_elem, ia->sep_elem + from, m * sizeof(char*));
      in->sep_score[i] = ia->sep_score[from];
      in->sep_elem[i] = ia->sep_elem[from];
      moved_count = 0;
      for (int k = 0; k < m; ++k) moved_count += ic->count[k];
      ia->n -= m;
      ic->n += m;
    }
    in->count[i - 1] -= moved_count;
    in->count[i] += moved_count;
  }

  // Moves the first m entries of child i+1 to the end of child i.
  void BorrowFromRight(Inner* in, int i, int m) {
    Node* c = in->child[i];
    Node* b = in->child[i + 1];
    uint64_t moved_count;
    if (c->leaf) {
      Leaf* lc = static_cast<Leaf*>(c);
      Leaf* lb = static_cast<Leaf*>(b);
      memcpy(lc->score + lc->n, lb->score, m * sizeof(double));
      memcpy(lc->elem + lc->n, lb->elem, m * sizeof(char*));
      memmove(lb->score, lb->score + m, (lb->n - m) * sizeof(double));
      memmove(lb->elem, lb->elem + m, (lb->n - m) * sizeof(char*));
      lc->n += m;
      lb->n -= m;
      in->sep_score[i + 1] = lb->score[0];
      in->sep_elem[i + 1] = lb->elem[0];
      moved_count = m;
    } else {
      Inner* ic = static_cast<Inner*>(c);
      Inner* ib = static_cast<Inner*>(b);
      int n = ic->n;
      memcpy(ic->count + n, ib->count, m * sizeof(uint64_t));
      memcpy(ic->child + n, ib->child, m * sizeof(Node*));
      memcpy(ic->sep_score + n, ib->sep_score, m * sizeof(double));
      memcpy(ic->sep_elem + n, ib->sep_elem, m * sizeof(char*));
      ic->sep_score[n] = in->sep_score[i + 1];  // b's old first child
      ic->sep_elem[n] = in->sep_elem[i + 1];
      in->sep_score[i + 1] = ib->sep_score[m];
      in->sep_elem[i + 1] = ib->sep_elem[m];
      int rest = ib->n - m;
      memmove(ib->count, ib->count + m, rest * sizeof(uint64_t));
      memmove(ib->child, ib->child + m, rest * sizeof(Node*));
      memmove(ib->sep_score, ib->sep_score + m, rest * sizeof(double));
      memmove(ib->sep_elem, ib->sep_elem + m, rest * sizeof(char*));
      moved_count = 0;
      for (int k = 0; k < m; ++k) moved_count += ic->count[n + k];
      ic->n += m;
      ib->n -= m;
    }
    in->count[i] += moved_count;
    in->count[i + 1] -= moved_count;
  }

  // Thickens child i of `in` (which has a sibling) by a merge or by borrowing.
  void Fix(Inner* in, int i) {
    int cap = in->child[i]->leaf ? kLeafCap : kInnerCap;
    int cn = in->child[i]->n;
    int ln = i > 0 ? in->child[i - 1]->n : -1;
    int rn = i + 1 < in->n ? in->child[i + 1]->n : -1;
    if (ln >= 0 && ln + cn <= cap) return MergeChildren(in, i - 1);
    if (rn >= 0 && rn + cn <= cap) return MergeChildren(in, i);
    if (ln >= rn)
      BorrowFromLeft(in, i, (ln - cn) / 2);
    else
      BorrowFromRight(in, i, (rn - cn) / 2);
  }

  static int ChildForRank(const Inner* in, size_t* rank) {
    int i = 0;
    while (i + 1 < in->n && *rank >= in->count[i]) *rank -= in->count[i++];
    return i;
  }

  // Removes between 1 and `count` elements starting at `rank`, all from one leaf.
  template <typename F>
  size_t EraseSome(size_t rank, size_t count, F& on_removed) {
    CollapseRoot();
    Path path;
    Node* x = root_;
    while (!x->leaf) {
      Inner* in = static_cast<Inner*>(x);
      size_t r = rank;
      int i = ChildForRank(in, &r);
      if (Thin(in->child[i]) && in->n > 1) {
        Fix(in, i);
        r = rank;
        i = ChildForRank(in, &r);
      }
      rank = r;
      path.s[path.depth++] = {in, i};
      x = in->child[i];
    }
    Leaf* lf = static_cast<Leaf*>(x);
    int pos = static_cast<int>(rank);
    size_t k = std::min<size_t>(count, lf->n - pos);
    if (lf != root_ && k == lf->n) --k;  // a leaf never empties; its last goes next round
    for (size_t j = 0; j < k; ++j) on_removed(lf->elem[pos + j]);
    int tail = lf->n - pos - static_cast<int>(k);
    memmove(lf->score + pos, lf->score + pos + k, tail * sizeof(double));
    memmove(lf->elem + pos, lf->elem + pos + k, tail * sizeof(char*));
    lf->n -= static_cast<uint16_t>(k);
    for (int d = 0; d < path.depth; ++d) path.s[d].node->count[path.s[d].idx] -= k;
    size_ -= k;
    if (lf->n == 0) {  // the root leaf
      FreeLeaf(lf);
      root_ = head_ = tail_ = nullptr;
      return k;
    }
    if (pos == 0) {
      // The leaf's minimum changed: the one separator naming the old one is at the lowest
      // level where the path leaves a node by a child other than the first.
      for (int d = path.depth - 1; d >= 0; --d) {
        if (path.s[d].idx > 0) {
          path.s[d].node->sep_score[path.s[d].idx] = lf->score[0];
          path.s[d].node->sep_elem[path.s[d].idx] = lf->elem[0];
          break;
        }
      }
    }
    CollapseRoot();
    return k;
  }

  Node* root_ = nullptr;
  Leaf* head_ = nullptr;
  Leaf* tail_ = nullptr;
  size_t size_ = 0;
  size_t leaves_ = 0;
  size_t inners_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Member table: open addressing of 8-byte slots (elem pointer >> 3 | top 20 hash bits << 44).

constexpr int kTagBits = 20;
constexpr int kTagShift = 44;
constexpr uint64_t kPtrMask = (uint64_t{1} << kTagShift) - 1;
constexpr int kCursorBits = 48;
constexpr uint8_t kMinBits = 3;

uint64_t HashMember(std::string_view m) { return HashBytes(m); }

class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  ~Dict() { free(slots_); }

  size_t size() const { return size_; }
  size_t capacity() const { return slots_ ? size_t{1} << bits_ : 0; }
  size_t alloc_bytes() const { return MallocSizeClass(capacity() * sizeof(uint64_t)); }

  static char* Ptr(uint64_t slot) { return reinterpret_cast<char*>((slot & kPtrMask) << 3); }
  char* At(size_t i) const { return Ptr(slots_[i]); }
  // Points slot i at another elem of the same member.
  void Replace(size_t i, char* e) {
    slots_[i] = (slots_[i] & ~kPtrMask) | (MakeSlot(e, 0) & kPtrMask);
  }

  // The slot of `m` or SIZE_MAX.
  size_t Find(std::string_view m, uint64_t h) const {
    if (!slots_) return SIZE_MAX;
    size_t mask = capacity() - 1;
    size_t i = h >> (64 - bits_);
    uint64_t tag = h >> kTagShift;
    for (uint64_t s; (s = slots_[i]) != 0; i = (i + 1) & mask)
      if ((s >> kTagShift) == tag && ElemMember(Ptr(s)) == m) return i;
    return SIZE_MAX;
  }

  // Adds an elem known to be absent.
  void Insert(char* e, uint64_t h) {
    if (!slots_)
      Resize(kMinBits);
    else if ((size_ + 1) * 5 > capacity() * 4)
      Resize(bits_ + 1);
    Place(MakeSlot(e, h), h >> (64 - bits_));
    ++size_;
  }

  void EraseElem(const char* e, uint64_t h) {
    size_t mask = capacity() - 1;
    size_t i = h >> (64 - bits_);
    while (Ptr(slots_[i]) != e) i = (i + 1) & mask;
    EraseAt(i);
  }

  // Backward-shift deletion: later members of the cluster that may move closer to their home
  // slot do, so probes never need tombstones.
  void EraseAt(size_t i) {
    size_t mask = capacity() - 1;
    slots_[i] = 0;
    --size_;
    for (size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
      size_t k = Home(slots_[j], bits_);
      bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      slots_[j] = 0;
      i = j;
    }
    if (size_ == 0) {
      free(slots_);
      slots_ = nullptr;
      bits_ = 0;
    } else if (bits_ > kMinBits && size_ * 8 < capacity()) {
      uint8_t b = kMinBits;
      while ((size_t{1} << b) < size_ * 2) ++b;
      Resize(b);
    }
  }

  // Sizes the table for n members (only grows).
  void Reserve(size_t n) {
    uint8_t b = kMinBits;
    while ((size_t{1} << b) * 4 < n * 5) ++b;
    if (b > bits_ || !slots_) Resize(std::max(b, bits_));
  }

  template <typename F>
  uint64_t ScanStep(uint64_t cursor, F&& emit) const {
    if (!slots_) return 0;
    size_t mask = capacity() - 1;
    size_t b = (cursor >> (kCursorBits - bits_)) & mask;
    for (size_t i = b; slots_[i] != 0; i = (i + 1) & mask)
      if (Home(slots_[i], bits_) == b) emit(Ptr(slots_[i]));
    if (b + 1 == capacity()) return 0;
    return static_cast<uint64_t>(b + 1) << (kCursorBits - bits_);
  }

  // Checks that every member is reachable from its home slot and the count; false with a reason.
  bool Validate(std::string* why) const {
    size_t n = 0, cap = capacity();
    for (size_t i = 0; i < cap; ++i) {
      if (!slots_[i]) continue;
      ++n;
      char* e = Ptr(slots_[i]);
      uint64_t h = HashMember(ElemMember(e));
      if ((slots_[i] >> kTagShift) != (h >> kTagShift)) return Fail(why, "slot tag");
      if (Find(ElemMember(e), h) != i) return Fail(why, "member not found from its home");
    }
    if (n != size_) return Fail(why, "table size");
    return true;
  }

 private:
  static bool Fail(std::string* why, const char* s) {
    if (why) *why = s;
    return false;
  }

  static uint64_t MakeSlot(char* e, uint64_t h) {
    uintptr_t p = reinterpret_cast<uintptr_t>(e);
    if ((p & 7) != 0 || (p >> 47) != 0) abort();  // the slot layout needs this
    return (p >> 3) | ((h >> kTagShift) << kTagShift);
  }

  // A slot's home at `bits` (from its tag while that holds enough bits).
  static size_t Home(uint64_t slot, uint8_t bits) {
    if (bits <= kTagBits) return (slot >> kTagShift) >> (kTagBits - bits);
    return HashMember(ElemMember(Ptr(slot))) >> (64 - bits);
  }

  void Place(uint64_t slot, size_t home) {
    size_t mask = capacity() - 1;
    size_t i = home;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }

  void Resize(uint8_t bits) {
    uint64_t* old = slots_;
    size_t old_cap = capacity();
    slots_ = static_cast<uint64_t*>(calloc(size_t{1} << bits, sizeof(uint64_t)));
    if (!slots_) throw std::bad_alloc();
    bits_ = bits;
    for (size_t i = 0; i < old_cap; ++i)
      if (old[i]) Place(old[i], Home(old[i], bits_));
    free(old);
  }

  uint64_t* slots_ = nullptr;
  size_t size_ = 0;
  uint8_t bits_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Free functions

int CompareMembers(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int c = n ? memcmp(a.data(), b.data(), n) : 0;
  if (c) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool LexGteMin(std::string_view v, const LexBound& min) {
  if (min.kind == LexBound::kMin) return true;
  if (min.kind == LexBound::kMax) return false;
  int c = CompareMembers(v, min.value);
  return min.exclusive ? c > 0 : c >= 0;
}

bool LexLteMax(std::string_view v, const LexBound& max) {
  if (max.kind == LexBound::kMax) return true;
  if (max.kind == LexBound::kMin) return false;
  int c = CompareMembers(v, max.value);
  return max.exclusive ? c < 0 : c <= 0;
}

bool ScoreRangeEmpty(const ScoreBound& min, const ScoreBound& max) {
  return min.value > max.value || (min.value == max.value && (min.exclusive || max.exclusive));
}

bool LexRangeEmpty(const LexBound& min, const LexBound& max) {
  int c = CompareLexBounds(min, max);
  return c > 0 || (c == 0 && (min.exclusive || max.exclusive));
}

// ---------------------------------------------------------------------------------------------
// ZSet

struct ZSet::Big {
  Tree tree;
  Dict dict;
  size_t elem_bytes = 0;

  size_t bytes() const {
    return MallocSizeClass(sizeof(Big)) + elem_bytes + tree.node_bytes() + dict.alloc_bytes();
  }
  // Adds an absent member.
  void Insert(std::string_view m, double s, uint64_t h) {
    char* e = NewElem(m, s);
    tree.Insert(s, e);
    dict.Insert(e, h);
    elem_bytes += MallocSizeClass(ElemBytes(m, s));
  }
  void EraseRanks(size_t lo, size_t hi) {
    auto drop = [this](char* e) {
      elem_bytes -= ElemAlloc(e);
      dict.EraseElem(e, HashMember(ElemMember(e)));
      free(e);
    };
    tree.EraseRanks(lo, hi, drop);
  }
  // Changes the score of the member in table slot `slot` from old_s to new_s. When the new
  // score's encoding has another length the member moves to a new elem.
  void UpdateScore(size_t slot, double old_s, double new_s) {
    char* e = dict.At(slot);
    std::string_view m = ElemMember(e);  // stays valid until e is freed below
    char* ne = e;
    size_t old_bytes = ElemBytes(m, old_s), new_bytes = ElemBytes(m, new_s);
    if (old_bytes != new_bytes) {
      ne = NewElem(m, new_s);
      dict.Replace(slot, ne);
      elem_bytes += MallocSizeClass(new_bytes);
      elem_bytes -= MallocSizeClass(old_bytes);
    } else {
      SetElemScore(e, new_s);
    }
    if (!tree.UpdateInPlace(old_s, m, e, new_s, ne)) {
      size_t rank = tree.RankOfKey(old_s, m);
      auto keep = [](char*) {};
      tree.EraseRanks(rank, rank + 1, keep);
      tree.Insert(new_s, ne);
    }
    if (ne != e) free(e);
  }
  ~Big() {
    for (Leaf* l = tree.head(); l; l = l->next)
      for (int j = 0; j < l->n; ++j) free(l->elem[j]);
  }
};

ZSet::ZSet(bool big) {
  if (big) big_ = new Big();
}

ZSet::~ZSet() {
  free(lp_);
  delete big_;
}

size_t ZSet::size() const { return big_ ? big_->tree.size() : lp_count_; }

size_t ZSet::MemoryUsage() const {
  size_t own = MallocSizeClass(sizeof(ZSet));
  return big_ ? own + big_->bytes() : own + MallocSizeClass(lp_cap_);
}

size_t ZSet::SlowMemoryUsage() const {
  size_t own = MallocSizeClass(sizeof(ZSet));
  if (!big_) return own + MallocSizeClass(lp_cap_);
  size_t elems = 0;
  for (Leaf* l = big_->tree.head(); l; l = l->next)
    for (int j = 0; j < l->n; ++j) elems += ElemAlloc(l->elem[j]);
  return own + MallocSizeClass(sizeof(Big)) + elems + big_->tree.node_bytes() +
         big_->dict.alloc_bytes();
}

bool ZSet::Validate(std::string* why) const {
  auto fail = [&](const char* s) {
    if (why) *why = s;
    return false;
  };
  if (!big_) {
    size_t n = 0;
    const char* p = lp_;
    const char* end = lp_ + lp_bytes_;
    double ps = 0;
    std::string_view pm;
    while (p < end) {
      std::string_view m;
      double s;
      const char* next = LpDecode(p, &m, &s);
      if (next > end) return fail("listpack entry overruns");
      if (LpPrevEntry(next) != p) return fail("listpack backlen");
      if (std::isnan(s)) return fail("NaN score");
      if (s == 0 && std::signbit(s)) return fail("-0 in listpack");
      if (n > 0 && !KeyLess(ps, pm, s, m)) return fail("listpack out of order");
      ps = s;
      pm = m;
      p = next;
      ++n;
    }
    if (n != lp_count_) return fail("listpack count");
    if (lp_bytes_ > lp_cap_) return fail("listpack bytes over capacity");
    return true;
  }
  if (!big_->tree.Validate(why) || !big_->dict.Validate(why)) return false;
  if (big_->tree.size() != big_->dict.size()) return fail("tree and table sizes differ");
  for (Leaf* l = big_->tree.head(); l; l = l->next)
    for (int j = 0; j < l->n; ++j) {
      std::string_view m = ElemMember(l->elem[j]);
      size_t slot = big_->dict.Find(m, HashMember(m));
      if (slot == SIZE_MAX) return fail("tree member missing from the table");
    }
  if (SlowMemoryUsage() != MemoryUsage()) return fail("memory counters");
  return true;
}

std::unique_ptr<Object> ZSet::Clone() const {
  auto out = std::make_unique<ZSet>(big_ != nullptr);
  if (!big_) {
    if (lp_bytes_) {
      out->LpReserve(lp_bytes_);
      memcpy(out->lp_, lp_, lp_bytes_);
      out->lp_bytes_ = lp_bytes_;
      out->lp_count_ = lp_count_;
    }
    return out;
  }
  out->big_->dict.Reserve(size());
  for (Leaf* l = big_->tree.head(); l; l = l->next)
    for (int j = 0; j < l->n; ++j) {
      std::string_view m = ElemMember(l->elem[j]);
      out->big_->Insert(m, l->score[j], HashMember(m));
    }
  return out;
}

// ---- listpack ----

void ZSet::LpReserve(size_t bytes) {
  if (bytes <= lp_cap_) return;
  size_t cap = MallocSizeClass(bytes);
  char* p = static_cast<char*>(realloc(lp_, cap));
  if (!p) throw std::bad_alloc();
  lp_ = p;
  lp_cap_ = static_cast<uint32_t>(cap);
}

size_t ZSet::LpFind(std::string_view member, double* score) const {
  const char* p = lp_;
  const char* end = lp_ + lp_bytes_;
  while (p < end) {
    std::string_view m;
    double s;
    const char* next = LpDecode(p, &m, &s);
    if (m == member) {
      *score = s;
      return p - lp_;
    }
    p = next;
  }
  return npos;
}

void ZSet::LpInsert(std::string_view member, double score) {
  if (score == 0) score = 0;  // -0 is stored as 0, as Redis's listpack does
  size_t body = EntryBody(member, score);
  size_t total = EntryTotal(body);
  // Insertion point: the first entry not below (score, member).
  const char* p = lp_;
  const char* end = lp_ + lp_bytes_;
  while (p < end) {
    std::string_view m;
    double s;
    const char* next = LpDecode(p, &m, &s);
    if (!KeyLess(s, m, score, member)) break;
    p = next;
  }
  size_t off = p - lp_;
  LpReserve(lp_bytes_ + total);
  memmove(lp_ + off + total, lp_ + off, lp_bytes_ - off);
  LpWrite(lp_ + off, member, score, body);
  lp_bytes_ += static_cast<uint32_t>(total);
  ++lp_count_;
}

void ZSet::LpEraseAt(size_t off, size_t count) {
  const char* p = lp_ + off;
  for (size_t i = 0; i < count; ++i) {
    std::string_view m;
    double s;
    p = LpDecode(p, &m, &s);
  }
  size_t end = p - lp_;
  memmove(lp_ + off, lp_ + end, lp_bytes_ - end);
  lp_bytes_ -= static_cast<uint32_t>(end - off);
  lp_count_ -= static_cast<uint32_t>(count);
  if (lp_bytes_ == 0) {
    free(lp_);
    lp_ = nullptr;
    lp_cap_ = 0;
  } else if (MallocSizeClass(lp_bytes_) < lp_cap_) {
    size_t cap = MallocSizeClass(lp_bytes_);
    char* q = static_cast<char*>(realloc(lp_, cap));
    if (q) {
      lp_ = q;
      lp_cap_ = static_cast<uint32_t>(cap);
    }
  }
}

size_t ZSet::LpOffsetOfRank(size_t rank) const {
  if (rank >= lp_count_) return npos;
  const char* p;
  if (rank <= lp_count_ / 2) {
    p = lp_;
    for (size_t i = 0; i < rank; ++i) {
      std::string_view m;
      double s;
      p = LpDecode(p, &m, &s);
    }
  } else {
    p = lp_ + lp_bytes_;
    for (size_t i = lp_count_; i > rank; --i) p = LpPrevEntry(p);
  }
  return p - lp_;
}

void ZSet::ConvertToSkiplist() {
  if (big_) return;
  auto big = std::make_unique<Big>();
  big->dict.Reserve(lp_count_);
  const char* p = lp_;
  const char* end = lp_ + lp_bytes_;
  while (p < end) {
    std::string_view m;
    double s;
    p = LpDecode(p, &m, &s);
    big->Insert(m, s, HashMember(m));
  }
  free(lp_);
  lp_ = nullptr;
  lp_bytes_ = lp_cap_ = lp_count_ = 0;
  big_ = big.release();
}

void ZSet::Reserve(size_t n) {
  if (big_) big_->dict.Reserve(n);
}

// ---- element operations ----

int ZSet::Add(std::string_view member, double score, int flags, const EncodingLimits& limits,
              double* newscore) {
  bool incr = flags & kZAddIncr, nx = flags & kZAddNx, xx = flags & kZAddXx;
  bool gt = flags & kZAddGt, lt = flags & kZAddLt;
  if (std::isnan(score)) return kZAddNan;
  if (!big_) {
    double cur;
    size_t off = LpFind(member, &cur);
    if (off != npos) {
      if (nx) return kZAddNop;
      if (incr) {
        score += cur;
        if (std::isnan(score)) return kZAddNan;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return kZAddNop;
      if (newscore) *newscore = score;
      if (score != cur) {
        LpEraseAt(off, 1);
        LpInsert(member, score);
        return kZAddUpdated;
      }
      return 0;
    }
    if (xx) return kZAddNop;
    if (lp_count_ + 1 > limits.zset_max_listpack_entries ||
        member.size() > limits.zset_max_listpack_value ||
        lp_bytes_ + member.size() + 32 > (size_t{1} << 30)) {
      ConvertToSkiplist();
    } else {
      LpInsert(member, score);
      if (newscore) *newscore = score;
      return kZAddAdded;
    }
  }
  uint64_t h = HashMember(member);
  size_t slot = big_->dict.Find(member, h);
  if (slot != SIZE_MAX) {
    if (nx) return kZAddNop;
    char* e = big_->dict.At(slot);
    double cur = ElemScore(e);
    if (incr) {
      score += cur;
      if (std::isnan(score)) return kZAddNan;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return kZAddNop;
    if (newscore) *newscore = score;
    if (score != cur) {
      big_->UpdateScore(slot, cur, score);
      return kZAddUpdated;
    }
    return 0;
  }
  if (xx) return kZAddNop;
  big_->Insert(member, score, h);
  if (newscore) *newscore = score;
  return kZAddAdded;
}

void ZSet::Insert(std::string_view member, double score, const EncodingLimits& limits) {
  if (!big_) {
    if (lp_count_ + 1 > limits.zset_max_listpack_entries ||
        member.size() > limits.zset_max_listpack_value ||
        lp_bytes_ + member.size() + 32 > (size_t{1} << 30)) {
      ConvertToSkiplist();
    } else {
      return LpInsert(member, score);
    }
  }
  big_->Insert(member, score, HashMember(member));
}

bool ZSet::Remove(std::string_view member) {
  if (!big_) {
    double s;
    size_t off = LpFind(member, &s);
    if (off == npos) return false;
    LpEraseAt(off, 1);
    return true;
  }
  uint64_t h = HashMember(member);
  size_t slot = big_->dict.Find(member, h);
  if (slot == SIZE_MAX) return false;
  char* e = big_->dict.At(slot);
  size_t rank = big_->tree.RankOfKey(ElemScore(e), member);
  big_->EraseRanks(rank, rank + 1);
  return true;
}

std::optional<double> ZSet::Score(std::string_view member) const {
  if (!big_) {
    double s;
    if (LpFind(member, &s) == npos) return std::nullopt;
    return s;
  }
  size_t slot = big_->dict.Find(member, HashMember(member));
  if (slot == SIZE_MAX) return std::nullopt;
  return ElemScore(big_->dict.At(slot));
}

std::optional<size_t> ZSet::Rank(std::string_view member) const {
  if (!big_) {
    const char* p = lp_;
    const char* end = lp_ + lp_bytes_;
    for (size_t i = 0; p < end; ++i) {
      std::string_view m;
      double s;
      p = LpDecode(p, &m, &s);
      if (m == member) return i;
    }
    return std::nullopt;
  }
  size_t slot = big_->dict.Find(member, HashMember(member));
  if (slot == SIZE_MAX) return std::nullopt;
  return big_->tree.RankOfKey(ElemScore(big_->dict.At(slot)), member);
}

// ---- iteration ----

void ZSet::Iter::Load() {
  if (z_->big_) {
    const Leaf* l = static_cast<const Leaf*>(node_);
    member_ = ElemMember(l->elem[idx_]);
    score_ = l->score[idx_];
  } else {
    LpDecode(static_cast<const char*>(node_), &member_, &score_);
  }
}

void ZSet::Iter::Next() {
  if (!valid_) return;
  if (z_->big_) {
    const Leaf* l = static_cast<const Leaf*>(node_);
    if (++idx_ == l->n) {
      node_ = l = l->next;
      idx_ = 0;
      if (!l) {
        valid_ = false;
        return;
      }
    }
  } else {
    if (++idx_ == z_->lp_count_) {
      valid_ = false;
      return;
    }
    std::string_view m;
    double s;
    node_ = LpDecode(static_cast<const char*>(node_), &m, &s);
  }
  Load();
}

void ZSet::Iter::Prev() {
  if (!valid_) return;
  if (idx_ == 0) {
    if (!z_->big_) {
      valid_ = false;
      return;
    }
    const Leaf* l = static_cast<const Leaf*>(node_)->prev;
    if (!l) {
      valid_ = false;
      return;
    }
    node_ = l;
    idx_ = l->n - 1;
  } else {
    --idx_;
    if (!z_->big_) node_ = LpPrevEntry(static_cast<const char*>(node_));
  }
  Load();
}

ZSet::Iter ZSet::At(size_t rank) const {
  Iter it;
  it.z_ = this;
  if (rank >= size()) return it;
  if (big_) {
    int idx;
    it.node_ = big_->tree.LeafAt(rank, &idx);
    it.idx_ = static_cast<uint32_t>(idx);
  } else {
    it.node_ = lp_ + LpOffsetOfRank(rank);
    it.idx_ = static_cast<uint32_t>(rank);
  }
  it.valid_ = true;
  it.Load();
  return it;
}

ZSet::Iter ZSet::Random(ZSetRng rnd) const { return At(rnd() % size()); }

// ---- ranges ----

size_t ZSet::FirstInScore(const ScoreBound& min, const ScoreBound& max) const {
  if (ScoreRangeEmpty(min, max) || empty()) return npos;
  size_t r;
  if (big_) {
    r = big_->tree.CountScoreBelow(min.value, min.exclusive);
  } else {
    r = 0;
    for (Iter it = At(0); it.valid() && !ScoreGteMin(it.score(), min); it.Next()) ++r;
  }
  if (r >= size() || !ScoreLteMax(At(r).score(), max)) return npos;
  return r;
}

size_t ZSet::LastInScore(const ScoreBound& min, const ScoreBound& max) const {
  if (ScoreRangeEmpty(min, max) || empty()) return npos;
  size_t r;  // elements not above max
  if (big_) {
    r = big_->tree.CountScoreBelow(max.value, !max.exclusive);
  } else {
    r = size();
    for (Iter it = At(size() - 1); it.valid() && !ScoreLteMax(it.score(), max); it.Prev()) --r;
  }
  if (r == 0 || !ScoreGteMin(At(r - 1).score(), min)) return npos;
  return r - 1;
}

// Redis's zzlFirstInLexRange on the listpack (a linear scan that stops at the first member not
// below min), a binary search on the tree.
size_t ZSet::FirstInLex(const LexBound& min, const LexBound& max) const {
  if (LexRangeEmpty(min, max) || empty()) return npos;
  size_t r;
  if (big_) {
    r = big_->tree.CountLexBelow(min, min.exclusive);
  } else {
    if (!LexGteMin(At(size() - 1).member(), min) || !LexLteMax(At(0).member(), max)) return npos;
    r = 0;
    for (Iter it = At(0); it.valid() && !LexGteMin(it.member(), min); it.Next()) ++r;
  }
  if (r >= size() || !LexLteMax(At(r).member(), max)) return npos;
  return r;
}

size_t ZSet::LastInLex(const LexBound& min, const LexBound& max) const {
  if (LexRangeEmpty(min, max) || empty()) return npos;
  size_t r;
  if (big_) {
    r = big_->tree.CountLexBelow(max, !max.exclusive);
  } else {
    if (!LexGteMin(At(size() - 1).member(), min) || !LexLteMax(At(0).member(), max)) return npos;
    r = size();
    for (Iter it = At(size() - 1); it.valid() && !LexLteMax(it.member(), max); it.Prev()) --r;
  }
  if (r == 0 || !LexGteMin(At(r - 1).member(), min)) return npos;
  return r - 1;
}

size_t ZSet::CountInScore(const ScoreBound& min, const ScoreBound& max) const {
  size_t first = FirstInScore(min, max);
  if (first == npos) return 0;
  if (big_) return LastInScore(min, max) - first + 1;
  size_t n = 0;
  for (Iter it = At(first); it.valid() && ScoreLteMax(it.score(), max); it.Next()) ++n;
  return n;
}

size_t ZSet::CountInLex(const LexBound& min, const LexBound& max) const {
  size_t first = FirstInLex(min, max);
  if (first == npos) return 0;
  if (big_) return LastInLex(min, max) - first + 1;
  size_t n = 0;
  for (Iter it = At(first); it.valid() && LexLteMax(it.member(), max); it.Next()) ++n;
  return n;
}

void ZSet::EraseRanks(size_t lo, size_t hi) {
  hi = std::min(hi, size());
  if (lo >= hi) return;
  if (big_) return big_->EraseRanks(lo, hi);
  LpEraseAt(LpOffsetOfRank(lo), hi - lo);
}

size_t ZSet::EraseScoreRange(const ScoreBound& min, const ScoreBound& max) {
  size_t first = FirstInScore(min, max);
  if (first == npos) return 0;
  size_t n = CountInScore(min, max);
  EraseRanks(first, first + n);
  return n;
}

size_t ZSet::EraseLexRange(const LexBound& min, const LexBound& max) {
  size_t first = FirstInLex(min, max);
  if (first == npos) return 0;
  size_t n = CountInLex(min, max);
  EraseRanks(first, first + n);
  return n;
}

uint64_t ZSet::ScanStepImpl(uint64_t cursor, void (*fn)(void*, std::string_view, double),
                            void* arg) const {
  if (!big_) {
    for (Iter it = At(0); it.valid(); it.Next()) fn(arg, it.member(), it.score());
    return 0;
  }
  return big_->dict.ScanStep(cursor, [&](const char* e) { fn(arg, ElemMember(e), ElemScore(e)); });
}

}  // namespace tessera
