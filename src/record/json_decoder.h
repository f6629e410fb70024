// src/record/json_decoder.h: one JSON line -> one record struct, the inverse of json_encoder.h.
// Used by the store (which keeps canonical lines as Merkle leaves) and by `netward ingest`, which
// takes lines written by other tools: any key order, missing keys, whitespace.
//
// Strict: anything that is not exactly a record of the stream is InvalidArgument, with a message
// that names the place and the fault:
//   "column 37: expected ',' or '}', found 'x'"      (JSON syntax; columns count bytes from 1)
//   "unknown field \"foo\" for stream session"       "duplicate field \"ts\""
//   "field src_port: 70000 is out of range 0..65535" "field ttls[2]: 1.5 is not an integer"
//   "field ts: expected a string (ISO-8601 time), got a number"
//   "field url: column 80: invalid UTF-8"            "field dst_ip: bad IP address \"1.2.3\""
// Value forms: Time is ISO-8601 text (common/time.h ParseIso8601; "" means 0); Ip is IPv4 or IPv6
// text ("" means unset, the all-zero address); integers are plain JSON integers (no fraction, no
// exponent, no quotes); lists are arrays. null is a wrong type, not "missing": leave the key out.
// The raw line must be valid UTF-8. The encoder's "\\xNN" (an invalid byte from the wire) decodes
// to the four characters \xNN, not to the byte: that is what the text says, and it re-encodes to
// the same bytes. Never crashes or reads outside `line`, whatever it holds (fuzz_json_record).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "record/schema.h"

namespace netward::record {

// Decodes `line` (one JSON object; surrounding whitespace, e.g. a trailing '\n', is allowed) into
// `*record`. Fields absent from the line are set to their default ("", 0, [], unset); `*site`
// gets the "site" member ("" if absent). Either pointer of `site`/`canonical` may be null.
//
// `*canonical` is set true only when EncodeJsonLine(*record, *site) reproduces `line` byte for
// byte (less one trailing '\n'): every key present, in schema order, `site` last, no whitespace,
// strings escaped, and numbers, times and addresses written, exactly as the encoder does. The
// store then keeps `line` as it is; otherwise it re-encodes.
//
// On error `*record` and `*site` hold a mix of old and new values. Reusing one record across
// calls keeps string and vector capacity: a canonical line then decodes without allocating; the
// general path may allocate scratch for long keys, times and addresses. Canonical lines take a
// fast path, keys compared in schema order against constants (bench/json_decode_bench: ~230 ns
// for a 440-byte session line; other tools' lines ~2.7x that). Thread-compatible: no shared state.
// Instantiated for every stream struct of schema.h.
template <typename R>
Status DecodeJsonLine(std::string_view line, R* record, std::string* site, bool* canonical);

// Runtime dispatch for callers that hold a StreamId: decodes `line` as a record of `stream` and
// appends its canonical line (with '\n') to `*out`; `*canonical` (may be null) says whether
// `line` already was canonical. Uses one thread-local record per stream, so after warm-up it
// allocates nothing. On error `*out` is unchanged.
Status CanonicalizeJsonLine(StreamId stream, std::string_view line, std::string* out,
                            bool* canonical = nullptr);

}  // namespace netward::record
