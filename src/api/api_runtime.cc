#include "api/api_runtime.h"

#include "store/signing_key.h"

namespace netward::api {

Result<std::unique_ptr<ApiRuntime>> ApiRuntime::Start(const ApiConfig& config,
                                                      const ApiRuntimeDeps& deps) {
  std::unique_ptr<ApiRuntime> rt(new ApiRuntime());
  auto keys = ApiKeys::Load(config.keys_file);
  if (!keys.ok()) return keys.status();
  rt->keys_ = std::move(*keys);
  if (!config.field_key.empty()) {
    auto cipher = FieldCipher::Load(config.field_key);
    if (!cipher.ok()) return cipher.status();
    rt->cipher_ = std::make_unique<FieldCipher>(std::move(*cipher));
  }
  const filter::RuleEngine* engine = deps.engine;
  if (!engine && !config.rules.empty()) {
    auto pub = store::VerifierKey::Load(config.rules_pubkey);
    if (!pub.ok()) return pub.status();
    filter::BundleLoadOptions options;
    options.verify_with = &*pub;
    std::vector<filter::BundleProblem> problems;
    Status st = rt->own_engine_.Reload(config.rules, options, &problems);
    if (!st.ok()) {
      std::string what = st.message();
      for (size_t i = 0; i < problems.size() && i < 5; ++i) {
        what += "; " + problems[i].file + ": " +
                (problems[i].rule_id.empty() ? "" : "rule " + problems[i].rule_id + ": ") +
                problems[i].reason;
      }
      return Status::InvalidArgument("api.rules " + config.rules, what);
    }
    engine = &rt->own_engine_;
  }
  if (!engine) engine = &rt->own_engine_;  // empty: nothing matches
  rt->moderator_ = std::make_unique<EngineModerator>(engine);
  rt->writer_ = std::make_unique<StoreSinkWriter>(deps.store, deps.sink);
  ApiServiceOptions so;
  so.site = deps.site;
  so.keys = &rt->keys_;
  so.cipher = rt->cipher_.get();
  so.moderator = rt->moderator_.get();
  so.writer = rt->writer_.get();
  if (deps.store) {
    rt->finder_ = std::make_unique<StoreRecordFinder>(deps.store);
    so.finder = rt->finder_.get();
  }
  rt->service_ = std::make_unique<ApiService>(std::move(so));
  ApiServerOptions server_options;
  if (!SplitListenAddress(config.listen, &server_options.host, &server_options.port)) {
    return Status::InvalidArgument("api.listen", config.listen + " is not ADDRESS:PORT");
  }
  server_options.threads = config.threads;
  server_options.max_body = static_cast<size_t>(config.max_body);
  auto server = ApiServer::Start(server_options, rt->service_.get());
  if (!server.ok()) return Status::IOError("api.listen", server.status().message());
  rt->server_ = std::move(*server);
  return rt;
}

ApiRuntime::~ApiRuntime() { Stop(); }

void ApiRuntime::Stop() {
  if (server_) server_->Stop();
}

}  // namespace netward::api
