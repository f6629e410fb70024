#include "record/schema_doc.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace netward::record {
namespace {

// docs/records.md embeds the generated reference between two markers; regenerate it with
// `netward schema --markdown` when the schema changes.
TEST(SchemaDocTest, DocsRecordsMdMatchesTheSchema) {
  std::ifstream in(std::string(NW_SOURCE_DIR) + "/docs/records.md");
  ASSERT_TRUE(in) << "docs/records.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const std::string begin = "<!-- BEGIN GENERATED SCHEMA -->\n";
  const std::string end = "<!-- END GENERATED SCHEMA -->";
  size_t b = doc.find(begin);
  size_t e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(doc.substr(b + begin.size(), e - b - begin.size()), SchemaMarkdown())
      << "docs/records.md is out of date: run `netward schema --markdown` and paste it in";
}

TEST(SchemaDocTest, EveryStreamAndFieldIsListed) {
  std::string md = SchemaMarkdown();
  for (const char* s : {"### session", "### dns", "### http", "### tls", "### mail", "### ftp",
                        "### login", "### nat", "### maintenance"}) {
    EXPECT_NE(md.find(s), std::string::npos) << s;
  }
  EXPECT_NE(md.find("| `bytes_up` | integer |"), std::string::npos);
  EXPECT_NE(md.find("| `answers` | array of strings |"), std::string::npos);
  EXPECT_NE(md.find("| `nat_ip` | string, IPv4 or IPv6 address |"), std::string::npos);
  EXPECT_NE(md.find("| `calling_id` | string |"), std::string::npos);
}

}  // namespace
}  // namespace netward::record
