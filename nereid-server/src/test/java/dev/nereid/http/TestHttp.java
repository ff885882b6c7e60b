package dev.nereid.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A real server and HTTP front end on a free loopback port, and a JDK HTTP client to talk to it:
 * what the HTTP tests share.
 */
final class TestHttp implements AutoCloseable {
  static final Path EXAMPLES = Path.of("..", "examples", "models");
  static final ObjectMapper JSON = new ObjectMapper();

  final Server server;
  final HttpFrontend frontend;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private TestHttp(Server server, HttpFrontend frontend) {
    this.server = server;
    this.frontend = frontend;
  }

  /** The bundled examples plus any extra repositories, default options. */
  static TestHttp start(Path... extraRepositories) {
    return start(ModelControlMode.NONE, o -> o, extraRepositories);
  }

  static TestHttp start(ModelControlMode mode, UnaryOperator<HttpFrontend.Options.Builder> options,
      Path... extraRepositories) {
    ServerOptions.Builder b = ServerOptions.builder().modelRepository(EXAMPLES).modelControlMode(mode);
    if (mode == ModelControlMode.EXPLICIT) b.startupModel("*");
    for (Path p : extraRepositories) b.modelRepository(p);
    return start(b.build(), options);
  }

  static TestHttp start(ServerOptions serverOptions, UnaryOperator<HttpFrontend.Options.Builder> options) {
    Server server = new Server(serverOptions).start();
    try {
      HttpFrontend frontend = HttpFrontend.start(server, options.apply(HttpFrontend.Options.builder().port(0)).build());
      return new TestHttp(server, frontend);
    } catch (RuntimeException e) {
      server.stop();
      throw e;
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + frontend.port() + path);
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  HttpResponse<String> send(HttpRequest request) {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<byte[]> sendBytes(HttpRequest request) {
    return send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return client.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }

  /** The {@code error} of an error body. */
  static String error(HttpResponse<String> response) {
    return json(response).path("error").asText();
  }

  /** A request body: a JSON header followed by binary sections. */
  static byte[] binaryBody(String header, byte[]... sections) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    int size = h.length;
    for (byte[] s : sections) size += s.length;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(h);
    for (byte[] s : sections) b.put(s);
    return b.array();
  }

  static int headerLength(String header) {
    return header.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Little-endian bytes of floats. */
  static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return b.array();
  }

  /** Triton's BYTES encoding: a 4-byte little-endian length before each element. */
  static byte[] bytesElements(byte[]... elements) {
    int size = 0;
    for (byte[] e : elements) size += 4 + e.length;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] e : elements) b.putInt(e.length).put(e);
    return b.array();
  }

  /** Writes a model folder with a config and an empty version folder 1. */
  static Path writeModel(Path repository, String name, String config) {
    try {
      Path dir = repository.resolve(name);
      Files.createDirectories(dir.resolve("1"));
      Files.writeString(dir.resolve("config.pbtxt"), config);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for a condition the server will reach by itself (an unload finishing), polling it. */
  static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  @Override
  public void close() {
    frontend.close(Duration.ofSeconds(5));
    server.stop();
  }
}
