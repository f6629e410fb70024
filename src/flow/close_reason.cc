#include "flow/close_reason.h"

namespace netward::flow {

std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kFin:
      return "fin";
    case CloseReason::kRst:
      return "rst";
    case CloseReason::kIdleTimeout:
      return "timeout";
    case CloseReason::kEof:
      return "eof";
    case CloseReason::kEvicted:
      return "evicted";
    case CloseReason::kActiveTimeout:
      return "timeout";
  }
  return "unknown";
}

}  // namespace netward::flow
