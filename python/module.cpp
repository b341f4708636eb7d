// inrarch._core: the pybind11 binding of the public C++ API (include/inrarch/). It holds no logic
// of its own beyond moving data: NumPy buffers in (read in place), NumPy buffers out (written
// once), errors as Python exceptions, the GIL released while the library computes. The pure-Python
// layer (python/inrarch/) gives it the documented interface.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "inrarch/derivatives.h"
#include "inrarch/design.h"
#include "inrarch/model.h"

namespace py = pybind11;

namespace inrarch {
namespace {

py::dict info_dict(const ModelInfo& info) {
  const auto tensors = [](const std::vector<TensorInfo>& list) {
    py::list result;
    for (const auto& tensor : list) {
      result.append(py::dict(py::arg("name") = tensor.name, py::arg("dtype") = tensor.dtype,
                             py::arg("shape") = tensor.shape));
    }
    return result;
  };
  py::list layers;
  for (const auto& layer : info.layers) {
    layers.append(py::dict(py::arg("weight") = layer.weight, py::arg("shape") = layer.shape,
                           py::arg("bias") = layer.bias, py::arg("activation") = layer.activation));
  }
  py::dict ops;
  for (const auto& [name, count] : info.ops) ops[py::str(name)] = count;
  return py::dict(py::arg("inputs") = tensors(info.inputs), py::arg("outputs") = tensors(info.outputs),
                  py::arg("layers") = layers, py::arg("parameters") = info.parameters,
                  py::arg("macs_per_point") = info.macs_per_point, py::arg("ops") = ops);
}

py::object json_to_python(const nlohmann::json& json) {
  return py::module_::import("json").attr("loads")(json.dump());
}

// Runs the evaluator on a C-contiguous [P, d] array into a new array of the same dtype, with the
// GIL released; between chunks it takes the GIL back to let Python handle signals (Ctrl-C raises
// KeyboardInterrupt there).
template <typename T>
py::array_t<T> run(Evaluator& evaluator, const py::array_t<T, py::array::c_style>& points) {
  if (points.ndim() != 2) {
    throw UserError("points must have shape [P, " + std::to_string(evaluator.dims()) + "], got " +
                    std::to_string(points.ndim()) + " axes");
  }
  const int64_t count = points.shape(0);
  py::array_t<T> values(evaluator.output_shape(count));
  const std::span<const T> in(points.data(), static_cast<size_t>(points.size()));
  const std::span<T> out(values.mutable_data(), static_cast<size_t>(values.size()));
  PointsView view{.dims = points.shape(1)};
  ValuesView sink;
  if constexpr (std::is_same_v<T, float>) {
    view.f32 = in;
    sink.f32 = out;
  } else {
    view.f64 = in;
    sink.f64 = out;
  }
  const auto check_signals = [](int64_t, int64_t) {
    const py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  {
    const py::gil_scoped_release released;
    evaluator.run(view, sink, check_signals);
  }
  return values;
}

}  // namespace
}  // namespace inrarch

PYBIND11_MODULE(_core, m) {
  using namespace inrarch;
  m.doc() = "inrarch's C++ library (include/inrarch/); use the `inrarch` package, not this module.";
  py::register_exception<UserError>(m, "InrarchError", PyExc_ValueError);

  py::class_<ir::Graph>(m, "Graph", "A model or derivative graph (the IR).")
      .def("info", [](const ir::Graph& graph) { return info_dict(describe_model(graph)); })
      .def("coordinate_input", [](const ir::Graph& graph) {
        const CoordinateInput input = coordinate_input(graph);
        return py::make_tuple(input.name, input.dims);
      })
      .def("export", [](const ir::Graph& graph, const std::string& path) { export_model(graph, path); });

  m.def(
      "load_model", [](const std::string& model, const std::string& dtype) { return load_model({model, dtype}); },
      py::arg("model"), py::arg("dtype"));
  m.def(
      "derivative_graph",
      [](const ir::Graph& forward, int order, const std::string& method, const std::string& layout, int insp_calls) {
        const py::gil_scoped_release released;
        return derivative_graph(forward, {order, method, layout, insp_calls});
      },
      py::arg("forward"), py::arg("order"), py::arg("method"), py::arg("layout"), py::arg("insp_calls"));
  m.def("multi_indices", &multi_indices, py::arg("dims"), py::arg("order"));
  m.def("multi_index_names", &multi_index_names, py::arg("dims"), py::arg("order"));

  py::class_<Evaluator>(m, "Evaluator", "A graph compiled for an executor, run on NumPy points.")
      .def(py::init([](const ir::Graph& graph, const std::string& engine, int threads) {
             const py::gil_scoped_release released;
             return Evaluator(graph, {engine, threads});
           }),
           py::arg("graph"), py::arg("engine"), py::arg("threads"))
      .def_property_readonly("dims", &Evaluator::dims)
      .def("output_shape", &Evaluator::output_shape, py::arg("points"))
      .def("run", &run<float>, py::arg("points").noconvert())
      .def("run", &run<double>, py::arg("points").noconvert());

  m.def(
      "compile_hls",
      [](const std::string& model, const DesignOptions& design, int64_t test_points, const std::string& output) {
        CompileOptions options{model, design, test_points, output};
        CompileResult result;
        {
          const py::gil_scoped_release released;
          result = compile_hls(options);
        }
        return py::dict(py::arg("directory") = output, py::arg("fifo_sizing") = result.sizing,
                        py::arg("number") = result.number, py::arg("number_note") = result.number_note,
                        py::arg("warnings") = result.warnings, py::arg("processes") = result.processes,
                        py::arg("streams") = result.streams, py::arg("fifo_elements") = result.fifo_elements,
                        py::arg("tile_points") = result.tile, py::arg("report") = compile_report(options, result));
      },
      py::arg("model"), py::arg("design"), py::arg("test_points"), py::arg("output"));
  m.def(
      "simulate",
      [](const std::string& model, const DesignOptions& design, int64_t num_points, bool exact_run,
         const std::string& output) {
        SimulateOptions options{model, design, num_points, exact_run, 25, output};
        SimulateResult result;
        {
          const py::gil_scoped_release released;
          result = simulate(options);
        }
        py::dict report = json_to_python(result.report);
        report["text"] = result.text;
        report["files"] = result.files;
        return report;
      },
      py::arg("model"), py::arg("design"), py::arg("num_points"), py::arg("exact_run"), py::arg("output"));
  m.def(
      "csim",
      [](const std::string& directory, int depth) {
        const py::gil_scoped_release released;
        return csim({directory, depth});
      },
      py::arg("directory"), py::arg("depth"));

  py::class_<DesignOptions>(m, "DesignOptions", "The design choices compile_hls and simulate share.")
      .def(py::init<>())
      .def_readwrite("order", &DesignOptions::order)
      .def_readwrite("method", &DesignOptions::method)
      .def_readwrite("tile", &DesignOptions::tile)
      .def_readwrite("dtype", &DesignOptions::dtype)
      .def_readwrite("part", &DesignOptions::part)
      .def_readwrite("clock_ns", &DesignOptions::clock_ns)
      .def_readwrite("block", &DesignOptions::block)
      .def_readwrite("parallel", &DesignOptions::parallel)
      .def_readwrite("dsp_budget", &DesignOptions::dsp_budget)
      .def_readwrite("fifo_strategy", &DesignOptions::fifo_strategy)
      .def_readwrite("kernels", &DesignOptions::kernels);
}
