#include "cli/commands.h"

#include <cstdio>
#include <iostream>

namespace inrarch::cli {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) { return ir::shape_string(shape); }

void print_ops(const std::vector<std::pair<std::string, int>>& ops) {
  for (const auto& [name, count] : ops) std::printf(" %s=%d", name.c_str(), count);
  std::printf("\n");
}

}  // namespace

int run_info(const ModelOptions& options) {
  const ModelInfo info = describe_model(load_model(options));
  std::printf("model: %s\n", options.model.c_str());
  for (const auto& input : info.inputs)
    std::printf("input  %-12s %s%s\n", input.name.c_str(), input.dtype.c_str(), shape_text(input.shape).c_str());
  for (const auto& output : info.outputs)
    std::printf("output %-12s %s%s\n", output.name.c_str(), output.dtype.c_str(), shape_text(output.shape).c_str());
  std::printf("\n%-5s %-22s %-12s %-22s %s\n", "layer", "weight", "shape", "bias", "activation");
  int layer = 0;
  for (const auto& row : info.layers) {
    std::printf("%-5d %-22s %-12s %-22s %s\n", layer++, row.weight.c_str(), shape_text(row.shape).c_str(),
                row.bias.c_str(), row.activation.c_str());
  }
  std::printf("\nparameters: %lld\nmatmul MACs per point: %lld\nops:", static_cast<long long>(info.parameters),
              static_cast<long long>(info.macs_per_point));
  print_ops(info.ops);
  return 0;
}

int run_export(const ExportOptions& options) {
  export_model(load_model(options.model), options.output);
  std::printf("wrote %s\n", options.output.c_str());
  return 0;
}

int run_eval(const EvalOptions& options) {
  const EvalResult result = eval(options);
  std::printf("wrote %s %s\n", options.output.c_str(), shape_text(result.shape).c_str());
  return 0;
}

int run_grad(const GradOptions& options) {
  const GradResult result = grad(options);
  std::printf("wrote %s %s and %s\n", options.output.c_str(), shape_text(result.shape).c_str(),
              result.sidecar.c_str());
  return 0;
}

int run_graph(const GraphOptions& given) {
  GraphOptions options = given;
  options.print_to = &std::cout;
  const GraphReport report = graph(options);
  const auto print_histogram = [](const char* label, const GraphSummary& summary) {
    std::printf("%-7s nodes=%zu matmuls=%d MACs/point=%lld\n        ops:", label, summary.nodes, summary.matmuls,
                static_cast<long long>(summary.macs));
    print_ops(summary.ops);
  };
  std::printf("%s order %d, %s mode\n", options.model.model.c_str(), options.derivatives.order,
              options.derivatives.method.c_str());
  print_histogram("forward", report.forward);
  print_histogram("derived", report.derived);
  print_histogram("passes", report.optimized);
  if (options.stats) {
    std::printf("\n%-5s | %-6s | %8s | %7s | %12s | %8s | %s\n", "order", "method", "nodes", "matmuls", "MACs/point",
                "xforward", "Taylor bound C(n+d,d)x1.1");
    for (const auto& row : report.stats) {
      std::printf("%-5d | %-6s | %8zu | %7d | %12lld | %8.2f | %s (built in %.2fs)\n", row.order, row.method.c_str(),
                  row.summary.nodes, row.summary.matmuls, static_cast<long long>(row.summary.macs), row.times_forward,
                  row.method == "taylor" ? (row.within_bound ? "within" : "EXCEEDED") : "-", row.seconds);
    }
  }
  if (!options.dot.empty()) std::printf("wrote %s\n", options.dot.c_str());
  return 0;
}

int run_fit(const FitImageOptions& options) {
  const FitImageResult result = fit_image(options);
  std::printf("fitted %s to %s: PSNR %.2f dB, wrote %s\n", result.spec.c_str(),
              options.image.empty() ? "the default image" : options.image.c_str(), result.psnr, options.output.c_str());
  return 0;
}

int run_edit(const EditOptions& options) {
  const EditResult result = edit(options);
  std::printf("wrote %s (%s); vs the same filter on the decoded image in pixels: PSNR %.2f dB\n",
              options.output.c_str(), result.title.c_str(), result.psnr);
  return 0;
}

int run_demo(const DemoOptions& given) {
  DemoOptions options = given;
  options.log = [](const std::string& text) { std::fputs(text.c_str(), stdout); };
  return demo(options).csim_status;
}

int run_compile(const CompileOptions& options) {
  std::fputs(compile_report(options, compile_hls(options)).c_str(), stdout);
  return 0;
}

int run_csim(const CsimOptions& options) { return csim(options); }

int run_simulate(const SimulateOptions& options) {
  if (options.output.empty()) throw UserError("simulate: give the output directory with -o DIR");
  const SimulateResult result = simulate(options);
  std::fputs(result.text.c_str(), stdout);
  std::printf("wrote %s, %s, %s\n", result.files.at(0).c_str(), result.files.at(1).c_str(), result.files.at(2).c_str());
  return result.deadlock ? 3 : 0;
}

}  // namespace inrarch::cli
