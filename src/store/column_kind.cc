#include "store/column_kind.h"

#include <array>
#include <mutex>
#include <type_traits>

namespace netward::store {
namespace {

template <typename T>
ColumnKind KindOf() {
  if constexpr (std::is_same_v<T, TimestampUs>) return ColumnKind::kTime;
  if constexpr (std::is_same_v<T, std::string>) return ColumnKind::kString;
  if constexpr (std::is_same_v<T, IpAddress>) return ColumnKind::kIp;
  if constexpr (std::is_same_v<T, std::vector<std::string>>) return ColumnKind::kStringList;
  if constexpr (std::is_same_v<T, std::vector<uint32_t>>) return ColumnKind::kU32List;
  return ColumnKind::kUint;
}

template <typename R>
std::vector<ColumnKind> KindsOf() {
  std::vector<ColumnKind> kinds;
  R r;
  r.ForEachField([&](std::string_view, const auto& v) {
    kinds.push_back(KindOf<std::decay_t<decltype(v)>>());
  });
  kinds.push_back(ColumnKind::kString);  // site
  return kinds;
}

}  // namespace

const std::vector<ColumnKind>& ColumnKinds(record::StreamId stream) {
  static const std::array<std::vector<ColumnKind>, record::kStreamCount> all = {
#define NW_KINDS(Name, name, FIELDS) KindsOf<record::Name##Record>(),
      NW_STREAMS(NW_KINDS)
#undef NW_KINDS
  };
  return all[static_cast<size_t>(stream)];
}

}  // namespace netward::store
