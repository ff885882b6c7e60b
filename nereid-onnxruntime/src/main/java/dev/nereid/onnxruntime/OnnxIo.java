package dev.nereid.onnxruntime;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.nereid.DataType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inputs and outputs an ONNX model declares, in the model's order.
 *
 * @param inputs the graph inputs ORT expects (initializers excluded)
 * @param outputs the graph outputs
 */
record OnnxIo(Map<String, OnnxTensorSpec> inputs, Map<String, OnnxTensorSpec> outputs) {
  OnnxIo {
    inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  /** Reads a session's inputs and outputs; the file is read only for inputs ORT cannot describe. */
  static OnnxIo of(OrtSession session, Path modelFile) throws OrtException, IOException {
    return new OnnxIo(inputs(session, modelFile), describe(session.getOutputInfo()));
  }

  private static Map<String, OnnxTensorSpec> inputs(OrtSession session, Path modelFile)
      throws OrtException, IOException {
    try {
      return describe(session.getInputInfo());
    } catch (OrtException e) {
      // ORT's Java API throws on inputs of ONNX's optional type; read their declarations from the file.
      Map<String, OnnxTensorSpec> declared = OnnxGraphReader.inputs(modelFile);
      Map<String, OnnxTensorSpec> inputs = new LinkedHashMap<>();
      for (String name : session.getInputNames()) {
        OnnxTensorSpec spec = declared.get(name);
        if (spec == null) {
          throw e;
        }
        inputs.put(name, spec);
      }
      return inputs;
    }
  }

  private static Map<String, OnnxTensorSpec> describe(Map<String, NodeInfo> infos) {
    Map<String, OnnxTensorSpec> specs = new LinkedHashMap<>();
    for (NodeInfo node : infos.values()) {
      specs.put(node.getName(), describe(node.getName(), node.getInfo()));
    }
    return specs;
  }

  private static OnnxTensorSpec describe(String name, ValueInfo info) {
    if (info instanceof TensorInfo tensor) {
      DataType type = OrtTypes.toNereid(tensor.onnxType);
      String typeName = "tensor(" + (type == null ? tensor.onnxType.name() : type.name()) + ")";
      return new OnnxTensorSpec(name, type, typeName, tensor.getShape(), false);
    }
    String typeName = info instanceof SequenceInfo ? "sequence" : info instanceof MapInfo ? "map" : "unknown";
    return new OnnxTensorSpec(name, null, typeName, new long[0], false);
  }
}
