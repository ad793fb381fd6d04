// Load generator of bench/txn.sh (built by it with g++): keeps `depth` MULTI/EXEC transactions
// in flight on each of `conns` connections from one epoll thread for `duration` seconds after
// `warmup`, then prints "txns=<n> p99_us=<batch round trip>". Every transaction of a
// connection is the same (MULTI, SET a, SET b, GET a, GET b, SET c, EXEC on its own keys), so
// every reply has the same size: the client counts bytes instead of parsing, after checking
// the first reply byte for byte.
//
//   txn_load PORT CONNS DEPTH DURATION_S WARMUP_S spread|tagged
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::string Encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

struct Conn {
  int fd = -1;
  std::string request;  // `depth` transactions
  size_t want = 0;      // reply bytes of one batch
  size_t got = 0;
  Clock::time_point sent;
};

[[noreturn]] void Die(const char* what) {
  perror(what);
  exit(2);
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Die("write");
    off += static_cast<size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s PORT CONNS DEPTH DURATION_S WARMUP_S spread|tagged\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), conns = atoi(argv[2]), depth = atoi(argv[3]);
  double duration = atof(argv[4]), warmup = atof(argv[5]);
  bool tagged = strcmp(argv[6], "tagged") == 0;
  const std::string value(16, 'v');
  const std::string bulk = "$16\r\n" + value + "\r\n";
  const std::string reply = "+OK\r\n" + std::string("+QUEUED\r\n") + "+QUEUED\r\n+QUEUED\r\n" +
                            "+QUEUED\r\n+QUEUED\r\n*5\r\n+OK\r\n+OK\r\n" + bulk + bulk + "+OK\r\n";
  int ep = epoll_create1(0);
  std::vector<Conn> cs(static_cast<size_t>(conns));
  for (int i = 0; i < conns; ++i) {
    Conn& c = cs[static_cast<size_t>(i)];
    std::string tag = tagged ? "{c" + std::to_string(i) + "}" : "c" + std::to_string(i) + ":";
    std::string one = Encode({"MULTI"}) + Encode({"SET", tag + "a", value}) +
                      Encode({"SET", tag + "b", value}) + Encode({"GET", tag + "a"}) +
                      Encode({"GET", tag + "b"}) + Encode({"SET", tag + "c", value}) +
                      Encode({"EXEC"});
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) Die("connect");
    int one_flag = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one_flag, sizeof(one_flag));
    WriteAll(c.fd, one);  // the first reply, checked byte for byte
    std::string got;
    char buf[4096];
    while (got.size() < reply.size()) {
      ssize_t n = read(c.fd, buf, sizeof(buf));
      if (n <= 0) Die("read");
      got.append(buf, static_cast<size_t>(n));
    }
    if (got != reply) {
      fprintf(stderr, "unexpected reply: %.200s\n", got.c_str());
      return 1;
    }
    for (int d = 0; d < depth; ++d) c.request += one;
    c.want = reply.size() * static_cast<size_t>(depth);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  auto start = Clock::now();
  auto measure =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  auto end = measure +
             std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  for (Conn& c : cs) {
    c.sent = Clock::now();
    WriteAll(c.fd, c.request);
  }
  uint64_t txns = 0;
  std::vector<uint32_t> lat_us;
  std::vector<char> buf(1 << 20);
  epoll_event events[256];
  for (;;) {
    auto now = Clock::now();
    if (now >= end) break;
    int n = epoll_wait(ep, events, 256, 100);
    for (int k = 0; k < n; ++k) {
      Conn& c = cs[events[k].data.u32];
      ssize_t r = read(c.fd, buf.data(), buf.size());
      if (r <= 0) Die("read");
      c.got += static_cast<size_t>(r);
      if (c.got < c.want) continue;
      now = Clock::now();
      if (now >= measure && now < end) {
        txns += static_cast<uint64_t>(depth);
        lat_us.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent).count()));
      }
      c.got -= c.want;  // a whole batch at a time: nothing of the next one is in flight yet
      c.sent = now;
      WriteAll(c.fd, c.request);
    }
  }
  std::sort(lat_us.begin(), lat_us.end());
  uint32_t p99 = lat_us.empty() ? 0 : lat_us[lat_us.size() * 99 / 100];
  printf("txns=%llu p99_us=%u\n", static_cast<unsigned long long>(txns), p99);
  return 0;
}
