// src/flow/close_reason.h: why a flow record was emitted (FlowObserver::OnFlowClose).
// The names are the `close_reason` values of `session` records; stable once released.
#pragma once

#include <string_view>

namespace netward::flow {

enum class CloseReason : unsigned char {
  kFin = 0,        // FIN seen from both sides
  kRst,            // RST seen
  kIdleTimeout,    // no packet for the protocol's idle timeout
  kEof,            // end of capture / shutdown (FlowTable::CloseAll)
  kEvicted,        // the table was full and this was the least recently used flow
  kActiveTimeout,  // periodic snapshot of a long flow; the flow lives on
};
constexpr int kCloseReasonCount = 6;

// "fin", "rst", "timeout", "eof", "evicted", "timeout" (idle and active timeouts read alike).
std::string_view CloseReasonName(CloseReason reason);

}  // namespace netward::flow
