// `netward keygen`: makes the Ed25519 key pair that signs a store's checkpoints
// (store/signing_key.h, docs/tamper-evidence.md).
#include <iostream>

#include "cli/commands.h"
#include "store/signing_key.h"

namespace netward::cli {
namespace {

struct KeygenOptions {
  std::string name;
  std::string out;
};

void RunKeygen(const KeygenOptions& opts) {
  if (!store::IsValidKeyName(opts.name)) {
    std::cerr << "netward keygen: --name '" << opts.name
              << "': a key name must be non-empty, without spaces or '+' (e.g. "
                 "example.com/netward/site01)\n";
    SetExitCode(2);
    return;
  }
  auto key = store::SigningKey::Generate(opts.name);
  if (!key.ok()) {
    std::cerr << "netward keygen: " << key.status().message() << "\n";
    SetExitCode(1);
    return;
  }
  const std::string private_path = opts.out + ".key", public_path = opts.out + ".pub";
  Status written = key->WriteFiles(private_path, public_path);
  if (!written.ok()) {
    std::cerr << "netward keygen: " << written.message() << "\n";
    if (written.code() == Status::Code::kInvalidArgument) {
      std::cerr << "netward keygen: nothing was written; choose another --out or move the old "
                   "key away first (a store's old checkpoints need its old .pub to verify)\n";
    }
    SetExitCode(1);
    return;
  }
  std::cout << key->VerifierKeyText() << "\n";
  std::cerr << "netward keygen: wrote " << private_path << " (private, mode 0600) and "
            << public_path << " (public)\n";
}

}  // namespace

void RegisterKeygen(CLI::App& app) {
  auto opts = std::make_shared<KeygenOptions>();
  CLI::App* cmd = app.add_subcommand(
      "keygen", "Make the Ed25519 key pair that signs the record store's checkpoints.");
  cmd->add_option("--name", opts->name,
                  "Key name, written in every signature line; a schema-less URL naming the site "
                  "is recommended (e.g. example.com/netward/site01); no spaces or '+'")
      ->option_text("NAME REQUIRED")
      ->required();
  cmd->add_option("--out", opts->out,
                  "Writes PREFIX.key (private, mode 0600) and PREFIX.pub (public key line)")
      ->option_text("PREFIX REQUIRED")
      ->required();
  cmd->footer(
      "The store signs a checkpoint (stream, record count, Merkle root) of every record stream\n"
      "with the .key, so that later changes to stored records can be detected. Keep PREFIX.key\n"
      "private: readable only by the user that runs the store (netward refuses a key others can\n"
      "read). Give PREFIX.pub to whoever verifies (the center, an auditor); it is also printed\n"
      "on stdout. Whoever holds the .key can sign a rewritten history, so send checkpoints off\n"
      "the machine regularly: only copies kept elsewhere expose a rewrite.\n"
      "Formats: docs/tamper-evidence.md (C2SP signed note, Go sumdb/note compatible).\n"
      "Existing files are never overwritten.\n"
      "Exit status: 0 written, 1 a file exists or cannot be written, 2 bad options.\n"
      "Example: netward keygen --name example.com/netward/site01 --out /etc/netward/signing");
  cmd->callback([opts] { RunKeygen(*opts); });
}

}  // namespace netward::cli
