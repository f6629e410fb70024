// src/api/api_runtime.h: the site API as `netward probe` and `netward api` run it: the [api]
// config turned into keys, field cipher, moderator, record writer, service and server, owned
// together (docs/api.md).
//
// Rules: the probe's [filter] engine when one is given (the API then sees every reload the probe
// makes); else the bundle of api.rules, verified with api.rules_pubkey and loaded once at start;
// else no rules (every verdict allow, /v1/health says rules_loaded false).
#pragma once

#include <memory>
#include <string>

#include "api/api_config.h"
#include "api/api_server.h"
#include "api/api_service.h"
#include "api/engine_moderator.h"
#include "common/status.h"
#include "filter/rule_engine.h"

namespace netward::api {

struct ApiRuntimeDeps {
  std::string site;
  store::Store* store = nullptr;               // the store records go to, or null
  record::RecordSink* sink = nullptr;          // e.g. the JSON-lines files, or null
  const filter::RuleEngine* engine = nullptr;  // the probe's [filter] engine, or null
};

class ApiRuntime {
 public:
  // Loads the keys file, the field key and (without deps.engine) api.rules, then binds and
  // serves. Errors name the file or address at fault; nothing is served then. The pointers in
  // `deps` are not owned and must outlive the runtime.
  static Result<std::unique_ptr<ApiRuntime>> Start(const ApiConfig& config,
                                                   const ApiRuntimeDeps& deps);
  ~ApiRuntime();  // Stop()s

  // Stops serving; requests in progress finish first. Idempotent.
  void Stop();
  std::string address() const { return server_->address(); }
  const Moderator& moderator() const { return *moderator_; }

 private:
  ApiRuntime() = default;
  ApiKeys keys_;
  std::unique_ptr<FieldCipher> cipher_;
  filter::RuleEngine own_engine_;
  std::unique_ptr<EngineModerator> moderator_;
  std::unique_ptr<StoreSinkWriter> writer_;
  std::unique_ptr<StoreRecordFinder> finder_;
  std::unique_ptr<ApiService> service_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace netward::api
