package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Large binary tensors round trip intact; the request size limit is enforced at its exact value. */
class LargePayloadTest {
  static final int LIMIT = 128 << 20;
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start(dev.nereid.ModelControlMode.NONE, o -> o.maxRequestSize(LIMIT));
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static HttpResponse<byte[]> postFp32(int elements, byte[] data) {
    String header = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1," + elements + "],"
        + "\"parameters\":{\"binary_data_size\":" + data.length + "}}],\"parameters\":{\"binary_data_output\":true}}";
    return http.sendBytes(HttpRequest.newBuilder(http.uri("/v2/models/identity/infer"))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
        .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, data))).build());
  }

  @Test
  void hundredMegabyteTensorRoundTrips() {
    int elements = 100 * (1 << 20) / 4;
    ByteBuffer data = ByteBuffer.allocate(elements * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < elements; i++) data.putFloat(i * 0.5f);
    HttpResponse<byte[]> r = postFp32(elements, data.array());
    assertThat(r.statusCode()).isEqualTo(200);
    BinaryResponse b = BinaryResponse.of(r);
    assertThat(b.output("fp32_output").path("shape").toString()).isEqualTo("[1," + elements + "]");
    byte[] out = b.binary().get("fp32_output");
    assertThat(out.length).isEqualTo(data.capacity());
    assertThat(Arrays.equals(out, data.array())).isTrue();
  }

  @Test
  void justUnderTheLimitIsServedAndJustOverIs400AsInTriton() {
    String header = "{\"inputs\":[{\"name\":\"uint8_input\",\"datatype\":\"UINT8\",\"shape\":[1,%N%],"
        + "\"parameters\":{\"binary_data_size\":%N%}}],\"parameters\":{\"binary_data_output\":true}}";
    int fixed = TestHttp.headerLength(header.replace("%N%", ""));
    // Solve for a body of exactly LIMIT bytes: header (with N written twice) plus N bytes of data.
    int n = LIMIT - fixed - 2 * Integer.toString(LIMIT).length();
    while (fixed + 2 * Integer.toString(n).length() + n < LIMIT) n++;
    String exact = header.replace("%N%", Integer.toString(n));
    byte[] atLimit = TestHttp.binaryBody(exact, new byte[n]);
    assertThat(atLimit.length).isEqualTo(LIMIT);
    HttpResponse<byte[]> ok = http.sendBytes(HttpRequest.newBuilder(http.uri("/v2/models/identity/infer"))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(exact)))
        .POST(HttpRequest.BodyPublishers.ofByteArray(atLimit)).build());
    assertThat(ok.statusCode()).isEqualTo(200);

    byte[] overLimit = Arrays.copyOf(atLimit, LIMIT + 1);
    HttpResponse<byte[]> tooLarge = http.sendBytes(HttpRequest.newBuilder(http.uri("/v2/models/identity/infer"))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(exact)))
        .POST(HttpRequest.BodyPublishers.ofByteArray(overLimit)).build());
    assertThat(tooLarge.statusCode()).isEqualTo(400);
    assertThat(new String(tooLarge.body(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"Request size of "
        + (LIMIT + 1) + " bytes exceeds the maximum allowed value of " + LIMIT
        + " bytes. Use --http-max-input-size to increase the limit.\"}");
    assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
  }
}
