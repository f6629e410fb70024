// `netward schema`: prints the record schema (docs/records.md is generated from it).
#include <iostream>

#include "cli/commands.h"
#include "record/schema_doc.h"

namespace netward::cli {

void RegisterSchema(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "schema", "Print every record stream and its fields (the one schema, as Markdown).");
  auto markdown = std::make_shared<bool>(false);
  cmd->add_flag("--markdown", *markdown, "Markdown tables (the default and only format for now)");
  cmd->callback([] { std::cout << record::SchemaMarkdown(); });
}

}  // namespace netward::cli
