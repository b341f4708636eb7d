// The fast CPU engine as a RunnerFactory, so fitting (and anything else written against
// GraphRunner) runs on the engine instead of the reference interpreter.
#pragma once

#include "apps/fit.h"
#include "exec/engine/engine.h"

namespace inrarch::apps {

RunnerFactory engine_runner_factory(const exec::EngineOptions& options = {});

}  // namespace inrarch::apps
