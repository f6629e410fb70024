// src/analyzers/http.h: HTTP/1.x (and 0.9 requests) over TCP -> `http` records, one per
// request/response pair, emitted when the response completes or at Finish()
// (docs/analyzers/http.md). Handles Content-Length, chunked (with trailers) and read-until-close
// bodies, HEAD/1xx/204/304, 100-continue, pipelining (64 outstanding requests), 101 (protocol
// upgrade: parsing stops), CONNECT (a 2xx answer makes the flow a tunnel: its bytes go to the
// analyzer detected for them, as for a new flow, with the target's port: detecting_forwarder.h;
// two nested tunnels at most), and gzip/deflate Content-Encoding, decoded in a streaming way so
// body lengths are decoded lengths; decoded bodies go to ctx.content_hook as "http.req_body" /
// "http.resp_body". Limits: line 8 KiB, 128 headers per message; over a limit the analyzer counts
// an event (kHttpEvents) and carries on. Sets hints app/host/url (first values win, so tunnelled
// protocols leave app "http" and the CONNECT's host).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "analyzers/analyzer.h"

namespace netward::analyzers {

// A fresh HTTP analyzer for one TCP flow.
std::unique_ptr<Analyzer> NewHttpAnalyzer();

// True if `first_bytes` start like HTTP: toward the server a well-known method (GET, POST, HEAD,
// PUT, DELETE, OPTIONS, CONNECT, TRACE, PATCH, PROPFIND) and a space then a URI character; toward
// the client "HTTP/1.x " and a digit. Conservative; allocates nothing.
bool LooksLikeHttp(Direction dir, std::span<const uint8_t> first_bytes);

// Event names counted by the HTTP analyzer (docs/events.md).
inline constexpr std::array<std::string_view, 12> kHttpEvents = {
    "http.line_too_long",      "http.too_many_headers",     "http.bad_request_line",
    "http.bad_status_line",    "http.bad_chunk_size",       "http.te_cl_conflict",
    "http.bad_content_length", "http.bad_content_encoding", "http.content_gap",
    "http.too_many_pending",   "http.unmatched_response",   "http.tunnel_too_deep",
};

}  // namespace netward::analyzers
