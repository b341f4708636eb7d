#include "apps/engine_runner.h"

#include <memory>

namespace inrarch::apps {

RunnerFactory engine_runner_factory(const exec::EngineOptions& options) {
  return [options](const ir::Graph& graph) -> GraphRunner {
    // Shared: std::function copies its target, and the compiled plan must outlive every copy.
    auto engine = std::make_shared<exec::Engine>(exec::Engine::compile(graph, options));
    return [engine](const std::map<std::string, Tensor>& inputs) { return engine->run(inputs); };
  };
}

}  // namespace inrarch::apps
