// src/record/schema_doc.h: the schema as a Markdown reference (the body of docs/records.md),
// generated from schema.h so the document cannot drift from the code (a unit test compares them).
#pragma once

#include <string>

namespace netward::record {

// One "### stream" section per stream with a table: field | type | meaning.
std::string SchemaMarkdown();

}  // namespace netward::record
