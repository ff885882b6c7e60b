package dev.nereid.tensorflow;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.SequenceTensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;

/**
 * One TensorFlow session of a model, with the graph tensors its instances feed and fetch by config
 * name. An output of a type TensorFlow Java cannot hold (INT8, INT16, UINT32, UINT64) is fetched from a
 * {@code Bitcast} to its {@link TfTypes#carrier} added to the graph here, before any run; an input of
 * such a type is fed to the carrier placeholder {@link TfCarriers} put in front of it when the graph was
 * imported (a GraphDef, or a SavedModel loaded as {@link TfImportedSavedModel}).
 * Closing it closes the session and its graph.
 */
final class TfSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TfSession.class);

  private final Session session;
  private final AutoCloseable owner;
  private final Map<String, String> feeds = new HashMap<>();
  private final Map<String, String> fetches = new HashMap<>();

  /**
   * @param owner closes the session and its graph (a SavedModel bundle, an imported SavedModel, or a GraphDef)
   */
  TfSession(String model, Session session, Graph graph, AutoCloseable owner, TfSignature signature, ModelConfig config) {
    this.session = session;
    this.owner = owner;
    for (SequenceTensors.Tensor in : inputs(config)) {
      TfSignature.Spec spec = signature.inputs().get(in.name());
      feeds.put(in.name(), TfTypes.carried(in.type()) ? carrier(model, graph, in, spec) : spec.tensor());
    }
    Ops tf = Ops.create(graph).withSubScope("nereid_carrier");
    for (SequenceTensors.Tensor out : outputs(config)) {
      TfSignature.Spec spec = signature.outputs().get(out.name());
      DataType type = out.type();
      if (TfTypes.carried(type)) {
        int colon = spec.tensor().lastIndexOf(':');
        Output<?> source = graph.operation(spec.tensor().substring(0, colon))
            .output(Integer.parseInt(spec.tensor().substring(colon + 1)));
        String bitcast = tf.bitcast(source, TfTypes.tensorClass(TfTypes.carrier(type))).op().name();
        fetches.put(out.name(), bitcast + ":0");
        log.debug("model '{}': output '{}' ({}) fetched as {} from {}", model, out.name(), type, TfTypes.carrier(type),
            bitcast);
      } else {
        fetches.put(out.name(), spec.tensor());
      }
    }
  }

  /** The carrier placeholder {@link TfCarriers} put in front of the graph tensor of an input of a carried type. */
  private static String carrier(String model, Graph graph, SequenceTensors.Tensor in, TfSignature.Spec spec) {
    String carrier = TfCarriers.carrierTensor(spec.tensor());
    if (carrier == null || graph.operation(carrier.substring(0, carrier.lastIndexOf(':'))) == null) {
      throw new NereidException.Unsupported("model '" + model + "': input '" + in.name() + "' is "
          + in.type().configName() + ", which TensorFlow Java " + TfRuntime.VERSION + " cannot make tensors of; "
          + "Nereid feeds such an input to a placeholder of another type bitcast to it, but its tensor '"
          + spec.tensor() + "' is not a Placeholder's output");
    }
    return carrier;
  }

  /** Every tensor a run may feed, by name and type: the config's inputs, then sequence control and state. */
  static List<SequenceTensors.Tensor> inputs(ModelConfig config) {
    List<SequenceTensors.Tensor> all = new ArrayList<>();
    for (ModelInput in : config.getInputList()) {
      all.add(new SequenceTensors.Tensor(in.getName(), DataType.fromConfigNumber(in.getDataTypeValue())));
    }
    all.addAll(SequenceTensors.inputs(config));
    return all;
  }

  /** Every tensor a run may fetch, by name and type: the config's outputs, then sequence state. */
  static List<SequenceTensors.Tensor> outputs(ModelConfig config) {
    List<SequenceTensors.Tensor> all = new ArrayList<>();
    for (ModelOutput out : config.getOutputList()) {
      all.add(new SequenceTensors.Tensor(out.getName(), DataType.fromConfigNumber(out.getDataTypeValue())));
    }
    all.addAll(SequenceTensors.outputs(config));
    return all;
  }

  Session session() {
    return session;
  }

  /** The graph tensor fed with a config input, {@code op:index}. */
  String feed(String input) {
    return feeds.get(input);
  }

  /** The graph tensor fetched for a config output, {@code op:index}. */
  String fetch(String output) {
    return fetches.get(output);
  }

  @Override
  public void close() throws Exception {
    owner.close();
  }
}
