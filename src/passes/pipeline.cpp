#include "passes/pipeline.h"

#include <algorithm>
#include <iostream>

#include "passes/batch_shared_matmul.h"
#include "passes/cse.h"
#include "passes/dce.h"
#include "passes/fold_constants.h"
#include "passes/simplify.h"
#include "util/error.h"

namespace inrarch::passes {
namespace {

#ifdef NDEBUG
constexpr bool kDebugBuild = false;
#else
constexpr bool kDebugBuild = true;
#endif

using Pass = ir::Graph (*)(const ir::Graph&);

int64_t matmul_count(const ir::Graph& graph) {
  int64_t count = 0;
  for (const ir::Node& node : graph.nodes()) count += node.op == ir::Op::MatMul;
  return count;
}

void check_interface_kept(const std::string& pass, const ir::Graph& before, const ir::Graph& after) {
  const auto& old_outputs = before.outputs();
  const auto& new_outputs = after.outputs();
  bool same = old_outputs.size() == new_outputs.size();
  for (size_t i = 0; same && i < old_outputs.size(); ++i) {
    same = old_outputs[i].name == new_outputs[i].name &&
           before.node(old_outputs[i].node).shape == after.node(new_outputs[i].node).shape;
  }
  if (!same) throw ir::Error("after pass " + pass + ": the outputs changed");
}

class PassRunner {
 public:
  explicit PassRunner(const PipelineOptions& options) : options_(options) {
    for (const auto& name : options.print_after) {
      const auto names = pass_names();
      if (name != "all" && std::find(names.begin(), names.end(), name) == names.end()) {
        std::string known;
        for (const auto& pass : names) known += " " + pass;
        throw UserError("--print-after: unknown pass \"" + name + "\" (passes: all" + known + ")");
      }
    }
  }

  ir::Graph run(const std::string& name, Pass pass, const ir::Graph& graph) const {
    ir::Graph result = pass(graph);
    if (options_.verify_each_pass || kDebugBuild) {
      try {
        ir::verify(result);
      } catch (const ir::Error& error) {
        throw ir::Error("after pass " + name + ": " + error.what());
      }
      check_interface_kept(name, graph, result);
    }
    if (options_.statistics) {
      options_.statistics->push_back({name, static_cast<int64_t>(graph.size()), static_cast<int64_t>(result.size()),
                                      matmul_count(graph), matmul_count(result), ir::matmul_macs_per_point(graph),
                                      ir::matmul_macs_per_point(result)});
    }
    if (options_.print_after.count(name) || options_.print_after.count("all")) {
      std::ostream& out = options_.print_to ? *options_.print_to : std::cerr;
      out << "; *** graph after " << name << " (" << result.size() << " nodes) ***\n" << ir::to_text(result);
    }
    return result;
  }

 private:
  const PipelineOptions& options_;
};

}  // namespace

std::vector<std::string> pass_names() { return {"fold_constants", "simplify", "cse", "dce", "batch_shared_matmul"}; }

ir::Graph optimize(const ir::Graph& graph, const PipelineOptions& options) {
  const PassRunner runner(options);
  ir::Graph current = graph;
  for (int round = 0; round < kMaxRounds; ++round) {
    const size_t size_before = current.size();
    current = runner.run("fold_constants", fold_constants, current);
    current = runner.run("simplify", simplify, current);
    current = runner.run("cse", common_subexpression_elimination, current);
    current = runner.run("dce", dead_code_elimination, current);
    if (current.size() >= size_before) break;
  }
  current = runner.run("batch_shared_matmul", batch_shared_matmul, current);
  current = runner.run("cse", common_subexpression_elimination, current);
  current = runner.run("dce", dead_code_elimination, current);
  return current;
}

}  // namespace inrarch::passes
