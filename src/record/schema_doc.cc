#include "record/schema_doc.h"

#include "record/schema.h"

namespace netward::record {
namespace {
const char* JsonType(std::string_view kind) {
  if (kind == "Time") return "string, ISO-8601 UTC with microseconds";
  if (kind == "String") return "string";
  if (kind == "Ip") return "string, IPv4 or IPv6 address";
  if (kind == "U16" || kind == "U32" || kind == "U64") return "integer";
  if (kind == "StringList") return "array of strings";
  if (kind == "U32List") return "array of integers";
  return "?";
}
}  // namespace

std::string SchemaMarkdown() {
  std::string md;
#define NW_DOC_FIELD(Type, name, doc) \
  md += std::string("| `") + #name + "` | " + JsonType(#Type) + " | " + doc + " |\n";
#define NW_DOC_STREAM(Name, sname, FIELDS)                                                     \
  md += std::string("### ") + #sname + "\n\n| field | JSON type | meaning |\n|---|---|---|\n"; \
  FIELDS(NW_DOC_FIELD)                                                                         \
  md += "| `site` | string | site code from the probe config |\n\n";
  NW_STREAMS(NW_DOC_STREAM)
#undef NW_DOC_STREAM
#undef NW_DOC_FIELD
  return md;
}

}  // namespace netward::record
