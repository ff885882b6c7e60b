package dev.nereid.bench;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The python backend's cost beside the Java backends', in the same run: an identity model in
 * {@code model.py} (a stub process, the Unix socket, shared memory for large tensors), the built-in
 * identity backend (Java, in process, hands the input back without a copy) and ONNX Runtime's Identity
 * (copies its output once), called in turn, round after round, through {@code Model.infer}.
 *
 * <pre>
 * java -cp nereid-bench/target/benchmarks.jar dev.nereid.bench.PythonBackendBench [small requests=20000] [large rounds=20] [rounds=3]
 * </pre>
 *
 * Prints, per round and model: small FP32 [1,16] round trips (p50, p99, mean, requests/s, one caller)
 * and 64 MiB FP32 round trips (ms, and GB/s per direction: 64 MiB in and 64 MiB out per round trip).
 */
public final class PythonBackendBench {
  private PythonBackendBench() {}

  public static void main(String[] args) throws Exception {
    int small = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int large = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    try (BenchRepository repository = new BenchRepository()) {
      Path root = repository.root();
      String io = """
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
          instance_group [ { kind: KIND_CPU count: 1 } ]
          """;
      Files.createDirectories(root.resolve("java_identity/1"));
      Files.writeString(root.resolve("java_identity/config.pbtxt"), "backend: \"identity\"\n" + io);
      Files.createDirectories(root.resolve("python_identity/1"));
      Files.writeString(root.resolve("python_identity/config.pbtxt"), "backend: \"python\"\n" + io);
      Files.writeString(root.resolve("python_identity/1/model.py"), """
          import triton_python_backend_utils as pb_utils

          class TritonPythonModel:
              def execute(self, requests):
                  return [pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0",
                          pb_utils.get_input_tensor_by_name(r, "INPUT0").as_numpy())]) for r in requests]
          """);
      // The ONNX Runtime backend's identity copies its output once (out of ORT's memory): a reference
      // for the copies the python backend makes (into shared memory, and out of it).
      repository.copyModel("onnx_identity", "/models/identity_fp32.onnx", """
          platform: "onnxruntime_onnx"
          max_batch_size: 0
          input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
          output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
          """);
      try (Server server = new Server(ServerOptions.of(root)).start()) {
        for (int round = 1; round <= rounds; round++) {
          for (String name : new String[] {"java_identity", "onnx_identity", "python_identity"}) {
            boolean onnx = name.startsWith("onnx");
            Model model = server.model(name);
            smallRound(round, name, model, request(16, onnx), small);
            largeRound(round, name, model, request(16 * 1024 * 1024, onnx), large);
          }
        }
      }
    }
  }

  private static InferenceRequest request(int elements, boolean onnx) {
    ByteBuffer data = ByteBuffer.allocateDirect(elements * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < elements; i++) data.putFloat(i * 4, i);
    return onnx
        ? InferenceRequest.builder().input("X", Tensor.of(DataType.FP32, new long[] {elements}, data)).build()
        : InferenceRequest.builder().input("INPUT0", Tensor.of(DataType.FP32, new long[] {1, elements}, data)).build();
  }

  private static long roundTrip(Model model, InferenceRequest request) {
    try (ResponseIterator responses = model.infer(request)) {
      var response = responses.next();
      return response.outputs().values().iterator().next().byteSize();
    }
  }

  private static void smallRound(int round, String name, Model model, InferenceRequest request, int count) {
    for (int i = 0; i < count / 4; i++) roundTrip(model, request);
    long[] nanos = new long[count];
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long t = System.nanoTime();
      roundTrip(model, request);
      nanos[i] = System.nanoTime() - t;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(nanos);
    double mean = Arrays.stream(nanos).average().orElse(0) / 1000;
    System.out.printf(Locale.ROOT, "RESULT round %d %-16s small FP32[1,16]: p50 %.1f us, p99 %.1f us, mean %.1f us, %.0f req/s%n",
        round, name, nanos[count / 2] / 1000.0, nanos[(int) (count * 0.99)] / 1000.0, mean, count / seconds);
  }

  private static void largeRound(int round, String name, Model model, InferenceRequest request, int count) {
    long bytes = 0;
    for (int i = 0; i < 3; i++) bytes = roundTrip(model, request);
    long[] nanos = new long[count];
    for (int i = 0; i < count; i++) {
      long t = System.nanoTime();
      roundTrip(model, request);
      nanos[i] = System.nanoTime() - t;
    }
    Arrays.sort(nanos);
    double medianMs = nanos[count / 2] / 1e6;
    double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
    System.out.printf(Locale.ROOT, "RESULT round %d %-16s 64 MiB FP32: median %.1f ms (%.2f GB/s per direction), mean %.1f ms%n",
        round, name, medianMs, bytes / (medianMs / 1000) / 1e9, mean);
  }
}
