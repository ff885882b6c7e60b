package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Content-Encoding gzip/deflate on requests and Accept-Encoding gzip/deflate on responses, in every pairing. */
class CompressionTest {
  static TestHttp http;
  static final String INFER = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,4],"
      + "\"data\":[1,2,3,4]}]}";

  @BeforeAll
  static void start() {
    http = TestHttp.start(dev.nereid.ModelControlMode.NONE, o -> o.maxRequestSize(1 << 20));
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static byte[] compress(String encoding, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var z = encoding.equals("gzip") ? new GZIPOutputStream(out) : new DeflaterOutputStream(out)) {
      z.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] decompress(String encoding, byte[] data) {
    try (InputStream in = encoding.equals("gzip") ? new GZIPInputStream(new java.io.ByteArrayInputStream(data))
        : new InflaterInputStream(new java.io.ByteArrayInputStream(data))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HttpResponse<byte[]> post(byte[] body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(http.uri("/v2/models/identity/infer"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) b.headers(headers);
    return http.sendBytes(b.build());
  }

  @ParameterizedTest(name = "request {0}, response {1}")
  @CsvSource({"identity,identity", "gzip,identity", "deflate,identity", "identity,gzip", "identity,deflate",
      "gzip,gzip", "gzip,deflate", "deflate,gzip", "deflate,deflate"})
  void everyPairingOfEncodings(String requestEncoding, String responseEncoding) {
    byte[] json = INFER.getBytes(StandardCharsets.UTF_8);
    byte[] body = requestEncoding.equals("identity") ? json : compress(requestEncoding, json);
    HttpResponse<byte[]> r = post(body, "Content-Encoding", requestEncoding, "Accept-Encoding", responseEncoding);
    assertThat(r.statusCode()).isEqualTo(200);
    byte[] content = r.body();
    if (responseEncoding.equals("identity")) {
      assertThat(r.headers().firstValue("content-encoding")).isEmpty();
    } else {
      assertThat(r.headers().firstValue("content-encoding")).hasValue(responseEncoding);
      content = decompress(responseEncoding, content);
    }
    assertThat(TestHttp.json(new String(content, StandardCharsets.UTF_8)).path("outputs").get(0).path("data").toString())
        .isEqualTo("[1,2,3,4]");
  }

  @Test
  void compressedBinaryResponseKeepsTheUncompressedHeaderLength() {
    String header = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1,3],"
        + "\"parameters\":{\"binary_data_size\":12}}],\"parameters\":{\"binary_data_output\":true}}";
    byte[] body = compress("gzip", TestHttp.binaryBody(header, TestHttp.floats(1, 2, 3)));
    HttpResponse<byte[]> r = post(body, "Content-Encoding", "gzip", "Accept-Encoding", "gzip",
        "Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)));
    assertThat(r.statusCode()).isEqualTo(200);
    byte[] content = decompress("gzip", r.body());
    int headerLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    String json = new String(content, 0, headerLength, StandardCharsets.UTF_8);
    assertThat(TestHttp.json(json).path("outputs").get(0).path("parameters").path("binary_data_size").asInt()).isEqualTo(12);
    assertThat(java.util.Arrays.copyOfRange(content, headerLength, content.length)).isEqualTo(TestHttp.floats(1, 2, 3));
  }

  @Test
  void acceptEncodingWeightsPickTheEncoding() {
    HttpResponse<byte[]> r = post(INFER.getBytes(StandardCharsets.UTF_8), "Accept-Encoding", "gzip;q=0.5, deflate;q=0.9");
    assertThat(r.headers().firstValue("content-encoding")).hasValue("deflate");
  }

  @Test
  void unknownRequestEncodingIs501() {
    HttpResponse<byte[]> r = post(INFER.getBytes(StandardCharsets.UTF_8), "Content-Encoding", "compress");
    assertThat(r.statusCode()).isEqualTo(501);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("Unsupported compression type 'compress'");
  }

  @Test
  void corruptCompressedBodyIs400AndTheServerKeepsServing() {
    byte[] corrupt = compress("gzip", INFER.getBytes(StandardCharsets.UTF_8));
    for (int i = 12; i < corrupt.length - 8; i++) corrupt[i] ^= (byte) 0x5a;
    HttpResponse<byte[]> r = post(corrupt, "Content-Encoding", "gzip");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(post(INFER.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
  }

  @Test
  void aBodyThatInflatesPastTheLimitIs400AsInTriton() {
    byte[] bomb = compress("gzip", new byte[4 << 20]); // 4 MiB of zeros against a 1 MiB limit
    assertThat(bomb.length).isLessThan(1 << 20);
    HttpResponse<byte[]> r = post(bomb, "Content-Encoding", "gzip");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("Request JSON size exceeds the maximum allowed value"
        + " of 1048576 bytes. Use --http-max-input-size to increase the limit.");
    assertThat(post(INFER.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
  }
}
