package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import dev.nereid.testing.javamodels.LateReaderModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request's body and tensor buffers outlive its response while a model still reads them: the front
 * end gives them back only when the server runs the request's release callback, so memory reused for
 * the next request never shows through in an earlier one's inputs.
 */
class RequestMemoryTest {
  private static final int ELEMENTS = 2 << 20; // 8 MiB: a body large enough for the reused body buffers

  @TempDir static Path repository;
  static TestHttp http;

  @BeforeAll
  static void start() {
    TestHttp.writeModel(repository, "late_reader", """
        backend: "java"
        parameters { key: "class" value { string_value: "dev.nereid.testing.javamodels.LateReaderModel" } }
        input [ { name: "X" data_type: TYPE_FP32 dims: [ -1 ] } ]
        output [ { name: "Y" data_type: TYPE_FP32 dims: [ -1 ] } ]
        """);
    http = TestHttp.start(ModelControlMode.NONE, o -> o, repository);
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  @Test
  void aBinaryBodyStaysTheRequestsWhileTheModelReadsOnAfterAnswering() throws InterruptedException {
    assertThat(post(binaryRequest(1f)).statusCode()).isEqualTo(200);
    // The first request is answered but its model still holds X; the next one needs a body buffer too.
    assertThat(post(binaryRequest(3f)).statusCode()).isEqualTo(200);
    assertThat(lateSums(2)).as("each request's late sum, in either order").containsExactlyInAnyOrder(1f * ELEMENTS,
        3f * ELEMENTS);
  }

  @Test
  void jsonTensorsStayTheRequestsWhileTheModelReadsOnAfterAnswering() throws InterruptedException {
    HttpResponse<byte[]> first = post(jsonRequest(2f));
    assertThat(first.statusCode()).isEqualTo(200);
    for (int i = 0; i < 20; i++) assertThat(post(jsonRequest(5f)).statusCode()).isEqualTo(200);
    List<Float> sums = lateSums(21);
    assertThat(sums).as("the first request's late sum").containsOnlyOnce(2f * 4);
    assertThat(sums).filteredOn(s -> s == 5f * 4).hasSize(20);
  }

  /** Lets {@code count} held requests finish and collects their late sums, in the order they finish. */
  private static List<Float> lateSums(int count) throws InterruptedException {
    List<Float> sums = new ArrayList<>();
    for (int i = 0; i < count; i++) LateReaderModel.finish();
    for (int i = 0; i < count; i++) {
      Float sum = LateReaderModel.lateSums().poll(30, TimeUnit.SECONDS);
      assertThat(sum).as("late sum %d of %d", i + 1, count).isNotNull();
      sums.add(sum);
    }
    return sums;
  }

  private static HttpResponse<byte[]> post(HttpRequest.Builder request) {
    return http.sendBytes(request.build());
  }

  private static HttpRequest.Builder binaryRequest(float value) {
    ByteBuffer data = ByteBuffer.allocate(ELEMENTS * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < ELEMENTS; i++) data.putFloat(value);
    String header = "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"FP32\",\"shape\":[" + ELEMENTS + "],"
        + "\"parameters\":{\"binary_data_size\":" + data.capacity() + "}}],\"parameters\":{\"binary_data_output\":true}}";
    return HttpRequest.newBuilder(http.uri("/v2/models/late_reader/infer"))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
        .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, data.array())));
  }

  private static HttpRequest.Builder jsonRequest(float value) {
    String body = "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"FP32\",\"shape\":[4],\"data\":[" + value + "," + value + ","
        + value + "," + value + "]}]}";
    return HttpRequest.newBuilder(http.uri("/v2/models/late_reader/infer"))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }
}
