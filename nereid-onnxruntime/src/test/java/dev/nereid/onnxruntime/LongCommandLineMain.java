package dev.nereid.onnxruntime;

import dev.nereid.InferenceResponse;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads and runs the model in the repository given as the first argument, in a JVM of its own;
 * exits 0 when the answer is right. {@link OnnxLongCommandLineTest} starts it with a long command line.
 */
public final class LongCommandLineMain {
  private LongCommandLineMain() {}

  public static void main(String[] args) {
    try (Server server = new Server(ServerOptions.of(Path.of(args[0]))).start()) {
      InferenceResponse response = server.model("dynamic").infer(Map.of("X", Tensor.of(new float[] {1, 2}, 1, 2))).next();
      float[] y = response.output("Y").toFloatArray();
      System.exit(y.length == 2 && y[0] == 2f && y[1] == 4f ? 0 : 2);
    }
  }
}
