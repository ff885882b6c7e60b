package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model may run on an event loop only once the server has measured it as fast. */
class FastModelsTest {
  @TempDir Path repository;

  private void identity(String name, String extraConfig) throws Exception {
    Path dir = Files.createDirectories(repository.resolve(name).resolve("1")).getParent();
    Files.writeString(dir.resolve("config.pbtxt"), "backend: \"identity\"\nmax_batch_size: 0\n"
        + "input [ { name: \"INPUT0\" data_type: TYPE_INT32 dims: [ -1 ] } ]\n"
        + "output [ { name: \"OUTPUT0\" data_type: TYPE_INT32 dims: [ -1 ] } ]\n" + extraConfig);
  }

  private static long meanComputeNanos(Model model) {
    long ns = 0;
    long count = 0;
    for (dev.nereid.ModelStatistics s : model.statistics()) {
      var i = s.inferenceStats();
      ns += i.computeInput().ns() + i.computeInfer().ns() + i.computeOutput().ns();
      count += s.executionCount();
    }
    return ns / count;
  }

  @Test
  void fastOnlyWhenMeasuredUnderTheLimit() throws Exception {
    identity("quick", "");
    identity("slow", "parameters [ { key: \"execute_delay_ms\" value: { string_value: \"5\" } } ]\n");
    try (Server server = new Server(ServerOptions.of(repository)).start()) {
      FastModels fast = new FastModels();
      Model quick = server.model("quick");
      Model slow = server.model("slow");
      Route quickRoute = Route.of("/v2/models/quick/infer");
      Route slowRoute = Route.of("/v2/models/slow/infer");
      assertThat(fast.fast(quick, quickRoute)).as("no statistics yet").isFalse();
      for (int i = 0; i < 200; i++) {
        quick.infer(InferenceRequest.builder().input("INPUT0", new int[] {i}).build()).next();
      }
      for (int i = 0; i < 2; i++) {
        slow.infer(InferenceRequest.builder().input("INPUT0", new int[] {i}).build()).next();
      }
      FastModels fresh = new FastModels(); // the first verdict is kept for a while; a new one looks again
      // The verdict follows what the server measured; how fast the quick model measures depends on the
      // machine's load (other builds run beside this one), so the test compares with the measurement
      // rather than assuming the quick model came out under the limit.
      assertThat(fresh.fast(quick, quickRoute)).isEqualTo(meanComputeNanos(quick) < FastModels.FAST_NANOS);
      assertThat(fresh.fast(slow, slowRoute)).as("5 ms an execution is never fast").isFalse();
    }
  }
}
