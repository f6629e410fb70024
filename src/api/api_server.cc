#include "api/api_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <thread>

namespace netward::api {

struct ApiServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::string host;
  int port = 0;
  bool stopped = false;
};

namespace {

void Reply(const ApiResponse& r, httplib::Response& res) {
  res.status = r.status;
  res.set_content(r.body, "application/json; charset=utf-8");
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "no such endpoint (see docs/api.md)";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 414:
      return "URI too long";
    case 431:
      return "request header fields too large";
    default:
      return "HTTP " + std::to_string(status);
  }
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerOptions& options,
                                                    const ApiService* service) {
  auto impl = std::make_unique<Impl>();
  httplib::Server& s = impl->server;
  const size_t threads = static_cast<size_t>(options.threads > 0 ? options.threads : 1);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options.max_body);
  s.set_tcp_nodelay(true);  // small JSON answers must not wait for delayed ACKs (40 ms)
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server
  // share the port silently and take half the requests.
  s.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  const auto handle = [service](const httplib::Request& req, httplib::Response& res) {
    Reply(service->Handle(req.method, req.path, req.get_header_value("Authorization"),
                          req.get_header_value("X-API-Key"), req.body),
          res);
  };
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  s.Delete(".*", handle);
  s.Patch(".*", handle);
  const size_t max_body = options.max_body;
  s.set_error_handler([max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // an answer of the service
    std::string what = res.status == 413 ? "request body larger than api.max_body (" +
                                               std::to_string(max_body) + " bytes)"
                                         : StatusText(res.status);
    Reply(ApiService::Error(res.status, what), res);
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    Reply(ApiService::Error(500, "internal error"), res);
  });
  const std::string where =
      (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) +
      ":" + std::to_string(options.port);
  int port = options.port;
  if (port == 0) {
    port = s.bind_to_any_port(options.host);
    if (port < 0) return Status::IOError(where, "cannot bind");
  } else if (!s.bind_to_port(options.host, port)) {
    return Status::IOError(where, "cannot bind (address in use, or not an address of this host)");
  }
  impl->host = options.host;
  impl->port = port;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // Stop() before the accept loop runs would not reach it: wait until it does (bounded).
  for (int i = 0; i < 5000 && !raw->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServer::~ApiServer() { Stop(); }

int ApiServer::port() const { return impl_->port; }

std::string ApiServer::address() const {
  return (impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host) +
         ":" + std::to_string(impl_->port);
}

void ApiServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace netward::api
