package dev.nereid.onnxruntime;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.nereid.DataType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the declared graph inputs straight from an ONNX file. Needed only for models with inputs
 * of ONNX's {@code optional} type: ORT's Java API cannot describe them ({@code getInputInfo} fails
 * with "Invalid ONNXType"), though it runs them fine. Streams the file and skips everything but
 * {@code ModelProto.graph.input}, so the weights are never held in memory.
 */
final class OnnxGraphReader {
  // Field numbers from onnx.proto.
  private static final int MODEL_GRAPH = 7;
  private static final int GRAPH_INPUT = 11;
  private static final int VALUE_INFO_NAME = 1;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TYPE_SEQUENCE = 4;
  private static final int TYPE_MAP = 5;
  private static final int TYPE_SPARSE_TENSOR = 8;
  private static final int TYPE_OPTIONAL = 9;
  private static final int OPTIONAL_ELEM_TYPE = 1;
  private static final int TENSOR_ELEM_TYPE = 1;
  private static final int TENSOR_SHAPE = 2;
  private static final int SHAPE_DIM = 1;
  private static final int DIM_VALUE = 1;

  private OnnxGraphReader() {}

  /** The graph's inputs by name, in order, initializers included (the caller filters by ORT's input names). */
  static Map<String, OnnxTensorSpec> inputs(Path modelFile) throws IOException {
    Map<String, OnnxTensorSpec> inputs = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(modelFile)) {
      CodedInputStream model = CodedInputStream.newInstance(in);
      model.setSizeLimit(Integer.MAX_VALUE);
      int tag;
      while ((tag = model.readTag()) != 0) {
        if (WireFormat.getTagFieldNumber(tag) == MODEL_GRAPH) {
          int limit = model.pushLimit(model.readRawVarint32());
          readGraph(model, inputs);
          model.popLimit(limit);
        } else {
          model.skipField(tag);
        }
      }
    }
    return inputs;
  }

  private static void readGraph(CodedInputStream graph, Map<String, OnnxTensorSpec> inputs) throws IOException {
    int tag;
    while ((tag = graph.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == GRAPH_INPUT) {
        OnnxTensorSpec spec = readValueInfo(CodedInputStream.newInstance(graph.readByteArray()));
        inputs.put(spec.name(), spec);
      } else {
        graph.skipField(tag);
      }
    }
  }

  private static OnnxTensorSpec readValueInfo(CodedInputStream info) throws IOException {
    String name = "";
    TypeSummary type = new TypeSummary(null, "unknown", new long[0], false);
    int tag;
    while ((tag = info.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case VALUE_INFO_NAME -> name = info.readStringRequireUtf8();
        case VALUE_INFO_TYPE -> type = readType(CodedInputStream.newInstance(info.readByteArray()), false);
        default -> info.skipField(tag);
      }
    }
    return new OnnxTensorSpec(name, type.dataType(), type.description(), type.dims(), type.optional());
  }

  private record TypeSummary(DataType dataType, String description, long[] dims, boolean optional) {}

  private static TypeSummary readType(CodedInputStream type, boolean optional) throws IOException {
    TypeSummary summary = new TypeSummary(null, "unknown", new long[0], optional);
    int tag;
    while ((tag = type.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case TYPE_TENSOR -> summary = readTensorType(CodedInputStream.newInstance(type.readByteArray()), optional);
        case TYPE_OPTIONAL -> summary = readOptional(CodedInputStream.newInstance(type.readByteArray()));
        case TYPE_SEQUENCE -> {
          type.skipField(tag);
          summary = new TypeSummary(null, "sequence", new long[0], optional);
        }
        case TYPE_MAP -> {
          type.skipField(tag);
          summary = new TypeSummary(null, "map", new long[0], optional);
        }
        case TYPE_SPARSE_TENSOR -> {
          type.skipField(tag);
          summary = new TypeSummary(null, "sparse tensor", new long[0], optional);
        }
        default -> type.skipField(tag);
      }
    }
    return summary;
  }

  private static TypeSummary readOptional(CodedInputStream optional) throws IOException {
    TypeSummary summary = new TypeSummary(null, "optional", new long[0], true);
    int tag;
    while ((tag = optional.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == OPTIONAL_ELEM_TYPE) {
        summary = readType(CodedInputStream.newInstance(optional.readByteArray()), true);
      } else {
        optional.skipField(tag);
      }
    }
    return summary;
  }

  private static TypeSummary readTensorType(CodedInputStream tensor, boolean optional) throws IOException {
    int elemType = 0;
    List<Long> dims = new ArrayList<>();
    int tag;
    while ((tag = tensor.readTag()) != 0) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case TENSOR_ELEM_TYPE -> elemType = tensor.readInt32();
        case TENSOR_SHAPE -> readShape(CodedInputStream.newInstance(tensor.readByteArray()), dims);
        default -> tensor.skipField(tag);
      }
    }
    DataType type = OrtTypes.fromOnnxProto(elemType);
    String description = "tensor(" + (type == null ? "element type " + elemType : type.name()) + ")";
    return new TypeSummary(type, description, dims.stream().mapToLong(Long::longValue).toArray(), optional);
  }

  private static void readShape(CodedInputStream shape, List<Long> dims) throws IOException {
    int tag;
    while ((tag = shape.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == SHAPE_DIM) {
        dims.add(readDim(CodedInputStream.newInstance(shape.readByteArray())));
      } else {
        shape.skipField(tag);
      }
    }
  }

  private static long readDim(CodedInputStream dim) throws IOException {
    long value = -1; // a named (symbolic) or absent dimension is variable
    int tag;
    while ((tag = dim.readTag()) != 0) {
      if (WireFormat.getTagFieldNumber(tag) == DIM_VALUE) {
        value = dim.readInt64();
      } else {
        dim.skipField(tag);
      }
    }
    return value;
  }
}
