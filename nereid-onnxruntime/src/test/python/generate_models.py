#!/usr/bin/python3
"""Writes the small ONNX models the nereid-onnxruntime tests load.

Run it with Debian's interpreter (apt-get install -y python3-onnx python3-numpy):
    /usr/bin/python3 nereid-onnxruntime/src/test/python/generate_models.py
The outputs are committed under src/test/resources/models; tests never run this script.
Graphs are built with onnx.helper so every file is a few hundred bytes and its content is exact.
"""
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "models")
# The benchmarks (nereid-bench) ship two of these models as resources of their own.
BENCH = os.path.join(HERE, "..", "..", "..", "..", "nereid-bench", "src", "main", "resources", "models")
OPSET = 17

# Nereid type name -> ONNX element type, for the per-type models.
TYPES = {
    "bool": T.BOOL, "uint8": T.UINT8, "uint16": T.UINT16, "uint32": T.UINT32, "uint64": T.UINT64,
    "int8": T.INT8, "int16": T.INT16, "int32": T.INT32, "int64": T.INT64,
    "fp16": T.FLOAT16, "bf16": T.BFLOAT16, "fp32": T.FLOAT, "fp64": T.DOUBLE,
}


def save(graph, name, **save_args):
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)], producer_name="nereid-tests")
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if "location" in save_args:
        # onnx appends external data to an existing file; start from none so reruns give the same bytes
        data = os.path.join(os.path.dirname(path), save_args["location"])
        if os.path.exists(data):
            os.remove(data)
    onnx.save_model(model, path, **save_args)
    print("wrote", os.path.relpath(path, OUT))


def value(name, elem_type, dims):
    return h.make_tensor_value_info(name, elem_type, dims)


def simple(elem_type, name):
    """Triton's `simple` model: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1, all [-1,16]."""
    graph = h.make_graph(
        [h.make_node("Add", ["INPUT0", "INPUT1"], ["OUTPUT0"]),
         h.make_node("Sub", ["INPUT0", "INPUT1"], ["OUTPUT1"])],
        "simple",
        [value("INPUT0", elem_type, ["batch", 16]), value("INPUT1", elem_type, ["batch", 16])],
        [value("OUTPUT0", elem_type, ["batch", 16]), value("OUTPUT1", elem_type, ["batch", 16])])
    save(graph, name)


def typed(type_name, elem_type):
    """Y = X unchanged, and Y_FP64 = X cast to double: proves ORT read the elements as the right type."""
    graph = h.make_graph(
        [h.make_node("Identity", ["X"], ["Y"]),
         h.make_node("Cast", ["X"], ["Y_FP64"], to=T.DOUBLE)],
        "typed_" + type_name,
        [value("X", elem_type, ["batch", "n"])],
        [value("Y", elem_type, ["batch", "n"]), value("Y_FP64", T.DOUBLE, ["batch", "n"])])
    save(graph, "types/%s.onnx" % type_name)


def string_identity():
    graph = h.make_graph([h.make_node("Identity", ["INPUT0"], ["OUTPUT0"])], "string_identity",
                         [value("INPUT0", T.STRING, ["batch", "n"])], [value("OUTPUT0", T.STRING, ["batch", "n"])])
    save(graph, "string_identity.onnx")


def dynamic():
    """Every dimension variable: Y = 2 * X."""
    two = numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two")
    graph = h.make_graph([h.make_node("Mul", ["X", "two"], ["Y"])], "dynamic",
                         [value("X", T.FLOAT, ["a", "b"])], [value("Y", T.FLOAT, ["a", "b"])], initializer=[two])
    save(graph, "dynamic.onnx")


def static():
    """Fixed shape [2,3], so it cannot batch: Y = X + 1."""
    one = numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")
    graph = h.make_graph([h.make_node("Add", ["X", "one"], ["Y"])], "static",
                         [value("X", T.FLOAT, [2, 3])], [value("Y", T.FLOAT, [2, 3])], initializer=[one])
    save(graph, "static.onnx")


def reduce_to_scalar():
    """Batchable input but a scalar output (Y = sum of X), so the model as a whole cannot batch."""
    graph = h.make_graph([h.make_node("ReduceSum", ["X"], ["Y"], keepdims=0)], "reduce",
                         [value("X", T.FLOAT, ["batch", 4])], [value("Y", T.FLOAT, [])])
    save(graph, "reduce.onnx")


def optional_input():
    """Y = X + B, where B is an ONNX optional input: left out, it counts as zeros."""
    then_graph = h.make_graph([h.make_node("OptionalGetElement", ["B"], ["b_given"])], "given", [],
                              [value("b_given", T.FLOAT, [4])])
    zeros = h.make_tensor("zeros", T.FLOAT, [4], [0, 0, 0, 0])
    else_graph = h.make_graph([h.make_node("Constant", [], ["b_zero"], value=zeros)], "absent", [],
                              [value("b_zero", T.FLOAT, [4])])
    optional_b = h.make_optional_type_proto(h.make_tensor_type_proto(T.FLOAT, [4]))
    graph = h.make_graph(
        [h.make_node("OptionalHasElement", ["B"], ["has_b"]),
         h.make_node("If", ["has_b"], ["b"], then_branch=then_graph, else_branch=else_graph),
         h.make_node("Add", ["X", "b"], ["Y"])],
        "optional_input",
        [value("X", T.FLOAT, ["n", 4]), h.make_value_info("B", optional_b)],
        [value("Y", T.FLOAT, ["n", 4])])
    save(graph, "optional_input.onnx")


def identity_fp32():
    """A vector in, the same vector out: the benchmark's 64 MiB identity and the load/unload test's tiny model."""
    graph = h.make_graph([h.make_node("Identity", ["X"], ["Y"])], "identity_fp32",
                         [value("X", T.FLOAT, ["n"])], [value("Y", T.FLOAT, ["n"])])
    save(graph, "identity_fp32.onnx")


def external_data():
    """Y = X + W, with W kept in weights.bin beside the model: the folder form of model.onnx."""
    w = numpy_helper.from_array(np.array([1, 2, 3, 4], dtype=np.float32), "W")
    graph = h.make_graph([h.make_node("Add", ["X", "W"], ["Y"])], "external",
                         [value("X", T.FLOAT, ["batch", 4])], [value("Y", T.FLOAT, ["batch", 4])], initializer=[w])
    save(graph, "external/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
         location="weights.bin", size_threshold=0)


def reshape_error():
    """Y = X reshaped to [2,-1]: fails inside ONNX Runtime when X has an odd number of elements."""
    shape = numpy_helper.from_array(np.array([2, -1], dtype=np.int64), "shape")
    graph = h.make_graph([h.make_node("Reshape", ["X", "shape"], ["Y"])], "reshape_error",
                         [value("X", T.FLOAT, ["n"])], [value("Y", T.FLOAT, [2, "m"])], initializer=[shape])
    save(graph, "reshape_error.onnx")


def int32_int8_int8(batch, name):
    """Triton's QA model onnx_int32_int8_int8, which its L0_model_config autofill cases are run against:
    OUTPUT0 = INPUT0 + INPUT1 and OUTPUT1 = INPUT0 - INPUT1, computed in INT32 and cast to INT8, all
    [batch, 16]; with batch None every dimension is fixed ([16]) and the model cannot batch."""
    dims = ["batch", 16] if batch else [16]
    graph = h.make_graph(
        [h.make_node("Add", ["INPUT0", "INPUT1"], ["sum"]),
         h.make_node("Sub", ["INPUT0", "INPUT1"], ["difference"]),
         h.make_node("Cast", ["sum"], ["OUTPUT0"], to=T.INT8),
         h.make_node("Cast", ["difference"], ["OUTPUT1"], to=T.INT8)],
        "int32_int8_int8",
        [value("INPUT0", T.INT32, dims), value("INPUT1", T.INT32, dims)],
        [value("OUTPUT0", T.INT8, dims), value("OUTPUT1", T.INT8, dims)])
    save(graph, name)


if __name__ == "__main__":
    simple(T.INT32, "simple_int32.onnx")
    simple(T.FLOAT, "simple_fp32.onnx")
    for type_name, elem_type in TYPES.items():
        typed(type_name, elem_type)
    string_identity()
    dynamic()
    static()
    reduce_to_scalar()
    optional_input()
    identity_fp32()
    external_data()
    reshape_error()
    int32_int8_int8(True, "autofill/int32_int8_int8.onnx")
    int32_int8_int8(False, "autofill/int32_int8_int8_nobatch.onnx")
    for name in ("identity_fp32.onnx", "simple_fp32.onnx"):
        shutil.copyfile(os.path.join(OUT, name), os.path.join(BENCH, name))
        print("copied", name, "to nereid-bench")
