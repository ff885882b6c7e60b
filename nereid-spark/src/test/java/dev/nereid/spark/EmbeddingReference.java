package dev.nereid.spark;

import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.Map;

/** text_embedding through the plain in-process API, one sentence per request: what the Spark jobs must equal. */
final class EmbeddingReference implements AutoCloseable {
  static final Path EXAMPLES = Path.of("..", "examples", "models").toAbsolutePath().normalize();

  private final Server server = new Server(ServerOptions.builder()
      .modelRepository(EXAMPLES)
      .modelControlMode(ModelControlMode.EXPLICIT)
      .startupModel("text_embedding")
      .build()).start();

  float[] embed(String text) {
    return server.model("text_embedding").infer(Map.of("text", Tensor.of(new String[] {text}, 1, 1)))
        .next().output("embedding").toFloatArray();
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Override
  public void close() {
    server.close();
  }
}
