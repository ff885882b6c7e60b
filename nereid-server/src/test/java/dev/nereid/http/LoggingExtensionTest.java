package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelControlMode;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.LogSettingsRequest;
import dev.nereid.grpc.proto.LogSettingsResponse;
import dev.nereid.grpc.proto.ServerMetadataRequest;
import dev.nereid.logging.NereidLogging;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logging extension over HTTP and gRPC changes what the running process logs: lines from an
 * ordinary SLF4J logger appear in or vanish from the log file as the settings say.
 */
class LoggingExtensionTest {
  static final Logger probe = LoggerFactory.getLogger("dev.nereid.test.LoggingProbe");
  static TestHttp http;
  static GrpcFrontend grpc;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @TempDir
  Path temp;

  @BeforeAll
  static void start() {
    http = TestHttp.start(ModelControlMode.NONE, o -> o);
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
  void restoreLogging() {
    NereidLogging.reset();
  }

  @Test
  void httpSettingsChangeWhatIsWritten() throws Exception {
    Path file = temp.resolve("server.log");
    NereidLogging.apply(NereidLogging.settings().withLogFile(file.toString()).withInfo(true).withWarning(true));

    HttpResponse<String> set = http.post("/v2/logging", "{\"log_info\":false,\"log_verbose_level\":1,\"log_format\":\"ISO8601\"}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(set.body()).isEqualTo("{\"log_file\":\"" + file + "\",\"log_info\":false,\"log_warning\":true,"
        + "\"log_error\":true,\"log_verbose_level\":1,\"log_format\":\"ISO8601\"}");
    assertThat(http.get("/v2/logging").body()).isEqualTo(set.body());

    probe.info("an info line that must not appear");
    probe.warn("a warning that must appear");
    probe.debug("a verbose line that must appear");
    String text = Files.readString(file);
    assertThat(text).doesNotContain("must not appear");
    assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ W \\d+ LoggingProbe\\] a warning that must appear$");
    assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ V \\d+ LoggingProbe\\] a verbose line");

    assertThat(http.post("/v2/logging", "{\"log_info\":true,\"log_format\":\"default\"}").statusCode()).isEqualTo(200);
    probe.info("back on");
    assertThat(Files.readString(file)).containsPattern("(?m)^I\\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{6} \\d+ LoggingProbe\\] back on$");
  }

  @Test
  void httpRefusesWhatTritonRefuses() {
    HttpResponse<String> file = http.post("/v2/logging", "{\"log_file\":\"/tmp/elsewhere.log\"}");
    assertThat(file.statusCode()).isEqualTo(501);
    assertThat(TestHttp.error(file)).isEqualTo("log file location can not be updated through network protocol");
    HttpResponse<String> type = http.post("/v2/logging", "{\"log_info\":\"yes\"}");
    assertThat(type.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(type)).isEqualTo("expect boolean for 'log_info'");
    HttpResponse<String> format = http.post("/v2/logging", "{\"log_format\":\"json\"}");
    assertThat(format.statusCode()).isEqualTo(400);
    assertThat(TestHttp.error(format)).isEqualTo("invalid argument for log_format, got: json");
    // A refused change changes nothing, not even the settings before the bad one.
    HttpResponse<String> partly = http.post("/v2/logging", "{\"log_error\":false,\"log_verbose_level\":-1}");
    assertThat(partly.statusCode()).isEqualTo(400);
    assertThat(TestHttp.json(http.get("/v2/logging")).path("log_error").asBoolean()).isTrue();
  }

  @Test
  void grpcReadsAndChangesTheSameSettings() {
    LogSettingsResponse set = stub.logSettings(LogSettingsRequest.newBuilder()
        .putSettings("log_warning", LogSettingsRequest.SettingValue.newBuilder().setBoolParam(false).build())
        .putSettings("log_verbose_level", LogSettingsRequest.SettingValue.newBuilder().setUint32Param(2).build())
        .build());
    assertThat(set.getSettingsOrThrow("log_warning").getBoolParam()).isFalse();
    assertThat(set.getSettingsOrThrow("log_verbose_level").getUint32Param()).isEqualTo(2);
    assertThat(set.getSettingsOrThrow("log_format").getStringParam()).isEqualTo("default");
    assertThat(set.getSettingsOrThrow("log_file").getStringParam()).isEmpty();
    // The HTTP front end reports what gRPC set.
    assertThat(TestHttp.json(http.get("/v2/logging")).path("log_verbose_level").asInt()).isEqualTo(2);
    assertThat(probe.isTraceEnabled()).isTrue();
    assertThat(probe.isWarnEnabled()).isFalse();

    assertThatThrownBy(() -> stub.logSettings(LogSettingsRequest.newBuilder()
        .putSettings("log_info", LogSettingsRequest.SettingValue.newBuilder().setStringParam("true").build()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("expect boolean for 'log_info'");
        });
    assertThatThrownBy(() -> stub.logSettings(LogSettingsRequest.newBuilder()
        .putSettings("log_file", LogSettingsRequest.SettingValue.newBuilder().setStringParam("x.log").build()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void bothProtocolsAdvertiseTheExtension() {
    assertThat(TestHttp.json(http.get("/v2")).path("extensions").toString()).contains("\"logging\"");
    assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList()).contains("logging");
  }
}
