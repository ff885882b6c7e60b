package dev.nereid.tensorflow;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.SequenceTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The inputs and outputs of a model by the names Triton's TensorFlow backend uses in configs, with the
 * graph tensor each is fed to or fetched from: a SavedModel signature's keys, or a GraphDef's
 * placeholders and the config's outputs by node name. The config is checked against them at load, and
 * a SavedModel's auto-completed from them.
 *
 * @param source what they come from, for messages: {@code signature 'serving_default'}, {@code graph model.graphdef}
 * @param inputs the inputs by name, sorted
 * @param outputs the outputs by name, sorted
 */
record TfSignature(String source, Map<String, Spec> inputs, Map<String, Spec> outputs) {
  private static final Logger log = LoggerFactory.getLogger(TfSignature.class);
  static final int DEFAULT_MAX_BATCH_SIZE = 4;
  static final String DEFAULT_MAX_BATCH_SIZE_KEY = "default-max-batch-size";

  /**
   * One tensor of the signature.
   *
   * @param key its key in the signature
   * @param tensor the graph tensor, {@code op:index}
   * @param type its Nereid type, null for a TensorFlow type Nereid has none for
   * @param tfType TensorFlow's name of its type
   * @param dims its shape, -1 for unknown dimensions; null when even the rank is unknown
   */
  record Spec(String key, String tensor, DataType type, String tfType, long[] dims) {
    boolean variableFirstDim() {
      return dims != null && dims.length > 0 && dims[0] == -1;
    }
  }

  /** The signature {@code key} of a loaded bundle. */
  static TfSignature of(String model, SavedModelBundle bundle, String key) {
    return of(model, bundle.metaGraphDef(), key);
  }

  /**
   * The signature {@code key} of a SavedModel's meta graph (not the init op's {@code __saved_model_init_op},
   * which TensorFlow Java does not list as a signature either).
   */
  static TfSignature of(String model, MetaGraphDef meta, String key) {
    SignatureDef signature = key.equals(TfImportedSavedModel.INIT_OP_SIGNATURE) ? null
        : meta.getSignatureDefMap().get(key);
    if (signature == null) {
      Set<String> keys = new TreeSet<>(meta.getSignatureDefMap().keySet());
      keys.remove(TfImportedSavedModel.INIT_OP_SIGNATURE);
      throw new NereidException.InvalidArgument("model '" + model + "': the SavedModel has no signature '" + key
          + "' (its signatures: " + keys + "); parameter TF_SIGNATURE_DEF names the one to serve");
    }
    return new TfSignature("signature '" + key + "'", specs(signature.getInputsMap()), specs(signature.getOutputsMap()));
  }

  /**
   * A GraphDef's inputs and outputs as Triton names them: every {@code Placeholder} node is an input
   * named by the node ({@code x} is tensor {@code x:0}); the config's outputs name nodes ({@code y} is
   * {@code y:0}, {@code y:1} its second output), typed and shaped by TensorFlow's shape inference.
   *
   * @param def the GraphDef as read from the file, before any rewriting
   * @param graph the graph it was imported into
   */
  static TfSignature ofGraphDef(String model, String file, GraphDef def, Graph graph, ModelConfig config) {
    Map<String, Spec> inputs = new TreeMap<>();
    for (NodeDef node : def.getNodeList()) {
      if (!node.getOp().equals("Placeholder")) continue;
      org.tensorflow.proto.DataType type = node.getAttrOrDefault("dtype", AttrValue.getDefaultInstance()).getType();
      TensorShapeProto shape = node.getAttrOrDefault("shape", AttrValue.getDefaultInstance()).getShape();
      long[] dims = !node.containsAttr("shape") || shape.getUnknownRank() ? null
          : shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
      inputs.put(node.getName(), new Spec(node.getName(), node.getName() + ":0", TfTypes.fromTf(type), type.name(), dims));
    }
    Map<String, Spec> outputs = new TreeMap<>();
    if (config.getOutputCount() == 0) {
      throw new NereidException.InvalidArgument("model '" + model + "': the config lists no outputs; a "
          + "tensorflow_graphdef model's config names the nodes to fetch (TensorFlow GraphDefs are not auto-completed)");
    }
    List<String> names = new ArrayList<>();
    config.getOutputList().forEach(o -> names.add(o.getName()));
    SequenceTensors.outputs(config).forEach(t -> names.add(t.name()));
    for (String name : names) {
      String tensor = name.matches(".*:\\d+") ? name : name + ":0";
      int colon = tensor.lastIndexOf(':');
      GraphOperation op = graph.operation(tensor.substring(0, colon));
      int index = Integer.parseInt(tensor.substring(colon + 1));
      if (op == null || index >= op.numOutputs()) {
        throw new NereidException.InvalidArgument("model '" + model + "': config output '" + name
            + "' is not " + (op == null ? "a node" : "an output of node '" + op.name() + "' (it has " + op.numOutputs() + ")")
            + " of graph " + file);
      }
      Output<?> output = op.output(index);
      long[] dims = output.shape().isUnknown() ? null : output.shape().asArray();
      outputs.put(name, new Spec(name, tensor, TfTypes.fromTf(output.dataType()),
          output.dataType().name(), dims));
    }
    return new TfSignature("graph " + file, inputs, outputs);
  }

  private static Map<String, Spec> specs(Map<String, TensorInfo> tensors) {
    Map<String, Spec> out = new TreeMap<>();
    tensors.forEach((k, t) -> {
      TensorShapeProto shape = t.getTensorShape();
      long[] dims = shape.getUnknownRank() ? null
          : shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
      out.put(k, new Spec(k, t.getName(), TfTypes.fromTf(t.getDtype()), t.getDtype().name(), dims));
    });
    return out;
  }

  /**
   * Triton's auto-complete for SavedModels: batching when every input and output has a variable first
   * dimension and the config leaves {@code max_batch_size} 0 ({@code default-max-batch-size}, 4); all
   * inputs when the config lists none; all outputs when it lists none, and the types and dims of listed
   * ones it leaves out; an empty {@code dynamic_batching} for a batching model with no scheduler.
   */
  ModelConfig complete(String model, ModelConfig config, Map<String, String> backendConfig) {
    ModelConfig.Builder b = config.toBuilder();
    boolean batchable = inputs.values().stream().allMatch(Spec::variableFirstDim)
        && outputs.values().stream().allMatch(Spec::variableFirstDim);
    if (batchable && b.getMaxBatchSize() == 0) {
      b.setMaxBatchSize(defaultMaxBatchSize(model, backendConfig));
      log.info("model '{}': {} has a variable first dimension everywhere; max_batch_size set to {}",
          model, source, b.getMaxBatchSize());
    }
    if (b.getMaxBatchSize() > 1 && !b.hasDynamicBatching() && !b.hasSequenceBatching()) {
      b.setDynamicBatching(ModelDynamicBatching.getDefaultInstance());
    }
    boolean batching = b.getMaxBatchSize() > 0;
    Set<String> sequenceTensors = new HashSet<>();
    SequenceTensors.inputs(config).forEach(t -> sequenceTensors.add(t.name()));
    SequenceTensors.outputs(config).forEach(t -> sequenceTensors.add(t.name()));
    if (b.getInputCount() == 0) {
      for (Spec s : inputs.values()) {
        if (!sequenceTensors.contains(s.key())) {
          b.addInput(completeInput(model, ModelInput.newBuilder().setName(s.key()), s, batching));
        }
      }
    } else {
      for (ModelInput.Builder in : b.getInputBuilderList()) {
        Spec s = inputs.get(in.getName());
        if (s != null) completeInput(model, in, s, batching);
      }
    }
    if (b.getOutputCount() == 0) {
      for (Spec s : outputs.values()) {
        if (!sequenceTensors.contains(s.key())) {
          b.addOutput(completeOutput(model, ModelOutput.newBuilder().setName(s.key()), s, batching));
        }
      }
    } else {
      for (ModelOutput.Builder out : b.getOutputBuilderList()) {
        Spec s = outputs.get(out.getName());
        if (s != null) completeOutput(model, out, s, batching);
      }
    }
    return b.build();
  }

  private static ModelInput.Builder completeInput(String model, ModelInput.Builder in, Spec s, boolean batching) {
    if (in.getDataTypeValue() == 0) in.setDataTypeValue(protoType(model, "input", s));
    if (in.getDimsCount() == 0 && s.dims() != null) in.addAllDims(dims(s, batching));
    return in;
  }

  private static ModelOutput.Builder completeOutput(String model, ModelOutput.Builder out, Spec s, boolean batching) {
    if (out.getDataTypeValue() == 0) out.setDataTypeValue(protoType(model, "output", s));
    if (out.getDimsCount() == 0 && s.dims() != null) out.addAllDims(dims(s, batching));
    return out;
  }

  private static List<Long> dims(Spec s, boolean batching) {
    return Arrays.stream(s.dims(), batching && s.dims().length > 0 ? 1 : 0, s.dims().length).boxed().toList();
  }

  private static int protoType(String model, String kind, Spec s) {
    if (s.type() == null) {
      throw new NereidException.Unsupported("model '" + model + "': " + kind + " '" + s.key() + "' is " + s.tfType()
          + ", which Nereid cannot serve");
    }
    return s.type().configNumber();
  }

  private static int defaultMaxBatchSize(String model, Map<String, String> backendConfig) {
    String configured = backendConfig.get(DEFAULT_MAX_BATCH_SIZE_KEY);
    if (configured == null) return DEFAULT_MAX_BATCH_SIZE;
    try {
      return Math.max(0, Integer.parseInt(configured.strip()));
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument("model '" + model + "': backend config tensorflow,"
          + DEFAULT_MAX_BATCH_SIZE_KEY + " must be an integer, got '" + configured + "'");
    }
  }

  /**
   * Refuses a config that disagrees with the signature, naming the tensor: an unknown input or output,
   * another data type, an incompatible shape, or a signature input the config leaves out.
   */
  void check(String model, ModelConfig config) {
    boolean batching = config.getMaxBatchSize() > 0;
    for (ModelInput in : config.getInputList()) {
      Spec s = inputs.get(in.getName());
      if (s == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': config input '" + in.getName()
            + "' is not an input of " + source + " (its inputs: " + inputs.keySet() + ")");
      }
      DataType type = DataType.fromConfigNumber(in.getDataTypeValue());
      checkTensor(model, "input", in.getName(), type, dimsOf(in.getDimsList()), s, batching);
    }
    Set<String> fed = new HashSet<>();
    config.getInputList().forEach(i -> fed.add(i.getName()));
    // Inputs the sequence batcher adds to every request: control tensors and implicit state.
    for (SequenceTensors.Tensor extra : SequenceTensors.inputs(config)) {
      Spec s = inputs.get(extra.name());
      if (s == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': sequence_batching names input '"
            + extra.name() + "', which is not an input of " + source + " (its inputs: " + inputs.keySet() + ")");
      }
      if (s.type() != extra.type()) {
        throw new NereidException.InvalidArgument("model '" + model + "': sequence_batching input '" + extra.name()
            + "' is " + extra.type().configName() + " in the config, but " + source + " declares "
            + (s.type() == null ? s.tfType() : s.type().configName()));
      }
      fed.add(extra.name());
    }
    for (SequenceTensors.Tensor state : SequenceTensors.outputs(config)) {
      if (!outputs.containsKey(state.name())) {
        throw new NereidException.InvalidArgument("model '" + model + "': sequence_batching state output '"
            + state.name() + "' is not an output of " + source + " (its outputs: " + outputs.keySet() + ")");
      }
    }
    for (Spec s : inputs.values()) {
      if (!fed.contains(s.key())) {
        throw new NereidException.InvalidArgument("model '" + model + "': " + source + " needs input '"
            + s.key() + "', which the config does not list");
      }
    }
    for (ModelOutput out : config.getOutputList()) {
      Spec s = outputs.get(out.getName());
      if (s == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': config output '" + out.getName()
            + "' is not an output of " + source + " (its outputs: " + outputs.keySet() + ")");
      }
      checkTensor(model, "output", out.getName(), DataType.fromConfigNumber(out.getDataTypeValue()),
          dimsOf(out.getDimsList()), s, batching);
    }
  }

  private void checkTensor(String model, String kind, String name, DataType type, long[] dims, Spec s, boolean batching) {
    if (s.type() != type) {
      throw new NereidException.InvalidArgument("model '" + model + "': " + kind + " '" + name + "' has data_type "
          + type.configName() + " in the config, but " + source + " declares "
          + (s.type() == null ? s.tfType() : s.type().configName()));
    }
    if (s.dims() == null) return;
    long[] full = dims;
    if (batching) {
      full = new long[dims.length + 1];
      full[0] = -1;
      System.arraycopy(dims, 0, full, 1, dims.length);
    }
    boolean compatible = full.length == s.dims().length;
    for (int i = 0; compatible && i < full.length; i++) {
      compatible = s.dims()[i] == -1 || full[i] == s.dims()[i];
    }
    if (!compatible) {
      throw new NereidException.InvalidArgument("model '" + model + "': " + kind + " '" + name + "' has shape "
          + Arrays.toString(full) + " in the config" + (batching ? " (batch dimension first)" : "")
          + ", but " + source + " declares " + Arrays.toString(s.dims()));
    }
  }

  private static long[] dimsOf(List<Long> dims) {
    return dims.stream().mapToLong(Long::longValue).toArray();
  }
}
