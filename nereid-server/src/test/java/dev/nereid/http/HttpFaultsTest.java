package dev.nereid.http;

import static dev.nereid.http.HttpFrontendLifecycleTest.SLOW_BODY;
import static dev.nereid.http.HttpFrontendLifecycleTest.concat;
import static dev.nereid.http.HttpFrontendLifecycleTest.readResponse;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.ModelControlMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * What the fault probe of the HTTP front end found: every request that was read gets exactly one
 * answer, in order, also when the front end closes with requests in flight, when a client pipelines
 * hundreds of requests, and when a request is over the size limit; and the connection ends without a
 * reset.
 */
class HttpFaultsTest {
  private static final byte[] LIVE = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @Test
  void closingAnswersRequestsStillInFlightAndThosePipelinedBehindThemWith503() throws Exception {
    HeldBackend.reset();
    TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o, HttpFrontendLifecycleTest.repositoryWithSlowModel());
    try (Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(concat(RawHttp.request("POST", "/v2/models/held/infer", SLOW_BODY), LIVE, LIVE));
      out.flush();
      HeldBackend.awaitStarted();
      // The model never finishes within the drain: the request and the two behind it must still be answered.
      http.frontend.close(Duration.ofMillis(300));
      InputStream in = socket.getInputStream();
      String first = readResponse(in);
      assertThat(first).startsWith("HTTP/1.1 503")
          .contains("Server is shutting down: the request did not complete within the exit timeout");
      String second = readResponse(in);
      String third = readResponse(in);
      assertThat(second).startsWith("HTTP/1.1 503").contains("Server is shutting down");
      assertThat(third).startsWith("HTTP/1.1 503").contains("Server is shutting down").containsIgnoringCase("connection: close");
      assertThat(in.read()).as("end of stream after the last answer").isEqualTo(-1);
    } finally {
      HeldBackend.release();
      http.close();
    }
  }

  @Test
  void hundredsOfPipelinedRequestsAreAllAnsweredInOrder() throws Exception {
    try (TestHttp http = TestHttp.start(); Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(30_000);
      int count = 400;
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int i = 0; i < count; i++) {
        all.write(RawHttp.request("POST", "/v2/models/identity/infer", "{\"id\":\"r" + i + "\",\"inputs\":[{\"name\":"
            + "\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[" + i + "]}]}"));
      }
      // One write: the server reads far more than Netty's default pipelining depth (128) at once.
      CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(all.toByteArray());
          socket.getOutputStream().flush();
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      InputStream in = socket.getInputStream();
      for (int i = 0; i < count; i++) {
        String response = readResponse(in);
        assertThat(response).as("response %d", i).startsWith("HTTP/1.1 200").contains("\"id\":\"r" + i + "\"")
            .contains("\"data\":[" + i + "]");
      }
      writing.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPipelinedOverLimitRequestIsAnsweredAfterTheRequestsBeforeIt() throws Exception {
    try (TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o.maxRequestSize(4096));
        Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(30_000);
      byte[] tooLarge = RawHttp.request("POST", "/v2/models/identity/infer", "x".repeat(5000));
      socket.getOutputStream().write(concat(LIVE, LIVE, tooLarge));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200");
      assertThat(readResponse(in)).startsWith("HTTP/1.1 400")
          .contains("Request JSON size of 5000 bytes exceeds the maximum allowed value of 4096 bytes");
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void anOverLimitRequestStillBeingSentGetsItsAnswerAndNoReset() throws Exception {
    try (TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o.maxRequestSize(4096));
        Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(30_000);
      int bodySize = 8 << 20;
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + bodySize + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      // The client sends the whole body while the server has long decided to refuse it: the server
      // must keep reading (and discarding) it, or the client's writes end in a reset.
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
        try {
          byte[] piece = new byte[64 << 10];
          for (int sent = 0; sent < bodySize; sent += piece.length) out.write(piece);
          out.flush();
        } catch (IOException e) {
          throw new RuntimeException("the server broke the connection while the body was sent", e);
        }
      });
      InputStream in = socket.getInputStream();
      assertThat(readResponse(in)).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close")
          .contains("Request JSON size of " + bodySize + " bytes exceeds the maximum allowed value of 4096 bytes");
      sending.get(60, TimeUnit.SECONDS);
      assertThat(in.read()).as("end of stream, not a reset").isEqualTo(-1);
      assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void onlyInferenceResponsesAreCompressed() throws Exception {
    try (TestHttp http = TestHttp.start()) {
      for (String path : List.of("/v2", "/v2/models/identity", "/v2/models/identity/config", "/v2/models/identity/stats",
          "/v2/health/ready")) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(http.uri(path)).header("Accept-Encoding", "gzip").build());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        assertThat(r.headers().firstValue("content-encoding")).as(path).isEmpty();
      }
      HttpResponse<String> index = http.send(HttpRequest.newBuilder(http.uri("/v2/repository/index"))
          .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(index.headers().firstValue("content-encoding")).isEmpty();
      assertThat(TestHttp.json(index).isArray()).isTrue();

      HttpResponse<byte[]> infer = http.sendBytes(HttpRequest.newBuilder(http.uri("/v2/models/identity/infer"))
          .header("Accept-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":"
              + "\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,3],\"data\":[1,2,3]}]}")).build());
      assertThat(infer.headers().firstValue("content-encoding")).hasValue("gzip");
      try (InputStream body = new GZIPInputStream(new java.io.ByteArrayInputStream(infer.body()))) {
        assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).contains("\"data\":[1,2,3]");
      }
    }
  }

  @Test
  void percentEncodedModelNamesAreDecoded() {
    try (TestHttp http = TestHttp.start()) {
      HttpResponse<String> metadata = http.get("/v2/models/iden%74ity");
      assertThat(metadata.statusCode()).isEqualTo(200);
      assertThat(TestHttp.json(metadata).path("name").asText()).isEqualTo("identity");
      HttpResponse<String> infer = http.post("/v2/models/%69dentity/infer", "{\"inputs\":[{\"name\":"
          + "\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[4]}]}");
      assertThat(infer.statusCode()).isEqualTo(200);
      assertThat(TestHttp.json(infer).path("model_name").asText()).isEqualTo("identity");
      HttpResponse<String> encodedSpace = http.get("/v2/models/no%20such");
      assertThat(encodedSpace.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(encodedSpace)).isEqualTo("Request for unknown model: 'no such' is not found");
    }
  }

  @Test
  void malformedPercentEncodingIsRefusedWith400() {
    try (TestHttp http = TestHttp.start()) {
      for (String path : List.of("/v2/models/bad%zzname", "/v2/models/bad%2/infer", "/v2/models/%ff%fe/ready")) {
        // Raw: the JDK's client refuses to send such a URI.
        RawHttp.Reply r = RawHttp.exchange(http.frontend.port(), RawHttp.request(path.endsWith("infer") ? "POST" : "GET",
            path, path.endsWith("infer") ? "{}" : ""));
        assertThat(r.status()).as(path).isEqualTo(400);
        assertThat(TestHttp.json(r.body()).path("error").asText()).as(path)
            .startsWith("malformed percent-encoding in URL path segment");
      }
      assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void echoedInputInErrorMessagesIsCapped() {
    try (TestHttp http = TestHttp.start()) {
      String name = "x".repeat(200_000);
      HttpResponse<String> r = http.post("/v2/models/identity/infer", "{\"inputs\":[{\"name\":\"" + name
          + "\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[1]}]}");
      assertThat(r.statusCode()).isEqualTo(400);
      String error = TestHttp.error(r);
      assertThat(error).hasSizeLessThanOrEqualTo(1100).contains("xxx").contains("characters elided")
          .contains("for model 'identity'");
      HttpResponse<String> model = http.get("/v2/models/" + "y".repeat(10_000));
      assertThat(TestHttp.error(model)).startsWith("Request for unknown model: 'yyy").endsWith("' is not found")
          .hasSizeLessThanOrEqualTo(1100);
    }
  }

  @Test
  void aNegativeShapeDimensionIsTheClientsError() {
    try (TestHttp http = TestHttp.start()) {
      HttpResponse<String> r = http.post("/v2/models/identity/infer", "{\"inputs\":[{\"name\":"
          + "\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,-3],\"data\":[1,2,3]}]}");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(TestHttp.error(r)).isEqualTo(
          "Unable to parse 'shape': attempt to access JSON non-unsigned-integer as unsigned-integer");
    }
  }
}
