// memcached over UDP: each datagram carries an 8-byte frame header (request id, sequence
// number, datagram count, reserved; big-endian u16s) and a whole request. The request runs
// as a short-lived connection whose reply goes back split into datagrams of at most
// kMcUdpDatagram bytes, each with the request id, its sequence number and the total.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "net/event_loop.h"

namespace tessera {

class Shard;

// Largest datagram sent, header included (memcached's UDP_MAX_PAYLOAD_SIZE).
inline constexpr size_t kMcUdpDatagram = 1400;
inline constexpr size_t kMcUdpHeader = 8;

// Where a UDP request's reply goes.
struct McDatagramPeer {
  int fd = -1;  // the shard's UDP socket (not owned)
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  uint16_t request_id = 0;
};

// Sends `reply` to `peer` framed as memcached's UDP reply datagrams.
void SendMcDatagrams(const McDatagramPeer& peer, std::string_view reply);

// The shard's UDP socket: reads datagrams and starts one request connection for each.
class McUdp : public IoHandler {
 public:
  McUdp(Shard* shard, int fd) : shard_(shard), fd_(fd) {}
  ~McUdp() override;
  void OnEvent(uint32_t events) override;

 private:
  Shard* shard_;
  int fd_;
};

}  // namespace tessera
