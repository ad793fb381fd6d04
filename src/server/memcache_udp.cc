// memcached's UDP transport.
#include "server/memcache_udp.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "server/connection.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

void PutU16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
uint16_t GetU16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}

}  // namespace

void SendMcDatagrams(const McDatagramPeer& peer, std::string_view reply) {
  constexpr size_t kPayload = kMcUdpDatagram - kMcUdpHeader;
  size_t total = std::max<size_t>(1, (reply.size() + kPayload - 1) / kPayload);
  // The header counts datagrams in 16 bits: a longer reply cannot be framed.
  if (total > UINT16_MAX || reply.empty()) return;
  char buf[kMcUdpDatagram];
  for (size_t seq = 0; seq < total; ++seq) {
    std::string_view part = reply.substr(seq * kPayload, kPayload);
    PutU16(buf, peer.request_id);
    PutU16(buf + 2, static_cast<uint16_t>(seq));
    PutU16(buf + 4, static_cast<uint16_t>(total));
    PutU16(buf + 6, 0);
    memcpy(buf + kMcUdpHeader, part.data(), part.size());
    // A full socket buffer drops the datagram, as UDP may: the client retries.
    ssize_t r = sendto(peer.fd, buf, kMcUdpHeader + part.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&peer.addr), peer.addr_len);
    (void)r;
  }
}

McUdp::~McUdp() { close(fd_); }

void McUdp::OnEvent(uint32_t) {
  // Bounded so a flood of datagrams cannot starve the shard's connections.
  static thread_local char buf[65536];
  for (int i = 0; i < 64; ++i) {
    McDatagramPeer peer;
    peer.fd = fd_;
    peer.addr_len = sizeof(peer.addr);
    ssize_t n = recvfrom(fd_, buf, sizeof(buf), MSG_DONTWAIT,
                         reinterpret_cast<sockaddr*>(&peer.addr), &peer.addr_len);
    if (n < 0) return;
    shard_->stats().net_input_bytes += n;
    // memcached takes only whole requests in one datagram: anything else is dropped.
    if (n < static_cast<ssize_t>(kMcUdpHeader) || GetU16(buf + 4) != 1) continue;
    peer.request_id = GetU16(buf);
    uint64_t id = shard_->server().NextClientId();
    Connection* c = shard_->Adopt(std::make_unique<Connection>(
        shard_, id, peer, std::string_view(buf + kMcUdpHeader, n - kMcUdpHeader)));
    c->RunDatagram();
  }
}

}  // namespace tessera
