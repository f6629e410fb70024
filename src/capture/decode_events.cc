// src/capture/decode_events.cc: the event name table.
#include "capture/decode_events.h"

namespace netward::capture {
namespace {

struct EventInfo {
  std::string_view name;
  bool skip;
};

constexpr EventInfo kEvents[kNumDecodeEvents] = {
#define NW_DECODE_EVENT_INFO(e, name, skip) {name, skip},
    NW_DECODE_EVENTS(NW_DECODE_EVENT_INFO)
#undef NW_DECODE_EVENT_INFO
};

}  // namespace

std::string_view DecodeEventName(DecodeEvent event) {
  return kEvents[static_cast<size_t>(event)].name;
}

bool DecodeEventIsSkip(DecodeEvent event) { return kEvents[static_cast<size_t>(event)].skip; }

bool DecodeEventFromName(std::string_view name, DecodeEvent* out) {
  for (size_t i = 0; i < kNumDecodeEvents; ++i) {
    if (kEvents[i].name == name) {
      *out = static_cast<DecodeEvent>(i);
      return true;
    }
  }
  return false;
}

uint64_t DecodeCounters::count(std::string_view name) const {
  DecodeEvent e;
  return DecodeEventFromName(name, &e) ? count(e) : 0;
}

uint64_t DecodeCounters::total() const {
  uint64_t sum = 0;
  for (uint64_t c : counts_) sum += c;
  return sum;
}

}  // namespace netward::capture
