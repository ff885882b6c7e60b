package dev.nereid.tensorflow;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * A frozen GraphDef ({@code platform: "tensorflow_graphdef"}, file {@code model.graphdef}) imported
 * into a graph of its own with a session, as Triton's TensorFlow backend serves it.
 *
 * <p>TensorFlow Java cannot make INT8, INT16, UINT32 or UINT64 tensors, so each placeholder of those
 * types is split before import: a placeholder of the {@linkplain TfTypes#carrier carrier} type under
 * {@link #carrierName} and, under the original name, a {@code Bitcast} of it to the original type. The
 * graph's own nodes see the same tensor as before, bit for bit.
 *
 * @param original the GraphDef as the file holds it (its placeholders are the model's inputs)
 * @param graph the graph it was imported into, after the rewrite
 * @param session a session over that graph
 */
record TfGraphDef(GraphDef original, Graph graph, Session session) implements AutoCloseable {
  private static final String CARRIER_SUFFIX = "__nereid_carrier";

  /** The name of the placeholder that carries input node {@code node} of a type TensorFlow Java cannot make. */
  static String carrierName(String node) {
    return node + CARRIER_SUFFIX;
  }

  /** Reads, rewrites and imports the GraphDef in {@code file}, and opens a session on it. */
  static TfGraphDef open(String model, Path file, TfSettings settings) {
    TfRuntime.require();
    GraphDef original;
    try (InputStream in = Files.newInputStream(file)) {
      original = GraphDef.parseFrom(in);
    } catch (IOException e) {
      throw new NereidException.Unavailable("model '" + model + "': cannot read " + file.getFileName()
          + " as a TensorFlow GraphDef: " + e.getMessage(), e);
    }
    Graph graph = new Graph();
    try {
      graph.importGraphDef(withCarriers(original));
      TfGraphDef loaded = new TfGraphDef(original, graph, new Session(graph, settings.sessionConfig()));
      graph = null;
      return loaded;
    } catch (RuntimeException e) {
      throw new NereidException.Unavailable("model '" + model + "': TensorFlow cannot import " + file.getFileName()
          + ": " + e.getMessage(), e);
    } finally {
      if (graph != null) graph.close();
    }
  }

  private static GraphDef withCarriers(GraphDef def) {
    GraphDef.Builder b = null;
    for (int i = 0; i < def.getNodeCount(); i++) {
      NodeDef node = def.getNode(i);
      if (!node.getOp().equals("Placeholder")) continue;
      DataType type = TfTypes.fromTf(node.getAttrOrDefault("dtype", AttrValue.getDefaultInstance()).getType());
      if (type == null || !TfTypes.carried(type)) continue;
      if (b == null) b = def.toBuilder();
      AttrValue carrier = AttrValue.newBuilder().setType(TfTypes.toTf(TfTypes.carrier(type))).build();
      b.setNode(i, NodeDef.newBuilder().setName(node.getName()).setOp("Bitcast").setDevice(node.getDevice())
          .addInput(carrierName(node.getName())).putAttr("T", carrier)
          .putAttr("type", AttrValue.newBuilder().setType(TfTypes.toTf(type)).build()));
      b.addNode(node.toBuilder().setName(carrierName(node.getName())).putAttr("dtype", carrier));
    }
    return b == null ? def : b.build();
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
