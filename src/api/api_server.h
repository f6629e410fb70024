// src/api/api_server.h: serves an ApiService over HTTP/1.1 with cpp-httplib (docs/api.md).
//
// One listening socket, a pool of `threads` request threads, keep-alive connections. A body
// larger than max_body is refused with 413 before it is read whole; every error answer is a JSON
// object {"error": ...}. Start() binds and returns at once (requests are served on the server's
// own threads); Stop() stops accepting, lets requests in progress finish, and joins. Plain HTTP:
// bind it to loopback or a management network, or put a TLS proxy in front.
#pragma once

#include <memory>
#include <string>

#include "api/api_service.h"
#include "common/status.h"

namespace netward::api {

struct ApiServerOptions {
  std::string host = "127.0.0.1";  // an address (IPv4 or IPv6, no brackets)
  int port = 8480;                 // 0: any free port (tests), see port()
  int threads = 4;
  size_t max_body = 1 << 20;
};

class ApiServer {
 public:
  // Binds and starts serving `service` (not owned; must outlive the server). IOError naming the
  // address if it cannot be bound.
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options,
                                                  const ApiService* service);
  ~ApiServer();  // Stop()s

  int port() const;
  // "127.0.0.1:8480" / "[::1]:8480".
  std::string address() const;
  // Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace netward::api
