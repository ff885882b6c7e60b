package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * More than a hundred malformed requests, each on its own connection, each answered with the right 4xx
 * (501 for what Nereid does not support, 505 for an unknown HTTP version, and Triton's 500 for a
 * negative dimension) and a message naming what was wrong; afterwards the server still serves.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MalformedRequestCorpusTest {
  static final int LIMIT = 1 << 20;
  static TestHttp http;

  @BeforeAll
  static void start() {
    http = TestHttp.start(ModelControlMode.EXPLICIT, o -> o.maxRequestSize(LIMIT).maxHeaderSize(8192),
        TestModels.repository());
  }

  @AfterAll
  static void stop() {
    http.close();
  }

  record Case(String name, byte[] request, int status, String message) {}

  static final List<Case> CASES = new ArrayList<>();

  static void raw(String name, String request, int status, String message) {
    CASES.add(new Case(name, request.getBytes(StandardCharsets.ISO_8859_1), status, message));
  }

  static void post(String name, String path, String body, int status, String message, String... headers) {
    CASES.add(new Case(name, RawHttp.request("POST", path, body, headers), status, message));
  }

  static void method(String method, String path, int status, String message) {
    CASES.add(new Case(method + " " + path, RawHttp.request(method, path, ""), status, message));
  }

  static void infer(String name, String body, int status, String message) {
    post(name, "/v2/models/identity/infer", body, status, message);
  }

  static String input(String name, String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"" + name + "\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":"
        + data + "}]}";
  }

  static final String I32 = "{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,2],\"data\":[1,2]}";

  static {
    // --- broken HTTP
    raw("garbage request line", "GARBAGE\r\n\r\n", 400, "malformed HTTP request");
    raw("unknown HTTP version", "GET /v2 HTTP/9.9\r\nHost: x\r\n\r\n", 505, "HTTP version HTTP/9.9 is not supported");
    raw("unknown protocol", "GET /v2 FOO/1.1\r\nHost: x\r\n\r\n", 400, "malformed HTTP request");
    raw("request line with method only", "GET\r\n\r\n", 400, "malformed HTTP request");
    raw("header without colon", "GET /v2 HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, "malformed HTTP request");
    raw("header too large", "GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", 431,
        "request headers too large");
    raw("request line too long", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414,
        "request line too long");
    raw("content length not a number", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        400, "malformed HTTP request");
    raw("negative content length", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        400, "malformed HTTP request");
    raw("conflicting content lengths", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
        + "Content-Length: 3\r\n\r\n{}", 400, "malformed HTTP request");
    raw("invalid chunk size", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "ZZ\r\nabc\r\n0\r\n\r\n", 400, "malformed HTTP request");
    raw("chunk size overflow", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", 400, "malformed HTTP request");
    raw("declared body over the limit", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Length: "
        + (LIMIT + 1) + "\r\n\r\n", 400, "Request JSON size of " + (LIMIT + 1) + " bytes exceeds the maximum allowed value of "
        + LIMIT + " bytes. Use --http-max-input-size to increase the limit.");
    raw("expect-continue over the limit", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        + "Content-Length: " + (LIMIT * 4) + "\r\n\r\n", 413, null);
    raw("control character in header name", "GET /v2 HTTP/1.1\r\nHost: x\r\nX\u0001Y: 1\r\n\r\n", 400,
        "malformed HTTP request");
    raw("space before header colon", "GET /v2 HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed HTTP request");
    raw("non-ASCII request line", "G\u00ffT /v2 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed HTTP request");
    StringBuilder chunks = new StringBuilder("POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i <= ChunkLimiter.MAX_CHUNKS; i++) chunks.append("1\r\nA\r\n");
    raw("too many chunks", chunks.append("0\r\n\r\n").toString(), 400, "more than 65536 chunks");
    raw("unknown content encoding", new String(RawHttp.request("POST", "/v2/models/identity/infer", "{}",
        "Content-Encoding", "br"), StandardCharsets.ISO_8859_1), 501, "Unsupported compression type 'br'");
    raw("corrupt gzip body", "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
        + "Content-Length: 12\r\n\r\nnot gzipped!", 400, "cannot read the request");

    // --- unknown routes
    for (String path : new String[] {"/v1", "/v2/", "/v2/models", "/v2/models/", "/v2/models/identity/versions/",
        "/v2/models/identity/versions/abc/infer", "/v2/models/identity/infer/extra", "/v2/health", "/v2/health/dead",
        "/v2/repository", "/v2/repository/models/x", "/v2/repository/models/x/reload", "/v2/systemsharedmemory/region",
        "/favicon.ico", "/v2//models/identity", "/v2/models/identity/versions/1/trace/setting", "/../../etc/passwd",
        "/v2/models/identity/../../x", "/V2/health/live", "/v2/health/live/", "/v2/models/identity/infer%00"}) {
      method("GET", path, 404, "Not Found");
    }

    // --- wrong methods
    for (String path : new String[] {"/v2/models/identity/infer", "/v2/models/identity/generate",
        "/v2/models/identity/generate_stream", "/v2/repository/index", "/v2/repository/models/identity/load",
        "/v2/repository/models/identity/unload", "/v2/systemsharedmemory/register"}) {
      method("GET", path, 405, "Method Not Allowed");
    }
    for (String path : new String[] {"/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/identity",
        "/v2/models/identity/ready", "/v2/models/identity/config", "/v2/models/identity/stats", "/v2/models/stats",
        "/v2/systemsharedmemory/status"}) {
      method("POST", path, 405, "Method Not Allowed");
    }
    method("PUT", "/v2/models/identity/infer", 405, "Method Not Allowed");
    method("DELETE", "/v2", 405, "Method Not Allowed");
    method("PATCH", "/v2/models/identity", 405, "Method Not Allowed");
    method("OPTIONS", "/v2/health/live", 405, "Method Not Allowed");
    method("get", "/v2/health/live", 405, "Method Not Allowed");

    // --- infer: the request body
    infer("empty body", "", 400, "The document is empty");
    infer("not JSON", "hello", 400, "failed to parse the request JSON buffer");
    infer("truncated JSON", "{\"inputs\":[", 400, "failed to parse the request JSON buffer");
    infer("JSON array instead of object", "[]", 400, "the request must be a JSON object");
    infer("JSON string instead of object", "\"x\"", 400, "the request must be a JSON object");
    infer("nesting deeper than 100", "{\"a\":" + "[".repeat(150) + "]".repeat(150) + "}", 400,
        "JSON nesting depth exceeds maximum allowed limit (100)");
    infer("no inputs", "{}", 400, "Unable to parse 'inputs'");
    infer("inputs not an array", "{\"inputs\":{}}", 400, "Unable to parse 'inputs'");
    infer("input not an object", "{\"inputs\":[1]}", 400, "Unable to parse 'inputs'");
    infer("input without name", "{\"inputs\":[{\"datatype\":\"INT32\",\"shape\":[1],\"data\":[1]}]}", 400,
        "Unable to parse 'name'");
    infer("input name not a string", "{\"inputs\":[{\"name\":5,\"datatype\":\"INT32\",\"shape\":[1],\"data\":[1]}]}", 400,
        "Unable to parse 'name'");
    infer("input without datatype", "{\"inputs\":[{\"name\":\"int32_input\",\"shape\":[1,1],\"data\":[1]}]}", 400,
        "Unable to parse 'datatype'");
    infer("unknown datatype", input("int32_input", "INT33", "[1,1]", "[1]"), 400,
        "invalid datatype 'INT33' for input 'int32_input'");
    infer("config-style datatype", input("int32_input", "TYPE_INT32", "[1,1]", "[1]"), 400,
        "invalid datatype 'TYPE_INT32' for input 'int32_input'");
    infer("lower-case datatype", input("int32_input", "int32", "[1,1]", "[1]"), 400, "invalid datatype 'int32'");
    infer("input without shape", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"data\":[1]}]}", 400,
        "Unable to parse 'shape'");
    infer("shape not an array", input("int32_input", "INT32", "2", "[1,2]"), 400, "Unable to parse 'shape'");
    infer("shape of strings", input("int32_input", "INT32", "[\"1\",\"2\"]", "[1,2]"), 400, "Unable to parse 'shape'");
    infer("fractional dimension", input("int32_input", "INT32", "[1,1.5]", "[1,2]"), 400, "Unable to parse 'shape'");
    infer("negative dimension", input("int32_input", "INT32", "[1,-2]", "[1,2]"), 400,
        "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer");
    infer("element count overflow", input("int32_input", "INT32", "[4294967296,4294967296]", "[1]"), 400,
        "causes total element count to exceed maximum size of");
    infer("too few elements", input("int32_input", "INT32", "[1,16]", "[1,2,3]"), 400,
        "Unable to parse 'data': Shape does not match true shape of 'data' field");
    infer("too many elements", input("int32_input", "INT32", "[1,2]", "[1,2,3]"), 400,
        "Unable to parse 'data': Shape does not match true shape of 'data' field");
    infer("ragged nesting", input("int32_input", "INT32", "[2,2]", "[[1,2],[3]]"), 400, "Shape does not match");
    infer("data not an array", input("int32_input", "INT32", "[1,1]", "5"), 400, "Unable to parse 'data'");
    infer("string in INT32", input("int32_input", "INT32", "[1,2]", "[1,\"2\"]"), 400, "INT32 input 'int32_input'");
    infer("float in INT64", input("int64_input", "INT64", "[1,1]", "[1.5]"), 400, "INT64 input 'int64_input'");
    infer("INT8 out of range", input("int8_input", "INT8", "[1,1]", "[300]"), 400, "INT8 input 'int8_input'");
    infer("negative UINT32", input("uint32_input", "UINT32", "[1,1]", "[-1]"), 400, "UINT32 input 'uint32_input'");
    infer("UINT64 out of range", input("uint64_input", "UINT64", "[1,1]", "[18446744073709551616]"), 400,
        "UINT64 input 'uint64_input'");
    infer("number as BOOL", input("bool_input", "BOOL", "[1,1]", "[1]"), 400, "BOOL input 'bool_input'");
    infer("number as BYTES", input("string_input", "BYTES", "[1,1]", "[1]"), 400, "BYTES input 'string_input'");
    infer("null element", input("fp32_input", "FP32", "[1,1]", "[null]"), 400, "FP32 input 'fp32_input'");
    infer("FP16 as JSON", input("fp16_input", "FP16", "[1,1]", "[1.0]"), 400,
        "receiving FP16 data via JSON is not supported. Please use the binary data format for input fp16_input");
    infer("BF16 as JSON", input("bf16_input", "BF16", "[1,1]", "[1.0]"), 400,
        "receiving BF16 data via JSON is not supported. Please use the binary data format for input bf16_input");
    infer("datatype differs from the model's", input("int32_input", "INT64", "[1,1]", "[1]"), 400,
        "inference input 'int32_input' data-type is 'INT64', but model 'identity' expects 'INT32'");
    infer("rank differs from the model's", input("int32_input", "INT32", "[2]", "[1,2]"), 400,
        "unexpected shape for input 'int32_input' for model 'identity'");
    infer("unknown input", input("bogus", "INT32", "[1,1]", "[1]"), 400,
        "unexpected inference input 'bogus' for model 'identity'");
    infer("duplicate input", "{\"inputs\":[" + I32 + "," + I32 + "]}", 400, "input 'int32_input' already exists in request");
    infer("data and binary_data_size", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],"
        + "\"data\":[1],\"parameters\":{\"binary_data_size\":4}}]}", 400,
        "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', "
            + "'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size'");
    infer("neither data nor binary", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1]}]}",
        400, "But no field is set");
    infer("shared memory input", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],"
        + "\"parameters\":{\"shared_memory_region\":\"r\"}}]}", 400,
        "'shared_memory_byte_size' is missing for tensor 'int32_input': it must be given with 'shared_memory_region'");
    infer("shared memory input in an unknown region", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\","
        + "\"shape\":[1,1],\"parameters\":{\"shared_memory_region\":\"r\",\"shared_memory_byte_size\":4}}]}", 404,
        "Unable to find shared memory region: 'r'");
    infer("binary_data_size not a number", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\","
        + "\"shape\":[1,1],\"parameters\":{\"binary_data_size\":\"4\"}}]}", 400, "Unable to parse 'binary_data_size'");
    infer("binary bytes missing", "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":4}}]}", 400,
        "unexpected size for input 'int32_input', expecting 4 additional bytes for model 'identity'");
    infer("outputs not an array", "{\"inputs\":[" + I32 + "],\"outputs\":{}}", 400, "Unable to parse 'outputs'");
    infer("output without name", "{\"inputs\":[" + I32 + "],\"outputs\":[{}]}", 400, "Unable to parse 'name'");
    infer("duplicate output", "{\"inputs\":[" + I32 + "],\"outputs\":[{\"name\":\"int32_output\"},"
        + "{\"name\":\"int32_output\"}]}", 400, "output 'int32_output' already exists in request");
    infer("unknown output", "{\"inputs\":[" + I32 + "],\"outputs\":[{\"name\":\"nope\"}]}", 400,
        "unexpected inference output 'nope' for model 'identity'");
    infer("binary_data not a boolean", "{\"inputs\":[" + I32 + "],\"outputs\":[{\"name\":\"int32_output\","
        + "\"parameters\":{\"binary_data\":1}}]}", 400, "Unable to parse 'binary_data'");
    infer("classification not a number", "{\"inputs\":[" + I32 + "],\"outputs\":[{\"name\":\"int32_output\","
        + "\"parameters\":{\"classification\":\"2\"}}]}", 400, "Unable to set 'classification'");
    infer("classification of BYTES", "{\"inputs\":[{\"name\":\"string_input\",\"datatype\":\"BYTES\",\"shape\":[1,1],"
        + "\"data\":[\"a\"]}],\"outputs\":[{\"name\":\"string_output\",\"parameters\":{\"classification\":1}}]}", 400,
        "class result not available for output 'string_output' due to unsupported type 'BYTES'");
    infer("id not a string", "{\"id\":5,\"inputs\":[" + I32 + "]}", 400, "Unable to parse 'id'");
    infer("parameters not an object", "{\"parameters\":[],\"inputs\":[" + I32 + "]}", 400, "failed to get request params.");
    infer("reserved parameter", "{\"parameters\":{\"triton_x\":1},\"inputs\":[" + I32 + "]}", 400,
        "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
    infer("priority not a number", "{\"parameters\":{\"priority\":\"high\"},\"inputs\":[" + I32 + "]}", 400,
        "Unable to parse 'priority'");
    infer("negative timeout", "{\"parameters\":{\"timeout\":-1},\"inputs\":[" + I32 + "]}", 400, "Unable to parse 'timeout'");
    infer("negative sequence id", "{\"parameters\":{\"sequence_id\":-1},\"inputs\":[" + I32 + "]}", 400,
        "Unable to parse 'sequence_id'");
    infer("sequence_start not a boolean", "{\"parameters\":{\"sequence_start\":1},\"inputs\":[" + I32 + "]}", 400,
        "Unable to parse 'sequence_start'");
    infer("binary_data_output not a boolean", "{\"parameters\":{\"binary_data_output\":\"yes\"},\"inputs\":[" + I32 + "]}",
        400, "Unable to parse 'binary_data_output'");
    infer("parameter of an object type", "{\"parameters\":{\"x\":{}},\"inputs\":[" + I32 + "]}", 400,
        "parameter 'x' has invalid type. It should be either 'int', 'bool', or 'string'.");
    post("missing required input", "/v2/models/two_inputs/infer", "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":"
        + "\"INT32\",\"shape\":[16],\"data\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]}", 400,
        "expected 2 inputs but got 1 inputs for model 'two_inputs'. Got input(s) ['INPUT0'], but missing required"
            + " input(s) ['INPUT1']. Please provide all required input(s).");
    post("batch larger than max_batch_size", "/v2/models/identity_batch/infer",
        input("INPUT0", "FP32", "[9,4]", "[" + "1,".repeat(35) + "1]"), 400,
        "inference request batch-size must be <= 8 for 'identity_batch'");
    post("unknown model", "/v2/models/nope/infer", "{}", 400, "Request for unknown model: 'nope' is not found");
    post("unknown version", "/v2/models/identity/versions/7/infer", "{}", 404,
        "Request for unknown model: 'identity' version 7 is not found");
    post("version too large", "/v2/models/identity/versions/99999999999999999999/infer", "{}", 400,
        "failed to get model version from specified version string '99999999999999999999'");
    post("decoupled model on infer", "/v2/models/repeat_int32/infer", "{}", 501,
        "HTTP end point doesn't support models with decoupled transaction policy");
    post("header length not a number", "/v2/models/identity/infer", "{}", 400,
        "Unable to parse Inference-Header-Content-Length, got: abc", "Inference-Header-Content-Length", "abc");
    post("header length out of range", "/v2/models/identity/infer", "{}", 400,
        "inference header size should be in range (0, 2), got: 99999999999", "Inference-Header-Content-Length",
        "99999999999");
    post("negative header length", "/v2/models/identity/infer", "{}", 400, "inference header size should be in range",
        "Inference-Header-Content-Length", "-1");
    String binaryHeader = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":4}}]}";
    post("leftover binary bytes", "/v2/models/identity/infer", binaryHeader + "ABCDEFGH", 400,
        "unexpected additional input data for model 'identity'", "Inference-Header-Content-Length",
        Integer.toString(binaryHeader.length()));
    String mismatch = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,2],"
        + "\"parameters\":{\"binary_data_size\":4}}]}";
    post("binary size does not fit the shape", "/v2/models/identity/infer", mismatch + "ABCD", 400,
        "input byte size mismatch for input 'int32_input' for model 'identity'. Expected 8, got 4",
        "Inference-Header-Content-Length", Integer.toString(mismatch.length()));
    String badBytes = "{\"inputs\":[{\"name\":\"string_input\",\"datatype\":\"BYTES\",\"shape\":[1,1],"
        + "\"parameters\":{\"binary_data_size\":6}}]}";
    post("BYTES element longer than its data", "/v2/models/identity/infer", badBytes + "\u0009\u0000\u0000\u0000ab", 400,
        "holds a malformed BYTES buffer", "Inference-Header-Content-Length", Integer.toString(badBytes.length()));
    post("raw request to a multi-input model", "/v2/models/two_inputs/infer", "ABCD", 400,
        "Raw request must only have 1 input (found 1) to be deduced but got 2 inputs in 'two_inputs' model configuration",
        "Inference-Header-Content-Length", "0");

    // --- generate, repository, restricted paths
    post("generate with a non-object body", "/v2/models/identity/generate", "[1]", 400,
        "the generate request must be a JSON object");
    post("generate on an unknown model", "/v2/models/nope/generate_stream", "{}", 400,
        "Request for unknown model: 'nope' is not found");
    post("generate with a non-object parameters", "/v2/models/identity/generate", "{\"parameters\":5}", 400,
        "Expected JSON object for keyword: 'parameters'");
    post("generate with an unshapeable input", "/v2/models/identity_batch/generate", "{\"INPUT0\":[1,2,3]}", 400,
        "The schema can not convert input 'INPUT0' to tensor with proper shape");
    post("generate with an FP16 input", "/v2/models/identity/generate", "{\"fp16_input\":[1.0]}", 400,
        "receiving FP16 data via JSON is not supported");
    post("index with a non-boolean ready", "/v2/repository/index", "{\"ready\":1}", 400,
        "Invalid value for 'ready': expected a boolean");
    post("index with a non-object body", "/v2/repository/index", "[]", 400, "the request body must be a JSON object");
    post("load with path traversal in the name", "/v2/repository/models/../load", "", 400,
        "model name must not contain path traversal characters");
    post("load with an encoded slash in the name", "/v2/repository/models/a%2Fb/load", "", 400,
        "model name must not contain path traversal characters");
    post("load with an absolute file path", "/v2/repository/models/raw_fp32/load",
        "{\"parameters\":{\"config\":\"{}\",\"file:/etc/passwd\":\"eA==\"}}", 400, "must be relative to the model folder");
    post("load with a file outside a version folder", "/v2/repository/models/raw_fp32/load",
        "{\"parameters\":{\"config\":\"{}\",\"file:model.onnx\":\"eA==\"}}", 400, "must start with a version folder");
    post("load of an unknown model", "/v2/repository/models/nope/load", "", 400,
        "failed to load 'nope', failed to poll from model repository: no model folder named 'nope' in any repository");
    post("load with an unknown parameter", "/v2/repository/models/raw_fp32/load", "{\"parameters\":{\"x\":\"y\"}}", 400,
        "unknown load parameter 'x'");
    post("unload of an unknown model", "/v2/repository/models/nope/unload", "", 400,
        "failed to unload 'nope': no model of that name is known");
    post("load with a repository name", "/v2/repository/r1/models/raw_fp32/load", "", 501,
        "'repository_name' specification is not supported");
    post("shared memory register without a key", "/v2/systemsharedmemory/region/r/register", "{}", 400,
        "Unable to parse 'key'");
  }

  @TestFactory
  @Order(1)
  Stream<DynamicTest> eachMalformedRequestGetsTheRightAnswer() {
    assertThat(CASES).hasSizeGreaterThanOrEqualTo(100);
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
      RawHttp.Reply reply = RawHttp.exchange(http.frontend.port(), c.request());
      assertThat(reply.status()).as(c.name() + ": " + reply.body()).isEqualTo(c.status());
      if (c.message() != null) {
        assertThat(reply.headers().get("content-type")).as(c.name()).isEqualTo("application/json");
        assertThat(TestHttp.json(reply.body()).path("error").asText()).as(c.name()).contains(c.message());
      }
    }));
  }

  @Test
  @Order(2)
  void theServerStillServesAfterwards() {
    assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
    var r = http.post("/v2/models/identity/infer", "{\"inputs\":[" + I32 + "]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestHttp.json(r).path("outputs").get(0).path("data").toString()).isEqualTo("[1,2]");
  }
}
