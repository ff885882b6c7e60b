package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.nereid.ModelControlMode;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.InferParameter;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import dev.nereid.grpc.proto.ServerMetadataRequest;
import dev.nereid.grpc.proto.SystemSharedMemoryRegisterRequest;
import dev.nereid.grpc.proto.SystemSharedMemoryStatusRequest;
import dev.nereid.grpc.proto.SystemSharedMemoryStatusResponse;
import dev.nereid.grpc.proto.SystemSharedMemoryUnregisterRequest;
import dev.nereid.grpc.proto.CudaSharedMemoryRegisterRequest;
import dev.nereid.sharedmemory.ClientRegion;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The system shared memory extension end to end, as Triton's shm client examples use it: the test
 * creates POSIX shared-memory objects itself, registers them over HTTP or gRPC, writes inputs into
 * them and reads outputs back out of them. One server serves both protocols and both see the same
 * regions.
 */
class SystemSharedMemoryTest {
  static TestHttp http;
  static GrpcFrontend grpc;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() {
    http = TestHttp.start(ModelControlMode.NONE, o -> o, TestModels.repository());
    grpc = GrpcFrontend.start(http.server, GrpcFrontend.Options.defaults().withPort(0));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    grpc.close();
    http.close();
  }

  @AfterEach
  void unregisterAll() {
    assertThat(http.post("/v2/systemsharedmemory/unregister", "").statusCode()).isEqualTo(200);
  }

  private static void register(String name, String key, long offset, long byteSize) {
    HttpResponse<String> r = http.post("/v2/systemsharedmemory/region/" + name + "/register",
        "{\"key\":\"" + key + "\",\"offset\":" + offset + ",\"byte_size\":" + byteSize + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static String fp32Request(int elements, String inRegion, long inOffset, long inSize, String outRegion,
      long outSize) {
    return "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[" + elements + "],\"parameters\":"
        + "{\"shared_memory_region\":\"" + inRegion + "\",\"shared_memory_offset\":" + inOffset
        + ",\"shared_memory_byte_size\":" + inSize + "}}],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":"
        + "{\"shared_memory_region\":\"" + outRegion + "\",\"shared_memory_byte_size\":" + outSize + "}}]}";
  }

  @Test
  void httpInputsAreReadFromARegionAndOutputsWrittenIntoOne() {
    try (ClientRegion region = ClientRegion.create(128)) {
      // One object, two windows: inputs in the first 64 bytes, outputs in the next 64, as simple_http_shm_client does.
      for (int i = 0; i < 16; i++) region.memory().putFloat(i * 4, i * 1.5f);
      register("input_data", region.key(), 0, 64);
      register("output_data", region.key(), 64, 64);

      HttpResponse<String> r = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "input_data", 0, 64, "output_data", 64));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode output = TestHttp.json(r).path("outputs").get(0);
      assertThat(output.path("name").asText()).isEqualTo("OUTPUT0");
      assertThat(output.path("shape").toString()).isEqualTo("[16]");
      assertThat(output.has("data")).isFalse();
      assertThat(output.path("parameters").path("shared_memory_region").asText()).isEqualTo("output_data");
      assertThat(output.path("parameters").path("shared_memory_byte_size").asLong()).isEqualTo(64);
      for (int i = 0; i < 16; i++) assertThat(region.memory().getFloat(64 + i * 4)).isEqualTo(i * 1.5f);

      // The mapping is live: what the client writes next is what the next request reads.
      region.memory().putFloat(0, -7f);
      assertThat(http.post("/v2/models/raw_fp32/infer", fp32Request(16, "input_data", 0, 64, "output_data", 64))
          .statusCode()).isEqualTo(200);
      assertThat(region.memory().getFloat(64)).isEqualTo(-7f);
    }
  }

  @Test
  void statusListsRegionsAndNamesUnknownOnes() {
    try (ClientRegion region = ClientRegion.create(256)) {
      register("a", region.key(), 0, 128);
      register("b", region.key(), 128, 64);
      JsonNode all = TestHttp.json(http.get("/v2/systemsharedmemory/status"));
      assertThat(all.toString()).isEqualTo("[{\"name\":\"a\",\"key\":\"" + region.key() + "\",\"offset\":0,\"byte_size\":128},"
          + "{\"name\":\"b\",\"key\":\"" + region.key() + "\",\"offset\":128,\"byte_size\":64}]");
      assertThat(TestHttp.json(http.get("/v2/systemsharedmemory/region/b/status")).toString())
          .isEqualTo("[{\"name\":\"b\",\"key\":\"" + region.key() + "\",\"offset\":128,\"byte_size\":64}]");
      HttpResponse<String> unknown = http.get("/v2/systemsharedmemory/region/nope/status");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(TestHttp.error(unknown)).isEqualTo("Unable to find system shared memory region: 'nope'");

      assertThat(http.post("/v2/systemsharedmemory/region/a/unregister", "").statusCode()).isEqualTo(200);
      assertThat(TestHttp.json(http.get("/v2/systemsharedmemory/status")).size()).isEqualTo(1);
      // Unregistering what is not registered is not an error, as in Triton.
      assertThat(http.post("/v2/systemsharedmemory/region/a/unregister", "").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void registrationErrorsAreTritons() {
    try (ClientRegion region = ClientRegion.create(64)) {
      register("r", region.key(), 0, 64);
      HttpResponse<String> twice = http.post("/v2/systemsharedmemory/region/r/register",
          "{\"key\":\"" + region.key() + "\",\"offset\":0,\"byte_size\":64}");
      assertThat(twice.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(twice)).isEqualTo("shared memory region 'r' already in manager");

      HttpResponse<String> tooBig = http.post("/v2/systemsharedmemory/region/big/register",
          "{\"key\":\"" + region.key() + "\",\"offset\":32,\"byte_size\":64}");
      assertThat(tooBig.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(tooBig)).isEqualTo("failed to register shared memory region 'big': invalid args");

      HttpResponse<String> missing = http.post("/v2/systemsharedmemory/region/m/register",
          "{\"key\":\"/nereid-no-such-region\",\"offset\":0,\"byte_size\":64}");
      assertThat(missing.statusCode()).isEqualTo(500);
      assertThat(TestHttp.error(missing)).isEqualTo("Unable to open shared memory region: '/nereid-no-such-region'");

      HttpResponse<String> traversal = http.post("/v2/systemsharedmemory/region/t/register",
          "{\"key\":\"/../etc/passwd\",\"offset\":0,\"byte_size\":1}");
      assertThat(traversal.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(traversal)).startsWith("invalid shared memory key '/../etc/passwd'");

      HttpResponse<String> cuda = http.post("/v2/cudasharedmemory/region/c/register",
          "{\"raw_handle\":{\"b64\":\"\"},\"device_id\":0,\"byte_size\":64}");
      assertThat(cuda.statusCode()).isEqualTo(501);
      assertThat(TestHttp.error(cuda)).startsWith("CUDA shared memory is not supported");
      assertThat(http.get("/v2/cudasharedmemory/status").body()).isEqualTo("[]");
    }
  }

  @Test
  void inferErrorsNameTheRegionAndLeaveTheServerServing() {
    try (ClientRegion region = ClientRegion.create(128)) {
      register("in", region.key(), 0, 64);
      register("small", region.key(), 64, 8);

      HttpResponse<String> unknown = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "nope", 0, 64, "small", 8));
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(TestHttp.error(unknown)).isEqualTo("Unable to find shared memory region: 'nope'");

      HttpResponse<String> offset = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "in", 64, 4, "small", 8));
      assertThat(offset.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(offset)).isEqualTo("Invalid offset for shared memory region: 'in'");

      HttpResponse<String> range = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "in", 4, 64, "small", 8));
      assertThat(range.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(range)).isEqualTo("Invalid offset + byte size for shared memory region: 'in'");

      HttpResponse<String> mismatch = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "in", 0, 32, "small", 8));
      assertThat(mismatch.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(mismatch))
          .isEqualTo("input byte size mismatch for input 'INPUT0' for model 'raw_fp32'. Expected 64, got 32");

      HttpResponse<String> tooSmall = http.post("/v2/models/raw_fp32/infer", fp32Request(16, "in", 0, 64, "small", 8));
      assertThat(tooSmall.statusCode()).isEqualTo(500);
      assertThat(TestHttp.error(tooSmall)).isEqualTo("shared memory size specified with the request for output 'OUTPUT0' "
          + "(8 bytes) should be at least 64 bytes to hold the results");

      assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void grpcSeesTheSameRegionsAndServesThem() {
    try (ClientRegion region = ClientRegion.create(128)) {
      for (int i = 0; i < 16; i++) region.memory().putFloat(i * 4, 100 + i);
      register("http_in", region.key(), 0, 64);
      stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder()
          .setName("grpc_out").setKey(region.key()).setOffset(64).setByteSize(64).build());

      // Both protocols report both regions.
      SystemSharedMemoryStatusResponse status = stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.getDefaultInstance());
      assertThat(status.getRegionsMap()).containsOnlyKeys("http_in", "grpc_out");
      assertThat(status.getRegionsOrThrow("grpc_out").getOffset()).isEqualTo(64);
      assertThat(status.getRegionsOrThrow("http_in").getKey()).isEqualTo(region.key());
      assertThat(TestHttp.json(http.get("/v2/systemsharedmemory/status")).size()).isEqualTo(2);

      ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("raw_fp32");
      request.addInputsBuilder().setName("INPUT0").setDatatype("FP32").addShape(16)
          .putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("http_in").build())
          .putParameters("shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(64).build());
      request.addOutputsBuilder().setName("OUTPUT0")
          .putParameters("shared_memory_region", InferParameter.newBuilder().setStringParam("grpc_out").build())
          .putParameters("shared_memory_byte_size", InferParameter.newBuilder().setInt64Param(64).build());
      ModelInferResponse response = stub.modelInfer(request.build());
      assertThat(response.getOutputs(0).getParametersOrThrow("shared_memory_region").getStringParam()).isEqualTo("grpc_out");
      assertThat(response.getRawOutputContents(0)).isEqualTo(ByteString.EMPTY);
      for (int i = 0; i < 16; i++) assertThat(region.memory().getFloat(64 + i * 4)).isEqualTo(100f + i);

      assertThatThrownBy(() -> stub.systemSharedMemoryStatus(SystemSharedMemoryStatusRequest.newBuilder().setName("x").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).isEqualTo("Unable to find system shared memory region: 'x'");
          });
      assertThatThrownBy(() -> stub.systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest.newBuilder()
          .setName("http_in").setKey(region.key()).setByteSize(8).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
      assertThatThrownBy(() -> stub.cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest.newBuilder().setName("c").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
            assertThat(e.getStatus().getDescription()).startsWith("CUDA shared memory is not supported");
          });

      // Unregistered over gRPC, gone over HTTP too.
      stub.systemSharedMemoryUnregister(SystemSharedMemoryUnregisterRequest.newBuilder().setName("http_in").build());
      assertThat(TestHttp.json(http.get("/v2/systemsharedmemory/status")).toString()).doesNotContain("http_in");
    }
  }

  @Test
  void bothProtocolsAdvertiseTheExtension() {
    assertThat(TestHttp.json(http.get("/v2")).path("extensions").toString()).contains("\"system_shared_memory\"");
    assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
        .contains("system_shared_memory");
  }

  @Test
  void aLargeTensorIsReadInPlace() {
    int elements = 4 << 20; // 16 MiB of FP32
    try (ClientRegion region = ClientRegion.create(2L * elements * 4)) {
      ByteBuffer in = region.memory().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < elements; i++) in.putFloat(i);
      register("big_in", region.key(), 0, elements * 4L);
      register("big_out", region.key(), elements * 4L, elements * 4L);
      HttpResponse<String> r = http.post("/v2/models/raw_fp32/infer",
          fp32Request(elements, "big_in", 0, elements * 4L, "big_out", elements * 4L));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      for (int i = 0; i < elements; i += 4099) assertThat(region.memory().getFloat((elements + i) * 4)).isEqualTo(i);
    }
  }
}
