package dev.nereid.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelControlMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Connections over time: keep-alive, pipelined requests answered in order, and a graceful close. */
class HttpFrontendLifecycleTest {
  static final String SLOW_BODY =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[2],\"data\":[5,6]}]}";

  static Path repositoryWithSlowModel() throws IOException {
    Path repo = Files.createTempDirectory("nereid-slow");
    TestHttp.writeModel(repo, "slow", """
        backend: "identity"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        parameters { key: "execute_delay_ms" value { string_value: "400" } }
        """);
    TestHttp.writeModel(repo, "held", """
        backend: "held"
        max_batch_size: 0
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        """);
    return repo;
  }


  @Test
  void pipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstIsSlowest() throws Exception {
    try (TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o, repositoryWithSlowModel());
        Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(10_000);
      byte[] slow = RawHttp.request("POST", "/v2/models/slow/infer", SLOW_BODY);
      byte[] live = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      byte[] metadata = "GET /v2/models/slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      OutputStream out = socket.getOutputStream();
      out.write(concat(slow, live, metadata)); // one write: three requests back to back
      out.flush();
      InputStream in = socket.getInputStream();
      String first = readResponse(in);
      String second = readResponse(in);
      String third = readResponse(in);
      assertThat(first).startsWith("HTTP/1.1 200").contains("\"data\":[5,6]");
      assertThat(second).startsWith("HTTP/1.1 200").doesNotContain("\"data\"");
      assertThat(third).startsWith("HTTP/1.1 200").contains("\"name\":\"slow\"");
    }
  }

  @Test
  void keepAliveServesManyRequestsOnOneConnection() throws Exception {
    try (TestHttp http = TestHttp.start(); Socket socket = new Socket("127.0.0.1", http.frontend.port())) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 50; i++) {
        socket.getOutputStream().write(RawHttp.request("POST", "/v2/models/identity/infer", "{\"inputs\":[{\"name\":"
            + "\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,1],\"data\":[" + i + "]}]}"));
        assertThat(readResponse(socket.getInputStream())).contains("\"data\":[" + i + "]");
      }
    }
  }

  @Test
  void chunkedRequestBodiesAreAggregated() {
    try (TestHttp http = TestHttp.start()) {
      String body = "{\"inputs\":[{\"name\":\"int32_input\",\"datatype\":\"INT32\",\"shape\":[1,3],\"data\":[1,2,3]}]}";
      String first = body.substring(0, 20);
      String rest = body.substring(20);
      String request = "POST /v2/models/identity/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + Integer.toHexString(first.length()) + "\r\n" + first + "\r\n" + Integer.toHexString(rest.length()) + "\r\n"
          + rest + "\r\n0\r\n\r\n";
      RawHttp.Reply reply = RawHttp.exchange(http.frontend.port(), request.getBytes(StandardCharsets.US_ASCII));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.body()).contains("\"data\":[1,2,3]");
    }
  }

  @Test
  void closeLetsTheRequestInFlightFinishThenRefusesConnections() throws Exception {
    HeldBackend.reset();
    TestHttp http = TestHttp.start(ModelControlMode.NONE, o -> o, repositoryWithSlowModel());
    try {
      int port = http.frontend.port();
      CompletableFuture<HttpResponse<String>> held = http.client.sendAsync(HttpRequest.newBuilder(
          http.uri("/v2/models/held/infer")).POST(HttpRequest.BodyPublishers.ofString(SLOW_BODY)).build(),
          HttpResponse.BodyHandlers.ofString());
      HeldBackend.awaitStarted();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> http.frontend.close(Duration.ofSeconds(20)));
      // Closing stops accepting at once, but waits for the request the model still holds.
      TestHttp.await("the listener to close", () -> {
        try (Socket s = new Socket("127.0.0.1", port)) {
          return false;
        } catch (IOException e) {
          return true;
        }
      });
      assertThat(closing).isNotDone();
      assertThat(held).isNotDone();
      HeldBackend.release();
      closing.get(20, TimeUnit.SECONDS);
      HttpResponse<String> answered = held.get(20, TimeUnit.SECONDS);
      assertThat(answered.statusCode()).isEqualTo(200);
      assertThat(answered.body()).contains("\"data\":[5,6]");
      assertThat(answered.headers().firstValue("connection")).hasValue("close");
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    } finally {
      HeldBackend.release();
      http.close();
    }
  }

  static byte[] concat(byte[]... parts) {
    int size = 0;
    for (byte[] p : parts) size += p.length;
    byte[] all = new byte[size];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }

  /** One response, as text, read by its Content-Length. */
  static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) throw new IOException("closed after: " + head);
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}
