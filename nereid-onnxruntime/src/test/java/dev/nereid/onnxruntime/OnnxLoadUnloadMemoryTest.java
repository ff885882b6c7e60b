package dev.nereid.onnxruntime;

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
 * Every ORT object a model makes (sessions, options, run options, tensors, results) is closed: 1,000
 * load, infer, unload cycles leave the process's resident memory where it was, within noise, in at least
 * one of two windows.
 */
class OnnxLoadUnloadMemoryTest {
  private static final int WARM_UP = 200;
  private static final int CYCLES = 1000;
  private static final long NOISE_BYTES = 32L << 20;

  @Test
  void thousandLoadUnloadCyclesDoNotGrowResidentMemory(@TempDir Path dir) throws IOException {
    new TestRepository(dir).add("tiny", "identity_fp32.onnx", null);
    ServerOptions options = ServerOptions.builder().modelRepository(dir).modelControlMode(ModelControlMode.EXPLICIT)
        .build();
    try (Server server = new Server(options).start()) {
      cycles(server, WARM_UP);
      // Two windows, and the smaller growth counts: a leak grows both, while the heap or the allocator
      // settling under a loaded machine's GC timing grew a single window by 76 MB once (a fresh-clone
      // build beside another).
      long first = growth(server);
      long second = growth(server);
      assertThat(Math.min(first, second)).as("VmRSS grew by %d KiB and %d KiB in two windows of %d cycles",
          first >> 10, second >> 10, CYCLES).isLessThan(NOISE_BYTES);
    }
  }

  private static long growth(Server server) throws IOException {
    long before = residentBytes();
    cycles(server, CYCLES);
    return residentBytes() - before;
  }

  private static void cycles(Server server, int count) {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4, 1);
    for (int i = 0; i < count; i++) {
      server.load("tiny");
      float[] y = server.model("tiny").infer(Map.of("X", x)).next().output("Y").toFloatArray();
      assertThat(y).containsExactly(1, 2, 3, 4);
      server.unload("tiny", UnloadOption.WAIT);
    }
    System.gc();
  }

  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
