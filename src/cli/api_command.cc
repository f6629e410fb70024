// `netward api`: the site API without capture, and `netward api-key`: application keys and the
// field encryption key (docs/api.md).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "api/api_keys.h"
#include "api/api_runtime.h"
#include "api/field_cipher.h"
#include "cli/commands.h"
#include "common/logging.h"
#include "probe/jsonl_sink.h"
#include "probe/probe_config.h"
#include "store/store.h"

namespace netward::cli {
namespace {

std::atomic<bool> g_api_stop{false};
void OnApiSignal(int) { g_api_stop.store(true); }

struct ApiOptions {
  std::string config_path;
  bool check_only = false;
};

void RunApi(const ApiOptions& opts) {
  auto loaded = probe::LoadProbeConfig(opts.config_path, /*require_interfaces=*/false);
  if (!loaded.ok()) {
    std::cerr << "netward api: " << loaded.status().message() << "\n";
    return SetExitCode(2);
  }
  const probe::ProbeConfig& config = *loaded;
  if (!config.api_enabled || (config.json_dir.empty() && config.store_dir.empty())) {
    std::cerr << "netward api: " << opts.config_path
              << ": needs an [api] table and an output ([output] json_dir and/or [store] dir)\n";
    return SetExitCode(2);
  }
  if (opts.check_only) {
    std::cout << opts.config_path << ": OK\n";
    return;
  }
  api::ApiConfig api_config = config.api;
  if (api_config.rules.empty() && config.filter.enabled) {  // the probe's bundle, loaded here
    api_config.rules = config.filter.bundle;
    api_config.rules_pubkey = config.filter.pubkey;
  }
  std::unique_ptr<probe::JsonlDirSink> json_sink;
  if (!config.json_dir.empty()) {
    auto opened = probe::JsonlDirSink::Open(config.json_dir, config.fsync);
    if (!opened.ok()) {
      std::cerr << "netward api: " << opened.status().message() << "\n";
      return SetExitCode(1);
    }
    json_sink = std::move(*opened);
  }
  std::unique_ptr<store::Store> store;
  if (!config.store_dir.empty()) {
    auto opened = store::Store::Open(probe::StoreOptionsFrom(config));
    if (!opened.ok()) {
      std::cerr << "netward api: store " << config.store_dir << ": " << opened.status().message()
                << "\n";
      return SetExitCode(1);
    }
    store = std::move(*opened);
  }
  auto close_outputs = [&] {
    Status result;
    if (json_sink) result = json_sink->Close();
    if (store) {
      Status st = store->Close();
      if (result.ok()) result = st;
    }
    return result;
  };
  api::ApiRuntimeDeps deps;
  deps.site = config.site;
  deps.store = store.get();
  deps.sink = json_sink.get();
  auto started = api::ApiRuntime::Start(api_config, deps);
  if (!started.ok()) {
    std::cerr << "netward api: " << started.status().message() << "\n";
    (void)close_outputs();
    return SetExitCode(1);
  }
  struct sigaction sa {};
  sa.sa_handler = OnApiSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  const api::Moderator& moderator = (*started)->moderator();
  LogInfo("site API on http://" + (*started)->address() + "; rules " +
          (moderator.RuleCount()
               ? moderator.RulesVersion() + " (" + std::to_string(moderator.RuleCount()) + " rules)"
               : std::string("none (every verdict allow)")));
  while (!g_api_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*started)->Stop();
  Status closed = close_outputs();
  if (!closed.ok()) {
    std::cerr << "netward api: " << closed.message() << "\n";
    return SetExitCode(1);
  }
  LogInfo("site API stopped; every record flushed");
}

struct KeyAddOptions {
  std::string name, keys_file;
  std::vector<std::string> roles;
};

void RunKeyAdd(const KeyAddOptions& o) {
  auto key = api::AddApiKey(o.keys_file, o.name, o.roles);
  if (!key.ok()) {
    std::cerr << "netward api-key add: " << key.status().message() << "\n";
    return SetExitCode(key.status().code() == Status::Code::kInvalidArgument ? 2 : 1);
  }
  std::cout << *key << "\n";
  std::cerr << "netward api-key add: application \"" << o.name << "\" added to " << o.keys_file
            << " (only the key's SHA-256 is stored: keep the key printed above, it is not "
               "shown again). The API reads the keys file when it starts.\n";
}

}  // namespace

void RegisterApi(CLI::App& app) {
  {
    auto opts = std::make_shared<ApiOptions>();
    CLI::App* cmd = app.add_subcommand(
        "api", "Serve the site API for ICP applications (docs/api.md) without capturing.");
    cmd->add_option("-c,--config", opts->config_path,
                    "Config (TOML) with [api] and an output; see docs/api.md")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_flag("--check", opts->check_only,
                  "Validate the config, print OK or every error, exit");
    cmd->footer(
        "`netward probe` serves the same API when its config has an [api] table. Minimal config:\n"
        "  site = \"S0001\"\n"
        "  [store]\n"
        "  dir = \"/var/lib/netward/store\"\n"
        "  [api]\n"
        "  listen = \"127.0.0.1:8480\"\n"
        "  keys_file = \"/etc/netward/api.keys\"     # netward api-key add NAME --keys-file ...\n"
        "  field_key = \"/etc/netward/field.key\"    # netward api-key field-key FILE\n"
        "  rules = \"/etc/netward/rules\"\n"
        "  rules_pubkey = \"/etc/netward/rules.pub\"\n"
        "Stops cleanly on SIGTERM or SIGINT.");
    cmd->callback([opts] { RunApi(*opts); });
  }
  {
    CLI::App* cmd = app.add_subcommand(
        "api-key", "Manage the site API's application keys and its field encryption key.");
    cmd->require_subcommand(1);
    auto o = std::make_shared<KeyAddOptions>();
    CLI::App* add = cmd->add_subcommand(
        "add", "Make a key for application NAME: print it once, append its SHA-256 to the file.");
    add->add_option("name", o->name, "Application name (A-Z a-z 0-9 . _ -), recorded as `app`")
        ->required();
    add->add_option("--keys-file", o->keys_file, "The keys file (api.keys_file); created 0600")
        ->required();
    add->add_option("--role", o->roles, "Role to grant (repeatable), e.g. reveal");
    add->callback([o] { RunKeyAdd(*o); });
    auto path = std::make_shared<std::string>();
    CLI::App* fk = cmd->add_subcommand(
        "field-key",
        "Make the AES-256 key (api.field_key) that encrypts registration id_number and phone.");
    fk->add_option("file", *path, "Key file to create (mode 0600; never overwritten)")->required();
    fk->footer("Keep a copy somewhere safe: records encrypted with a lost key cannot be revealed.");
    fk->callback([path] {
      Status st = api::FieldCipher::GenerateKeyFile(*path);
      if (!st.ok()) {
        std::cerr << "netward api-key field-key: " << st.message() << "\n";
        return SetExitCode(st.code() == Status::Code::kInvalidArgument ? 2 : 1);
      }
      std::cerr << "netward api-key field-key: wrote " << *path << " (mode 0600)\n";
    });
  }
}

}  // namespace netward::cli
