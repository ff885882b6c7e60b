package dev.nereid.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.UnloadOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every TensorFlow object a model makes (bundles and sessions, input tensors, run results) is closed:
 * 200 load, infer, unload cycles of a model with two instances leave the process's resident memory
 * where it was, within noise, beyond what TensorFlow itself keeps. TensorFlow keeps about 35 KB of
 * every SavedModel load, closed or not (200 bare {@code SavedModelBundle.load}/{@code close} calls in
 * the same process, measured here as well, grow it by about 7 MB); this model's config is complete and
 * its two instances share one session, so each cycle loads the SavedModel once, like the bare loop.
 * Run for a model TensorFlow's loader loads ({@code mlp}) and one Nereid loads by hand ({@code int8}:
 * an INT8 input, variables restored by the saver's restore op).
 */
class TensorFlowLoadUnloadMemoryTest {
  private static final int WARM_UP = 50;
  private static final int CYCLES = 200;
  private static final long NOISE_BYTES = 32L << 20;

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "int8"})
  void twoHundredLoadUnloadCyclesDoNotGrowResidentMemory(String model, @TempDir Path dir) throws Exception {
    String instances = """
        dynamic_batching { }
        instance_group [ { kind: KIND_CPU count: 2 } ]
        parameters { key: "MAX_SESSION_SHARE_COUNT" value: { string_value: "2" } }
        """;
    if (model.equals("mlp")) {
      SavedModels.export(dir, model, """
          platform: "tensorflow_savedmodel"
          max_batch_size: 8
          input [ { name: "x" data_type: TYPE_FP32 dims: [ 16 ] } ]
          output [ { name: "y" data_type: TYPE_FP32 dims: [ 8 ] } ]
          """ + instances, SavedModels::mlp);
    } else {
      // An input TensorFlow Java cannot make: loaded by hand (TfImportedSavedModel), variables restored.
      SavedModels.export(dir, model, """
          platform: "tensorflow_savedmodel"
          max_batch_size: 8
          input [ { name: "x" data_type: TYPE_INT8 dims: [ 3 ] } ]
          output [ { name: "y" data_type: TYPE_INT64 dims: [ 3 ] } ]
          """ + instances, SavedModels.weighted(DataType.INT8));
    }
    ServerOptions options = ServerOptions.builder().modelRepository(dir).modelControlMode(ModelControlMode.EXPLICIT)
        .build();
    try (Server server = new Server(options).start()) {
      cycles(server, model, WARM_UP);
      // Two windows, and the smaller growth counts: a leak grows both, while the heap or the allocator
      // settling under a loaded machine's GC timing grew one of them by 39 MB once.
      long first = growth(server, model);
      long second = growth(server, model);
      long bare = bareLoadGrowth(dir.resolve(model).resolve("1/model.savedmodel"), CYCLES);
      System.out.printf("VmRSS (%s): Nereid's %d cycles %+d KiB then %+d KiB, %d bare TensorFlow loads %+d KiB%n", model, CYCLES,
          first >> 10, second >> 10, CYCLES, bare >> 10);
      assertThat(Math.min(first, second)).as("VmRSS grew by %d KiB and %d KiB in two windows of %d cycles (bare loads: %+d KiB)",
          first >> 10, second >> 10, CYCLES, bare >> 10).isLessThan(Math.max(0, bare) + NOISE_BYTES);
    }
  }

  private static long growth(Server server, String model) throws IOException {
    long before = residentBytes();
    cycles(server, model, CYCLES);
    return residentBytes() - before;
  }

  private static void cycles(Server server, String model, int count) {
    Tensor x = model.equals("mlp") ? Tensor.of(new float[4 * 16], 4, 16)
        : Tensor.of(DataType.INT8, new long[] {4, 3}, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
    for (int i = 0; i < count; i++) {
      server.load(model);
      Tensor y = server.model(model).infer(Map.of("x", x)).next().output("y");
      assertThat(y.shape()).containsExactly(4, model.equals("mlp") ? 8 : 3);
      server.unload(model, UnloadOption.WAIT);
    }
    System.gc();
  }

  /** How much resident memory {@code count} bare SavedModel loads and closes add, with no Nereid code. */
  private static long bareLoadGrowth(Path savedModel, int count) throws IOException {
    long before = residentBytes();
    for (int i = 0; i < count; i++) {
      try (org.tensorflow.SavedModelBundle b = org.tensorflow.SavedModelBundle.loader(savedModel.toString())
          .withTags("serve").load()) {
        b.signatures();
      }
    }
    return residentBytes() - before;
  }

  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
