// Small socket helpers: listening sockets and peer/local address strings.
#pragma once

#include <sys/socket.h>

#include <string>

namespace tessera {

// Returns a non-blocking listening socket bound to bind_addr:port, or -1 with *err set.
int ListenTcp(const std::string& bind_addr, int port, int backlog, std::string* err);

// Stops listening at once, then closes. An io_uring poll request still pending on the socket
// holds a reference that the kernel drops only after the process has exited; without the
// shutdown, connections would still be accepted into the backlog in that window.
void CloseListener(int fd);

// A non-blocking UDP socket bound to bind_addr:port with SO_REUSEPORT (one per shard thread
// on the same port: the kernel spreads datagrams over them by source), or -1 with *err set.
int BindUdp(const std::string& bind_addr, int port, std::string* err);

// "ip:port" of an address.
std::string FormatAddress(const sockaddr_storage& ss);

// "ip:port" of the peer / local end of a connected socket.
std::string PeerAddress(int fd);
std::string LocalAddress(int fd);

void SetNoDelay(int fd);

// TCP keepalive probes after `idle_s` seconds of silence (Redis's tcp-keepalive); 0 = off.
void SetKeepAlive(int fd, int idle_s);

}  // namespace tessera
