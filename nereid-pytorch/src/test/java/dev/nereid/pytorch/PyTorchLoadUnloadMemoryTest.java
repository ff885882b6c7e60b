package dev.nereid.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.UnloadOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every libtorch object a model makes (modules, input and output tensors, argument and result
 * values) is freed: 200 load, infer, unload cycles of a model with two instances leave the process's
 * resident memory where it was, within noise.
 */
class PyTorchLoadUnloadMemoryTest {
  private static final int WARM_UP = 50;
  private static final int CYCLES = 200;
  private static final long NOISE_BYTES = 32L << 20;

  @Test
  void twoHundredLoadUnloadCyclesDoNotGrowResidentMemory(@TempDir Path dir) throws IOException {
    new TestRepository(dir).add("mlp", "mlp.pt", """
        backend: "pytorch"
        max_batch_size: 8
        input [ { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 16 ] } ]
        output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ 8 ] } ]
        instance_group [ { kind: KIND_CPU count: 2 } ]
        """);
    ServerOptions options = ServerOptions.builder().modelRepository(dir).modelControlMode(ModelControlMode.EXPLICIT)
        .build();
    try (Server server = new Server(options).start()) {
      cycles(server, WARM_UP);
      long before = residentBytes();
      cycles(server, CYCLES);
      long after = residentBytes();
      assertThat(after - before).as("VmRSS grew from %d KiB to %d KiB", before >> 10, after >> 10)
          .isLessThan(NOISE_BYTES);
    }
  }

  private static void cycles(Server server, int count) {
    Tensor x = Tensor.of(new float[4 * 16], 4, 16);
    for (int i = 0; i < count; i++) {
      server.load("mlp");
      float[] y = server.model("mlp").infer(Map.of("INPUT__0", x)).next().output("OUTPUT__0").toFloatArray();
      assertThat(y).hasSize(32);
      server.unload("mlp", UnloadOption.WAIT);
    }
    System.gc();
  }

  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
