package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.grpc.proto.ModelStreamInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton python models served by {@code nereid serve} (a separate process, python stubs under it) to
 * KServe clients over HTTP and gRPC: the python backend is bundled, and its answers and errors reach
 * the wire as from any other backend.
 */
class PythonServeTest {
  @TempDir static Path temp;
  static Process process;
  static final List<String> output = new CopyOnWriteArrayList<>();
  static int httpPort;
  static int metricsPort;
  static ManagedChannel channel;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path repository = temp.resolve("models");
    write(repository.resolve("add_sub/config.pbtxt"), """
        backend: "python"
        input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "INPUT1" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 4 ] } ]
        """);
    write(repository.resolve("add_sub/1/model.py"), """
        import triton_python_backend_utils as pb_utils

        class TritonPythonModel:
            def execute(self, requests):
                out = []
                for r in requests:
                    a = pb_utils.get_input_tensor_by_name(r, "INPUT0").as_numpy()
                    b = pb_utils.get_input_tensor_by_name(r, "INPUT1").as_numpy()
                    if a[0] < 0:
                        raise RuntimeError("INPUT0 must not be negative")
                    out.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", a + b), pb_utils.Tensor("OUTPUT1", a - b)]))
                return out
        """);
    // No config: the model describes itself, with auto_complete_config.
    write(repository.resolve("greet/1/model.py"), """
        import numpy as np
        import triton_python_backend_utils as pb_utils

        class TritonPythonModel:
            @staticmethod
            def auto_complete_config(config):
                config.add_input({"name": "NAME", "data_type": "TYPE_STRING", "dims": [-1]})
                config.add_output({"name": "GREETING", "data_type": "TYPE_STRING", "dims": [-1]})
                return config

            def execute(self, requests):
                return [pb_utils.InferenceResponse([pb_utils.Tensor("GREETING", np.array(
                    [b"hello " + n for n in pb_utils.get_input_tensor_by_name(r, "NAME").as_numpy()], dtype=np.object_))])
                    for r in requests]
        """);
    write(repository.resolve("count/config.pbtxt"), """
        backend: "python"
        model_transaction_policy { decoupled: true }
        input [ { name: "N" data_type: TYPE_INT32 dims: [ 1 ] } ]
        output [ { name: "I" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """);
    write(repository.resolve("count/1/model.py"), """
        import numpy as np
        import triton_python_backend_utils as pb_utils

        class TritonPythonModel:
            def execute(self, requests):
                for r in requests:
                    sender = r.get_response_sender()
                    for i in range(int(pb_utils.get_input_tensor_by_name(r, "N").as_numpy()[0])):
                        sender.send(pb_utils.InferenceResponse([pb_utils.Tensor("I", np.array([i], dtype=np.int32))]))
                    sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        """);
    // Triton's custom metrics: a histogram with labels, on the metrics port like Triton's.
    write(repository.resolve("measured/config.pbtxt"), """
        backend: "python"
        input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1 ] } ]
        """);
    write(repository.resolve("measured/1/model.py"), """
        import triton_python_backend_utils as pb_utils

        class TritonPythonModel:
            def initialize(self, args):
                family = pb_utils.MetricFamily(name="measured_x", description="X values",
                                               kind=pb_utils.MetricFamily.HISTOGRAM)
                self.x = family.Metric(labels={"model": args["model_name"]}, buckets=[1.0, 10.0])

            def execute(self, requests):
                out = []
                for r in requests:
                    x = pb_utils.get_input_tensor_by_name(r, "X")
                    self.x.observe(float(x.as_numpy()[0]))
                    out.append(pb_utils.InferenceResponse([pb_utils.Tensor("Y", x.as_numpy())]))
                return out
        """);
    Path argfile = temp.resolve("java.args");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.writeString(argfile, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n-Xmx256m\n"
        + ServeCommand.class.getName() + "\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    process = new ProcessBuilder(java.toString(), "@" + argfile, "--model-repository", repository.toString(),
        "--http-port", "0", "--grpc-port", "0", "--metrics-port", "0", "--exit-timeout-secs", "10")
        .redirectErrorStream(true).start();
    Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) output.add(line);
      } catch (IOException e) {
        output.add("<output closed: " + e + ">");
      }
    });
    httpPort = awaitPort(ServeProcessTest.HTTP_STARTED);
    metricsPort = awaitPort(ServeProcessTest.METRICS_STARTED);
    int grpcPort = awaitPort(ServeProcessTest.GRPC_STARTED);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) channel.shutdownNow();
    process.toHandle().destroy();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join("\n", output)).isTrue();
    assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private static int awaitPort(Pattern pattern) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      for (String line : output) {
        Matcher m = pattern.matcher(line);
        if (m.find()) return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive()) break;
      Thread.sleep(20);
    }
    throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", output));
  }

  private static HttpResponse<String> post(String model, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v2/models/" + model + "/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void httpJsonInfer() throws Exception {
    HttpResponse<String> r = post("add_sub", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,2,3,4]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,1,1,1]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"name\":\"OUTPUT0\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[2.0,3.0,4.0,5.0]");
    assertThat(r.body()).contains("\"name\":\"OUTPUT1\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[0.0,1.0,2.0,3.0]");
  }

  @Test
  void customHistogramOnTheMetricsPort() throws Exception {
    for (String x : new String[] {"0.5", "20"}) {
      HttpResponse<String> r = post("measured", "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":["
          + x + "]}]}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("# TYPE measured_x histogram")
        .contains("measured_x_bucket{model=\"measured\",le=\"1\"} 1\n")
        .contains("measured_x_bucket{model=\"measured\",le=\"10\"} 1\n")
        .contains("measured_x_bucket{model=\"measured\",le=\"+Inf\"} 2\n")
        .contains("measured_x_count{model=\"measured\"} 2\n")
        .contains("measured_x_sum{model=\"measured\"} 20.5\n");
  }

  @Test
  void httpErrorFromExecuteNamesModelAndException() throws Exception {
    HttpResponse<String> r = post("add_sub", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[-1,2,3,4]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,1,1,1]}]}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("model 'add_sub'").contains("RuntimeError: INPUT0 must not be negative");
    // and the server keeps serving
    assertThat(post("add_sub", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,2,3,4]},"
        + "{\"name\":\"INPUT1\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,1,1,1]}]}").statusCode()).isEqualTo(200);
  }

  @Test
  void httpStringsThroughAnAutoCompletedModel() throws Exception {
    HttpResponse<String> r = post("greet", "{\"inputs\":[{\"name\":\"NAME\",\"datatype\":\"BYTES\",\"shape\":[2],\"data\":[\"ada\",\"bob\"]}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("\"data\":[\"hello ada\",\"hello bob\"]");
    HttpResponse<String> config = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
        + "/v2/models/greet/config")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(config.body()).contains("\"backend\":\"python\"").contains("\"name\":\"NAME\"");
  }

  private static ByteString fp32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return ByteString.copyFrom(b.flip());
  }

  private static ModelInferRequest.InferInputTensor input(String name, String type, long... shape) {
    return ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(type)
        .addAllShape(java.util.Arrays.stream(shape).boxed().toList()).build();
  }

  @Test
  void grpcInferWithRawContents() {
    ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(ModelInferRequest.newBuilder()
        .setModelName("add_sub").setId("g1")
        .addInputs(input("INPUT0", "FP32", 4)).addInputs(input("INPUT1", "FP32", 4))
        .addRawInputContents(fp32(1, 2, 3, 4)).addRawInputContents(fp32(4, 3, 2, 1)).build());
    assertThat(r.getId()).isEqualTo("g1");
    assertThat(r.getOutputsList()).extracting(o -> o.getName()).containsExactly("OUTPUT0", "OUTPUT1");
    assertThat(r.getRawOutputContents(0)).isEqualTo(fp32(5, 5, 5, 5));
    assertThat(r.getRawOutputContents(1)).isEqualTo(fp32(-3, -1, 1, 3));
  }

  @Test
  void grpcErrorFromExecute() {
    try {
      GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(ModelInferRequest.newBuilder().setModelName("add_sub")
          .addInputs(input("INPUT0", "FP32", 4)).addInputs(input("INPUT1", "FP32", 4))
          .addRawInputContents(fp32(-1, 2, 3, 4)).addRawInputContents(fp32(4, 3, 2, 1)).build());
      throw new AssertionError("expected an error");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INTERNAL);
      assertThat(e.getStatus().getDescription()).contains("RuntimeError: INPUT0 must not be negative");
    }
  }

  @Test
  void grpcStreamFromADecoupledModel() throws Exception {
    List<ModelStreamInferResponse> responses = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel).modelStreamInfer(
        new StreamObserver<>() {
          @Override public void onNext(ModelStreamInferResponse r) {
            responses.add(r);
          }

          @Override public void onError(Throwable t) {
            done.countDown();
          }

          @Override public void onCompleted() {
            done.countDown();
          }
        });
    ByteBuffer n = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(3).flip();
    requests.onNext(ModelInferRequest.newBuilder().setModelName("count").setId("c1").addInputs(input("N", "INT32", 1))
        .addRawInputContents(ByteString.copyFrom(n)).build());
    requests.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(responses).hasSize(3).allSatisfy(r -> assertThat(r.getErrorMessage()).isEmpty());
    assertThat(responses).extracting(r -> r.getInferResponse().getRawOutputContents(0).asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN).getInt()).containsExactly(0, 1, 2);
  }
}
