package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.nereid.InferenceRequest;
import dev.nereid.ModelControlMode;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelStreamInferResponse;
import dev.nereid.grpc.proto.TraceSettingRequest;
import dev.nereid.grpc.proto.TraceSettingResponse;
import dev.nereid.tracing.Tracing;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's trace extension with real front ends: settings over HTTP and gRPC, spans from the
 * OpenTelemetry SDK (checked with its in-memory exporter, and once sent over OTLP/HTTP to a receiver
 * on loopback), W3C {@code traceparent} continued from HTTP headers and gRPC metadata, ensemble steps
 * as child spans, streamed gRPC requests and the generate endpoint traced, and Triton's JSON trace file
 * with every phase's timestamp and, at the {@code TENSORS} level, the tensors.
 */
class TracingTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String PARENT_SPAN = "00f067aa0ba902b7";
  static TestHttp http;
  static GrpcFrontend grpc;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  static Tracing tracing;
  /** A fresh one per test: a tracing that stops exporting shuts its exporter down. */
  static InMemorySpanExporter spans = InMemorySpanExporter.create();

  @TempDir
  Path temp;

  @BeforeAll
  static void start() throws Exception {
    Path repo = Files.createTempDirectory("nereid-trace-models");
    for (String step : List.of("step_a", "step_b")) {
      TestHttp.writeModel(repo, step, """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          """);
    }
    TestHttp.writeModel(repo, "words", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "text_input" data_type: TYPE_STRING dims: [ -1 ] }, { name: "flags_input" data_type: TYPE_BOOL dims: [ -1 ] } ]
        output [ { name: "text_output" data_type: TYPE_STRING dims: [ -1 ] }, { name: "flags_output" data_type: TYPE_BOOL dims: [ -1 ] } ]
        """);
    TestHttp.writeModel(repo, "chain", """
        platform: "ensemble"
        max_batch_size: 0
        input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ]
        output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]
        ensemble_scheduling { step [
          { model_name: "step_a" model_version: -1 input_map { key: "INPUT0" value: "IN" } output_map { key: "OUTPUT0" value: "mid" } },
          { model_name: "step_b" model_version: -1 input_map { key: "INPUT0" value: "mid" } output_map { key: "OUTPUT0" value: "OUT" } }
        ] }
        """);
    http = TestHttp.start(ServerOptions.builder().modelRepository(repo).modelControlMode(ModelControlMode.NONE).build(),
        o -> o);
    grpc = GrpcFrontend.start(http.server, GrpcFrontend.Options.defaults().withPort(0));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    tracing = Tracing.of(http.server);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    grpc.close();
    http.close();
  }

  @AfterEach
  void traceOff() {
    tracing.update("", java.util.Map.of("trace_level", List.of("OFF"), "trace_rate", List.of("1000"),
        "trace_count", List.of("-1")));
    tracing.update("step_a", nullSettings());
    spans.reset();
  }

  private static java.util.Map<String, List<String>> nullSettings() {
    java.util.Map<String, List<String>> clear = new java.util.HashMap<>();
    for (String k : List.of("trace_level", "trace_rate", "trace_count", "log_frequency")) clear.put(k, null);
    return clear;
  }

  /** Triton's timestamps of a request inside the server, in the order they happen. */
  static final String[] PHASES = {"REQUEST_START", "QUEUE_START", "COMPUTE_START", "COMPUTE_INPUT_END",
      "COMPUTE_OUTPUT_START", "COMPUTE_END", "REQUEST_END"};

  private static final String CHAIN = "{\"inputs\":[{\"name\":\"IN\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,2,3,4]}]}";

  private static HttpResponse<String> inferChain(String traceparent) {
    HttpRequest.Builder b = HttpRequest.newBuilder(http.uri("/v2/models/chain/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(CHAIN));
    if (traceparent != null) b.header("traceparent", traceparent);
    return http.send(b.build());
  }

  private static void openTelemetry() {
    tracing.configure(List.of("mode=opentelemetry"));
    spans = InMemorySpanExporter.create();
    tracing.exportTo(spans);
  }

  private static List<String> eventNames(SpanData span) {
    return span.getEvents().stream().map(EventData::getName).toList();
  }

  @Test
  void settingsFollowTritonsShapeAndRules() {
    tracing.configure(List.of("mode=triton"));
    JsonNode defaults = TestHttp.json(http.get("/v2/trace/setting"));
    assertThat(defaults.toString()).isEqualTo("{\"trace_level\":[\"OFF\"],\"trace_rate\":\"1000\",\"trace_count\":\"-1\","
        + "\"log_frequency\":\"0\",\"trace_file\":\"\",\"trace_mode\":\"triton\"}");

    HttpResponse<String> model = http.post("/v2/models/step_a/trace/setting",
        "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\",\"trace_count\":\"2\"}");
    assertThat(model.statusCode()).as(model.body()).isEqualTo(200);
    assertThat(TestHttp.json(model).path("trace_level").toString()).isEqualTo("[\"TIMESTAMPS\"]");
    assertThat(TestHttp.json(model).path("trace_count").asText()).isEqualTo("2");
    // The model's settings are its own; the server-wide ones did not change.
    assertThat(TestHttp.json(http.get("/v2/trace/setting")).path("trace_level").toString()).isEqualTo("[\"OFF\"]");
    // Null clears the model's own setting: back to the server-wide one.
    HttpResponse<String> cleared = http.post("/v2/models/step_a/trace/setting", "{\"trace_level\":null}");
    assertThat(TestHttp.json(cleared).path("trace_level").toString()).isEqualTo("[\"OFF\"]");
    assertThat(TestHttp.json(cleared).path("trace_rate").asText()).isEqualTo("1");

    HttpResponse<String> file = http.post("/v2/trace/setting", "{\"trace_file\":\"elsewhere.json\"}");
    assertThat(file.statusCode()).isEqualTo(501);
    assertThat(TestHttp.error(file)).isEqualTo("trace file location can not be updated through network protocol");
    HttpResponse<String> rate = http.post("/v2/trace/setting", "{\"trace_rate\":\"often\"}");
    assertThat(rate.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(rate)).isEqualTo("Unable to parse 'trace_rate', got: often");
    HttpResponse<String> off = http.post("/v2/trace/setting", "{\"trace_level\":[\"OFF\",\"TIMESTAMPS\"]}");
    assertThat(off.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(off)).isEqualTo("Expect only one trace level 'OFF' is specified");
    HttpResponse<String> count = http.post("/v2/trace/setting", "{\"trace_count\":\"-2\"}");
    assertThat(TestHttp.error(count)).isEqualTo("Unable to parse 'trace_count'. Expecting value >= -1, got:-2");

    TraceSettingResponse viaGrpc = stub.traceSetting(TraceSettingRequest.newBuilder().setModelName("step_b")
        .putSettings("trace_level", TraceSettingRequest.SettingValue.newBuilder().addValue("TIMESTAMPS").build()).build());
    assertThat(viaGrpc.getSettingsOrThrow("trace_level").getValueList()).containsExactly("TIMESTAMPS");
    assertThat(TestHttp.json(http.get("/v2/models/step_b/trace/setting")).path("trace_level").toString())
        .isEqualTo("[\"TIMESTAMPS\"]");
    stub.traceSetting(TraceSettingRequest.newBuilder().setModelName("step_b")
        .putSettings("trace_level", TraceSettingRequest.SettingValue.getDefaultInstance()).build());
    assertThatThrownBy(() -> stub.traceSetting(TraceSettingRequest.newBuilder()
        .putSettings("trace_file", TraceSettingRequest.SettingValue.newBuilder().addValue("x").build()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    assertThat(TestHttp.json(http.get("/v2")).path("extensions").toString()).contains("\"trace\"");
  }

  @Test
  void httpTraceparentIsContinuedAndEnsembleStepsAreChildSpans() {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\"}");
    HttpResponse<String> r = inferChain("00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    TestHttp.await("the spans", () -> spans.getFinishedSpanItems().size() >= 6);
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));

    SpanData root = all.stream().filter(s -> s.getParentSpanId().equals(PARENT_SPAN)).findFirst().orElseThrow();
    assertThat(root.getName()).isEqualTo("InferRequest");
    assertThat(root.getAttributes().asMap().toString()).contains("triton.model_name=chain");
    assertThat(eventNames(root)).containsSubsequence("HTTP_RECV_START", "HTTP_RECV_END", "REQUEST_START", "QUEUE_START",
        "COMPUTE_START", "COMPUTE_END", "REQUEST_END", "HTTP_SEND_START", "HTTP_SEND_END");
    List<SpanData> children = all.stream().filter(s -> s.getParentSpanId().equals(root.getSpanId())).toList();
    assertThat(children.stream().map(SpanData::getName).collect(Collectors.toList()))
        .containsExactlyInAnyOrder("compute", "InferRequest", "InferRequest");
    List<String> steps = children.stream().filter(s -> s.getName().equals("InferRequest"))
        .map(s -> s.getAttributes().asMap().toString()).toList();
    assertThat(steps).anySatisfy(a -> assertThat(a).contains("triton.model_name=step_a"));
    assertThat(steps).anySatisfy(a -> assertThat(a).contains("triton.model_name=step_b"));
    SpanData stepA = children.stream().filter(s -> s.getAttributes().asMap().toString().contains("step_a")).findFirst()
        .orElseThrow();
    assertThat(eventNames(stepA)).containsExactly(PHASES);
    List<SpanData> compute = all.stream().filter(s -> s.getParentSpanId().equals(stepA.getSpanId())).toList();
    assertThat(compute).extracting(SpanData::getName).containsExactly("compute");
    assertThat(eventNames(compute.get(0))).containsExactly("COMPUTE_START", "COMPUTE_INPUT_END", "COMPUTE_OUTPUT_START",
        "COMPUTE_END");
    // Spans lie in time order: the step starts after the ensemble was received and ends before it answered.
    assertThat(stepA.getStartEpochNanos()).isGreaterThanOrEqualTo(root.getStartEpochNanos());
    assertThat(stepA.getEndEpochNanos()).isLessThanOrEqualTo(root.getEndEpochNanos());
  }

  @Test
  void rateAndCountDecideWhichRequestsAreTraced() {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"2\",\"trace_count\":\"2\"}");
    for (int i = 0; i < 6; i++) assertThat(inferChain(null).statusCode()).isEqualTo(200);
    // Requests 1 and 3 are traced (one in two), then the count of 2 is spent.
    TestHttp.await("two traces", () -> roots().size() == 2);
    assertThat(TestHttp.json(http.get("/v2/trace/setting")).path("trace_count").asText()).isEqualTo("0");
  }

  @Test
  void aRequestContinuingItsCallersTraceIsTracedWhateverTheRateAndCount() {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\",\"trace_count\":\"0\"}");
    assertThat(inferChain(null).statusCode()).isEqualTo(200); // the count is spent: not traced
    assertThat(inferChain("00-" + TRACE_ID + "-" + PARENT_SPAN + "-01").statusCode()).isEqualTo(200);
    TestHttp.await("the continued trace", () -> spans.getFinishedSpanItems().stream()
        .anyMatch(s -> s.getParentSpanId().equals(PARENT_SPAN)));
    assertThat(spans.getFinishedSpanItems()).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(TRACE_ID));
    // --trace-config rate=0 samples nothing, as Triton documents it for tracing only continued requests.
    Tracing zero = new Tracing();
    zero.configure(List.of("mode=opentelemetry", "level=TIMESTAMPS", "rate=0"));
    assertThat(zero.settings().rate()).isZero();
    assertThat(zero.start("step_a", "HTTP", System.nanoTime(), name -> null)).isNull();
    assertThat(zero.start("step_a", "HTTP", System.nanoTime(),
        name -> name.equals("traceparent") ? "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01" : null)).isNotNull();
  }

  private static List<SpanData> roots() {
    return spans.getFinishedSpanItems().stream().filter(s -> !s.getParentSpanContext().isValid()).toList();
  }

  @Test
  void grpcMetadataTraceparentIsContinued() {
    openTelemetry();
    stub.traceSetting(TraceSettingRequest.newBuilder()
        .putSettings("trace_level", TraceSettingRequest.SettingValue.newBuilder().addValue("TIMESTAMPS").build())
        .putSettings("trace_rate", TraceSettingRequest.SettingValue.newBuilder().addValue("1").build()).build());
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");
    ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("step_a").setId("grpc-1");
    request.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(4)
        .getContentsBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3).addFp32Contents(4);
    stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata)).modelInfer(request.build());
    TestHttp.await("the spans", () -> spans.getFinishedSpanItems().size() >= 2);
    SpanData root = spans.getFinishedSpanItems().stream().filter(s -> s.getParentSpanId().equals(PARENT_SPAN))
        .findFirst().orElseThrow();
    assertThat(root.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(root.getAttributes().asMap().toString()).contains("triton.request_id=grpc-1");
    assertThat(eventNames(root)).startsWith("GRPC_WAITREAD_START", "GRPC_WAITREAD_END").endsWith("GRPC_SEND_START",
        "GRPC_SEND_END");
  }

  @Test
  void inProcessRequestsContinueTheCallersContext() throws Exception {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\"}");
    SpanContext caller = SpanContext.createFromRemoteParent(TRACE_ID, PARENT_SPAN, TraceFlags.getSampled(),
        TraceState.getDefault());
    Context parent = Context.root().with(Span.wrap(caller));
    http.server.model("chain").inferAsync(InferenceRequest.builder()
        .input("IN", Tensor.of(new float[] {1, 2, 3, 4}, 4))
        .timeline(tracing.inProcess("chain", parent)).build()).get(10, TimeUnit.SECONDS);
    TestHttp.await("the spans", () -> spans.getFinishedSpanItems().size() >= 6);
    SpanData root = spans.getFinishedSpanItems().stream().filter(s -> s.getParentSpanId().equals(PARENT_SPAN))
        .findFirst().orElseThrow();
    assertThat(root.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(eventNames(root)).containsExactly(PHASES);
  }

  @Test
  void otlpHttpExportReachesAReceiver() throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      try (InputStream in = exchange.getRequestBody()) {
        received.add(ExportTraceServiceRequest.parseFrom(in.readAllBytes()));
      }
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    Tracing otlp = new Tracing();
    try {
      otlp.configure(List.of("mode=opentelemetry", "level=TIMESTAMPS", "rate=1",
          "opentelemetry,url=http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces",
          "opentelemetry,resource=deployment=test"));
      http.server.model("step_a").inferAsync(InferenceRequest.builder().input("INPUT0", Tensor.of(new float[] {1, 2, 3, 4}, 4))
          .timeline(otlp.inProcess("step_a", Context.root())).build()).get(10, TimeUnit.SECONDS);
      otlp.flush();
      TestHttp.await("an OTLP export", () -> !received.isEmpty());
      var resourceSpans = received.get(0).getResourceSpans(0);
      assertThat(resourceSpans.getResource().getAttributesList().toString()).contains("deployment", "test", "triton");
      List<String> names = resourceSpans.getScopeSpansList().stream().flatMap(s -> s.getSpansList().stream())
          .map(s -> s.getName()).toList();
      assertThat(names).containsExactlyInAnyOrder("InferRequest", "compute");
    } finally {
      otlp.close();
      receiver.stop(0);
    }
  }

  @Test
  void tritonModeWritesTheJsonTraceFile() throws Exception {
    Path file = temp.resolve("trace.json");
    Tracing fileTracing = new Tracing();
    fileTracing.configure(List.of("mode=triton", "level=TIMESTAMPS", "rate=1", "triton,file=" + file));
    http.server.model("chain").inferAsync(InferenceRequest.builder().requestId("r-1")
        .input("IN", Tensor.of(new float[] {1, 2, 3, 4}, 4))
        .timeline(fileTracing.inProcess("chain", Context.root())).build()).get(10, TimeUnit.SECONDS);
    TestHttp.await("the trace", () -> {
      fileTracing.flush();
      return Files.exists(file);
    });
    JsonNode entries = TestHttp.JSON.readTree(file.toFile());
    // chain, then its two steps: a header and a timestamps object each.
    assertThat(entries.size()).isEqualTo(6);
    assertThat(entries.get(0).path("model_name").asText()).isEqualTo("chain");
    long chainId = entries.get(0).path("id").asLong();
    assertThat(entries.get(1).path("id").asLong()).isEqualTo(chainId);
    List<String> names = new java.util.ArrayList<>();
    entries.get(1).path("timestamps").forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).containsExactly(PHASES);
    assertThat(entries.get(1).path("timestamps").get(0).path("ns").asLong()).isPositive();
    assertThat(entries.get(2).path("parent_id").asLong()).isEqualTo(chainId);
    assertThat(List.of(entries.get(2).path("model_name").asText(), entries.get(4).path("model_name").asText()))
        .containsExactlyInAnyOrder("step_a", "step_b");
    fileTracing.close();
  }

  /** Traces the shared tracing to a Triton trace file while {@code body} runs, and returns the file's entries. */
  private JsonNode tritonFile(Runnable body) throws Exception {
    Path file = temp.resolve("trace-" + System.nanoTime() + ".json");
    tracing.configure(List.of("mode=triton", "triton,file=" + file));
    try {
      body.run();
      TestHttp.await("the trace file", () -> {
        tracing.flush();
        return Files.exists(file);
      });
      return TestHttp.JSON.readTree(file.toFile());
    } finally {
      tracing.configure(List.of("file="));
    }
  }

  private static List<JsonNode> entries(JsonNode file, java.util.function.Predicate<JsonNode> which) {
    List<JsonNode> out = new java.util.ArrayList<>();
    file.forEach(e -> {
      if (which.test(e)) out.add(e);
    });
    return out;
  }

  private static long idOf(JsonNode file, String model) {
    return entries(file, e -> e.path("model_name").asText().equals(model)).get(0).path("id").asLong();
  }

  @Test
  void everyPhaseOfAnHttpRequestIsTimestampedInOrder() throws Exception {
    JsonNode file = tritonFile(() -> {
      http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\"}");
      HttpResponse<String> r = http.post("/v2/models/step_a/infer",
          "{\"id\":\"phases\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1,2,3,4]}]}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    });
    long id = idOf(file, "step_a");
    assertThat(entries(file, e -> e.path("id").asLong() == id && e.has("model_name")).get(0).path("request_id").asText())
        .isEqualTo("phases");
    JsonNode timestamps = entries(file, e -> e.path("id").asLong() == id && e.has("timestamps")).get(0).path("timestamps");
    List<String> names = new java.util.ArrayList<>();
    List<Long> times = new java.util.ArrayList<>();
    timestamps.forEach(t -> {
      names.add(t.path("name").asText());
      times.add(t.path("ns").asLong());
    });
    List<String> expected = new java.util.ArrayList<>(List.of("HTTP_RECV_START", "HTTP_RECV_END"));
    expected.addAll(List.of(PHASES));
    expected.addAll(List.of("HTTP_SEND_START", "HTTP_SEND_END"));
    assertThat(names).containsExactlyElementsOf(expected);
    assertThat(times).isSorted();
  }

  @Test
  void tensorsLevelWritesTheTensorsEnteringAndLeavingEachModel() throws Exception {
    JsonNode file = tritonFile(() -> {
      http.post("/v2/trace/setting", "{\"trace_level\":[\"TENSORS\"],\"trace_rate\":\"1\"}");
      HttpResponse<String> r = http.post("/v2/models/chain/infer",
          "{\"inputs\":[{\"name\":\"IN\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[1.5,-2,3,4]}]}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    });
    // TENSORS alone: the models and their tensors, no timestamps.
    assertThat(entries(file, e -> e.has("timestamps"))).isEmpty();
    long chain = idOf(file, "chain");
    long stepA = idOf(file, "step_a");
    long stepB = idOf(file, "step_b");
    List<String> seen = entries(file, e -> e.has("activity")).stream()
        .map(e -> e.path("id").asLong() + " " + e.path("activity").asText() + " " + e.path("tensor").path("name").asText()
            + " [" + e.path("tensor").path("data").asText() + "] shape " + e.path("tensor").path("shape").asText()
            + " " + e.path("tensor").path("dtype").asText())
        .toList();
    assertThat(seen).containsExactlyInAnyOrder(
        chain + " TENSOR_QUEUE_INPUT IN [1.5,-2,3,4] shape 4 FP32",
        stepA + " TENSOR_QUEUE_INPUT INPUT0 [1.5,-2,3,4] shape 4 FP32",
        stepA + " TENSOR_BACKEND_OUTPUT OUTPUT0 [1.5,-2,3,4] shape 4 FP32",
        stepB + " TENSOR_QUEUE_INPUT INPUT0 [1.5,-2,3,4] shape 4 FP32",
        stepB + " TENSOR_BACKEND_OUTPUT OUTPUT0 [1.5,-2,3,4] shape 4 FP32",
        chain + " TENSOR_BACKEND_OUTPUT OUT [1.5,-2,3,4] shape 4 FP32");
  }

  @Test
  void eachRequestOfAGrpcStreamIsTracedContinuingTheCallsTraceparent() throws Exception {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\"}");
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01");
    java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
    List<ModelStreamInferResponse> responses = new CopyOnWriteArrayList<>();
    StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata))
        .modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse r) {
            responses.add(r);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(responses.size());
          }
        });
    for (String id : List.of("stream-1", "stream-2")) {
      ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("step_a").setId(id);
      request.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(4)
          .getContentsBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3).addFp32Contents(4);
      requests.onNext(request.build());
    }
    requests.onCompleted();
    assertThat(done.get(30, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(responses).allSatisfy(r -> assertThat(r.getErrorMessage()).isEmpty());
    TestHttp.await("two traced stream requests", () -> spans.getFinishedSpanItems().stream()
        .filter(s -> s.getParentSpanId().equals(PARENT_SPAN)).count() == 2);
    List<SpanData> roots = spans.getFinishedSpanItems().stream().filter(s -> s.getParentSpanId().equals(PARENT_SPAN))
        .toList();
    assertThat(roots).allSatisfy(root -> {
      assertThat(root.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(eventNames(root)).startsWith("GRPC_WAITREAD_START", "GRPC_WAITREAD_END")
          .containsSubsequence(PHASES).endsWith("GRPC_SEND_START", "GRPC_SEND_END");
    });
    assertThat(roots.stream().map(s -> s.getAttributes().get(AttributeKey.stringKey("triton.request_id"))))
        .containsExactlyInAnyOrder("stream-1", "stream-2");
  }

  @Test
  void generateAndGenerateStreamAreTraced() {
    openTelemetry();
    http.post("/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"1\"}");
    for (String endpoint : List.of("generate", "generate_stream")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri("/v2/models/step_a/" + endpoint))
          .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN + "-01")
          .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + endpoint + "\",\"INPUT0\":[1,2,3,4]}")).build());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"OUTPUT0\"");
    }
    TestHttp.await("two traced generate requests", () -> spans.getFinishedSpanItems().stream()
        .filter(s -> s.getParentSpanId().equals(PARENT_SPAN)).count() == 2);
    List<SpanData> roots = spans.getFinishedSpanItems().stream().filter(s -> s.getParentSpanId().equals(PARENT_SPAN))
        .toList();
    assertThat(roots).allSatisfy(root -> {
      assertThat(root.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(root.getAttributes().asMap().toString()).contains("triton.model_name=step_a");
      assertThat(eventNames(root)).startsWith("HTTP_RECV_START", "HTTP_RECV_END").containsSubsequence(PHASES)
          .endsWith("HTTP_SEND_START", "HTTP_SEND_END");
    });
    assertThat(roots.stream().map(s -> s.getAttributes().get(AttributeKey.stringKey("triton.request_id"))))
        .containsExactlyInAnyOrder("generate", "generate_stream");
  }

  @Test
  void tensorsLevelWritesStringsQuotedAndBooleansAsDigits() throws Exception {
    JsonNode file = tritonFile(() -> {
      http.post("/v2/trace/setting", "{\"trace_level\":[\"TENSORS\"],\"trace_rate\":\"1\"}");
      HttpResponse<String> r = http.post("/v2/models/words/infer", """
          {"inputs":[{"name":"text_input","datatype":"BYTES","shape":[2],"data":["hello","world"]},
                     {"name":"flags_input","datatype":"BOOL","shape":[3],"data":[true,false,true]}]}""");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    });
    List<String> seen = entries(file, e -> e.has("activity")).stream()
        .map(e -> e.path("activity").asText() + " " + e.path("tensor").path("name").asText() + " ["
            + e.path("tensor").path("data").asText() + "] " + e.path("tensor").path("shape").asText() + " "
            + e.path("tensor").path("dtype").asText())
        .toList();
    assertThat(seen).containsExactlyInAnyOrder(
        "TENSOR_QUEUE_INPUT text_input [\"hello\",\"world\"] 2 BYTES",
        "TENSOR_QUEUE_INPUT flags_input [1,0,1] 3 BOOL",
        "TENSOR_BACKEND_OUTPUT text_output [\"hello\",\"world\"] 2 BYTES",
        "TENSOR_BACKEND_OUTPUT flags_output [1,0,1] 3 BOOL");
  }
}
