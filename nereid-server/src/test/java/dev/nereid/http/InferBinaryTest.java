package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.DataType;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The binary tensor extension: every data type in and out, output selection, raw binary requests. */
class InferBinaryTest {
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start(TestModels.repository());
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  static HttpResponse<byte[]> postBinary(String path, String header, byte[]... sections) {
    return http.sendBytes(HttpRequest.newBuilder(http.uri(path))
        .header("Inference-Header-Content-Length", Integer.toString(TestHttp.headerLength(header)))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(TestHttp.binaryBody(header, sections))).build());
  }

  static HttpResponse<byte[]> postRaw(String path, byte[] body) {
    return http.sendBytes(HttpRequest.newBuilder(http.uri(path))
        .header("Inference-Header-Content-Length", "0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  static byte[] sampleBytes(DataType type, int count, Random random) {
    if (type == DataType.BYTES) {
      byte[][] elements = new byte[count][];
      for (int i = 0; i < count; i++) {
        elements[i] = new byte[i]; // lengths 0..count-1, with NULs and bytes that are not UTF-8
        random.nextBytes(elements[i]);
      }
      if (count > 2) elements[2] = new byte[] {'a', 0, 'b'};
      return TestHttp.bytesElements(elements);
    }
    byte[] data = new byte[count * type.byteSize()];
    random.nextBytes(data);
    if (type == DataType.BOOL) for (int i = 0; i < data.length; i++) data[i] = (byte) (data[i] & 1);
    return data;
  }

  static String prefix(DataType type) {
    return type == DataType.BYTES ? "string" : type.name().toLowerCase(Locale.ROOT);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyTypeRoundTripsInBinary(DataType type) {
    byte[] data = sampleBytes(type, 6, new Random(type.ordinal()));
    String p = prefix(type);
    String header = "{\"inputs\":[{\"name\":\"" + p + "_input\",\"datatype\":\"" + type.kserveName()
        + "\",\"shape\":[2,3],\"parameters\":{\"binary_data_size\":" + data.length + "}}],"
        + "\"outputs\":[{\"name\":\"" + p + "_output\",\"parameters\":{\"binary_data\":true}}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/identity/infer", header, data);
    assertThat(r.statusCode()).as(() -> new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    BinaryResponse b = BinaryResponse.of(r);
    assertThat(b.contentType()).isEqualTo("application/octet-stream");
    JsonNode out = b.output(p + "_output");
    assertThat(out.path("datatype").asText()).isEqualTo(type.kserveName());
    assertThat(out.path("shape").toString()).isEqualTo("[2,3]");
    assertThat(out.path("parameters").path("binary_data_size").asInt()).isEqualTo(data.length);
    assertThat(out.has("data")).isFalse();
    assertThat(b.binary().get(p + "_output")).isEqualTo(data);
  }

  @Test
  void binaryInputJsonOutput() {
    byte[] data = TestHttp.floats(1.5f, -2f);
    String header = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1,2],"
        + "\"parameters\":{\"binary_data_size\":8}}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/identity/infer", header, data);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("inference-header-content-length")).isEmpty();
    assertThat(TestHttp.json(new String(r.body(), StandardCharsets.UTF_8)).path("outputs").get(0).path("data").toString())
        .isEqualTo("[1.5,-2.0]");
  }

  @Test
  void fp16AsJsonOutputIsRefused() {
    String header = "{\"inputs\":[{\"name\":\"fp16_input\",\"datatype\":\"FP16\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":2}}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/identity/infer", header, new byte[] {0, 0x3c});
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains(
        "sending FP16 data via JSON is not supported. Please use the binary data format for output");
  }

  @Test
  void bytesThatAreNotUtf8CannotBeJson() {
    byte[] data = TestHttp.bytesElements(new byte[] {(byte) 0xff, (byte) 0xfe});
    String header = "{\"inputs\":[{\"name\":\"string_input\",\"datatype\":\"BYTES\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":" + data.length + "}}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/identity/infer", header, data);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("not valid UTF-8", "string_output");
  }

  @Test
  void nulBytesSurviveJsonStrings() {
    byte[] data = TestHttp.bytesElements("a\0b".getBytes(StandardCharsets.UTF_8));
    String header = "{\"inputs\":[{\"name\":\"string_input\",\"datatype\":\"BYTES\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":" + data.length + "}}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/identity/infer", header, data);
    JsonNode out = TestHttp.json(new String(r.body(), StandardCharsets.UTF_8)).path("outputs").get(0);
    assertThat(out.path("data").get(0).asText()).isEqualTo("a\0b");
  }

  // --- output selection: an output listed in "outputs" is binary only with its own binary_data: true

  static final String TWO_INPUTS = "{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[16],"
      + "\"data\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]},{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[16],"
      + "\"data\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}";

  static BinaryResponse select(String parametersAndOutputs) {
    HttpResponse<byte[]> r = http.sendBytes(HttpRequest.newBuilder(http.uri("/v2/models/two_inputs/infer"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[" + TWO_INPUTS + "]" + parametersAndOutputs + "}"))
        .build());
    assertThat(r.statusCode()).isEqualTo(200);
    return BinaryResponse.of(r);
  }

  @Test
  void selectionDefaultIsJson() {
    BinaryResponse b = select("");
    assertThat(b.binary()).isEmpty();
    assertThat(b.contentType()).isEqualTo("application/json");
    assertThat(b.output("OUTPUT0").path("data")).hasSize(16);
  }

  @Test
  void selectionRequestLevelBinaryAppliesToUnlistedOutputs() {
    BinaryResponse b = select(",\"parameters\":{\"binary_data_output\":true}");
    assertThat(b.binary()).containsOnlyKeys("OUTPUT0", "OUTPUT1");
    assertThat(b.contentType()).isEqualTo("application/octet-stream");
    assertThat(ByteBuffer.wrap(b.binary().get("OUTPUT0")).order(ByteOrder.LITTLE_ENDIAN).getInt(15 * 4)).isEqualTo(15);
  }

  @Test
  void selectionListedWithoutParameterIsJsonEvenWithRequestLevelBinary() {
    BinaryResponse b = select(",\"parameters\":{\"binary_data_output\":true},"
        + "\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}},{\"name\":\"OUTPUT1\"}]");
    assertThat(b.binary()).containsOnlyKeys("OUTPUT0");
    assertThat(b.output("OUTPUT1").path("data")).hasSize(16);
  }

  @Test
  void selectionPerOutputFlags() {
    BinaryResponse b = select(",\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":false}},"
        + "{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":true}}]");
    assertThat(b.binary()).containsOnlyKeys("OUTPUT1");
    assertThat(b.output("OUTPUT0").path("data")).hasSize(16);
  }

  @Test
  void selectionOnlyListedOutputsAreReturned() {
    BinaryResponse b = select(",\"outputs\":[{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":true}}]");
    assertThat(b.header().path("outputs")).hasSize(1);
    assertThat(b.binary()).containsOnlyKeys("OUTPUT1");
  }

  @Test
  void mixedJsonAndBinaryInputs() {
    byte[] input0 = new byte[64];
    ByteBuffer.wrap(input0).order(ByteOrder.LITTLE_ENDIAN).putInt(60, 42);
    String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[16],"
        + "\"parameters\":{\"binary_data_size\":64}},{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[16],"
        + "\"data\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}]}";
    HttpResponse<byte[]> r = postBinary("/v2/models/two_inputs/infer", header, input0);
    BinaryResponse b = BinaryResponse.of(r);
    assertThat(b.output("OUTPUT0").path("data").get(15).asInt()).isEqualTo(42);
  }

  // --- raw binary requests: Inference-Header-Content-Length: 0

  @Test
  void rawRequestOnSingleInputModel() {
    HttpResponse<byte[]> r = postRaw("/v2/models/raw_fp32/infer", TestHttp.floats(1, 2, 3));
    assertThat(r.statusCode()).isEqualTo(200);
    BinaryResponse b = BinaryResponse.of(r);
    assertThat(b.output("OUTPUT0").path("shape").toString()).isEqualTo("[3]");
    assertThat(b.binary().get("OUTPUT0")).isEqualTo(TestHttp.floats(1, 2, 3));
  }

  @Test
  void rawRequestOnBatchingModelHasBatchOne() {
    HttpResponse<byte[]> r = postRaw("/v2/models/identity_batch/infer", TestHttp.floats(1, 2, 3, 4));
    BinaryResponse b = BinaryResponse.of(r);
    assertThat(b.output("OUTPUT0").path("shape").toString()).isEqualTo("[1,4]");
    assertThat(b.binary().get("OUTPUT0")).isEqualTo(TestHttp.floats(1, 2, 3, 4));
  }

  @Test
  void rawBytesRequestIsOneElement() {
    byte[] raw = "hello\0world".getBytes(StandardCharsets.UTF_8);
    BinaryResponse b = BinaryResponse.of(postRaw("/v2/models/raw_bytes/infer", raw));
    assertThat(b.binary().get("OUTPUT0")).isEqualTo(TestHttp.bytesElements(raw));
  }

  @Test
  void rawRequestErrorsUseTritonsMessages() {
    HttpResponse<byte[]> many = postRaw("/v2/models/identity/infer", TestHttp.floats(1));
    assertThat(many.statusCode()).isEqualTo(400);
    assertThat(new String(many.body(), StandardCharsets.UTF_8)).contains(
        "Raw request must only have 1 input (found 1) to be deduced but got 14 inputs in 'identity' model configuration");
    HttpResponse<byte[]> twoVariable = postRaw("/v2/models/raw_two_variable/infer", TestHttp.floats(1));
    assertThat(new String(twoVariable.body(), StandardCharsets.UTF_8)).contains("The shape of the raw input 'INPUT0' can not"
        + " be deduced because there are more than one variable-sized dimension");
    HttpResponse<byte[]> bytes = postRaw("/v2/models/raw_bytes_variable/infer", new byte[] {1});
    assertThat(new String(bytes.body(), StandardCharsets.UTF_8)).contains(
        "For BYTE datatype raw input 'INPUT0', the model must have input shape [1]");
    HttpResponse<byte[]> partial = postRaw("/v2/models/raw_fp32/infer", new byte[] {1, 2, 3, 4, 5});
    assertThat(partial.statusCode()).isEqualTo(400);
    assertThat(new String(partial.body(), StandardCharsets.UTF_8))
        .contains("input byte size mismatch for input 'INPUT0' for model 'raw_fp32'. Expected 4, got 5");
  }
}
