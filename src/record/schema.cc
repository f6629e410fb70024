#include "record/schema.h"

namespace netward::record {
namespace {
constexpr std::string_view kNames[] = {
#define NW_STREAM_NAME(Name, name, FIELDS) #name,
    NW_STREAMS(NW_STREAM_NAME)
#undef NW_STREAM_NAME
};
}  // namespace

std::string_view StreamName(StreamId id) { return kNames[static_cast<size_t>(id)]; }

bool StreamFromName(std::string_view name, StreamId* id) {
  for (size_t i = 0; i < kStreamCount; ++i) {
    if (kNames[i] == name) {
      *id = static_cast<StreamId>(i);
      return true;
    }
  }
  return false;
}

std::string StreamNameList() {
  std::string names;
  for (size_t i = 0; i < kStreamCount; ++i) {
    if (i) names += ", ";
    names += kNames[i];
  }
  return names;
}

}  // namespace netward::record
