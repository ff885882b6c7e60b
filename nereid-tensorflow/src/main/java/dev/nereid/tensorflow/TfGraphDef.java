package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.GraphDef;

/**
 * A frozen GraphDef ({@code platform: "tensorflow_graphdef"}, file {@code model.graphdef}) imported
 * into a graph of its own with a session, as Triton's TensorFlow backend serves it.
 *
 * <p>TensorFlow Java cannot make INT8, INT16, UINT32 or UINT64 tensors, so placeholders of those types
 * are {@linkplain TfCarriers split} before import: Nereid feeds a carrier placeholder, which a
 * {@code Bitcast} under the original name turns back into the original type, bit for bit.
 *
 * @param original the GraphDef as the file holds it (its placeholders are the model's inputs)
 * @param graph the graph it was imported into, after the rewrite
 * @param session a session over that graph
 */
record TfGraphDef(GraphDef original, Graph graph, Session session) implements AutoCloseable {
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
      graph.importGraphDef(TfCarriers.withCarriers(original));
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

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
