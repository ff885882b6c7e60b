package dev.nereid.bench.frontend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.UUID;

/**
 * {@link HttpThroughput}'s {@code shm} mode: one FP32 tensor through the system shared memory
 * extension, as perf_analyzer's {@code --shared-memory system} sends it. The client creates one POSIX
 * shared-memory object holding an input and an output window, registers both with the server (a
 * separate pinned process), writes the input once, then times infer requests that name the windows:
 * the server reads the input in place and writes the output into the output window. Each round trip
 * is checked afterwards by comparing a sample of the output window with the input.
 */
final class SharedMemoryRoundTrip {
  private SharedMemoryRoundTrip() {}

  static void run(int mib, int roundTrips, String cpus) throws Exception {
    int bytes = mib << 20;
    String name = "nereid-bench-" + UUID.randomUUID();
    Path file = Path.of("/dev/shm", name);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
        HttpThroughput.ServerProcess nereid = HttpThroughput.ServerProcess.start(cpus, "nereid", "1",
            Integer.toString(1 << 20));
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", nereid.port))) {
      channel.write(ByteBuffer.allocate(1), 2L * bytes - 1);
      MappedByteBuffer memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * bytes);
      memory.order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < bytes / 4; i++) memory.putFloat(i * 4, i * 0.5f);
      ByteBuffer response = ByteBuffer.allocateDirect(64 << 10);
      post(ch, response, "/v2/systemsharedmemory/region/input/register",
          "{\"key\":\"/" + name + "\",\"offset\":0,\"byte_size\":" + bytes + "}");
      post(ch, response, "/v2/systemsharedmemory/region/output/register",
          "{\"key\":\"/" + name + "\",\"offset\":" + bytes + ",\"byte_size\":" + bytes + "}");
      String infer = "{\"inputs\":[{\"name\":\"fp32_input\",\"datatype\":\"FP32\",\"shape\":[1," + bytes / 4 + "],"
          + "\"parameters\":{\"shared_memory_region\":\"input\",\"shared_memory_byte_size\":" + bytes + "}}],"
          + "\"outputs\":[{\"name\":\"fp32_output\",\"parameters\":{\"shared_memory_region\":\"output\","
          + "\"shared_memory_byte_size\":" + bytes + "}}]}";
      ByteBuffer request = request("/v2/models/identity/infer", infer);
      System.out.printf(Locale.ROOT, "identity FP32 %d MiB through system shared memory in and out, one connection,"
          + " server cpus %s%n", mib, cpus);
      RoundTrips trips = new RoundTrips(bytes);
      for (int i = 0; i < roundTrips + 2; i++) {
        memory.putFloat(bytes, -1f); // so each round trip shows it wrote the output afresh
        long cpu = nereid.cpuNanos()[0];
        long start = System.nanoTime();
        request.rewind();
        while (request.hasRemaining()) ch.write(request);
        readResponse(ch, response);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuMillis = (nereid.cpuNanos()[0] - cpu) / 1e6;
        for (int e = 0; e < bytes / 4; e += 4093) {
          if (memory.getFloat(bytes + e * 4) != e * 0.5f) throw new IOException("output element " + e + " differs");
        }
        trips.add(i, seconds, cpuMillis);
      }
      trips.printSummary();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static ByteBuffer request(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocateDirect(head.length + body.length).put(head).put(body).flip();
  }

  private static void post(SocketChannel ch, ByteBuffer response, String path, String json) throws IOException {
    ByteBuffer request = request(path, json);
    while (request.hasRemaining()) ch.write(request);
    readResponse(ch, response);
  }

  /** Reads one whole 200 response (head and Content-Length body) into {@code into}. */
  private static void readResponse(SocketChannel ch, ByteBuffer into) throws IOException {
    into.clear();
    int headEnd = -1;
    long length = -1;
    while (headEnd < 0 || into.position() < headEnd + length) {
      if (ch.read(into) < 0) throw new IOException("connection closed");
      if (headEnd < 0) {
        for (int i = 3; i < into.position(); i++) {
          if (into.get(i) == '\n' && into.get(i - 1) == '\r' && into.get(i - 2) == '\n' && into.get(i - 3) == '\r') {
            headEnd = i + 1;
            break;
          }
        }
        if (headEnd >= 0) {
          byte[] h = new byte[into.position()];
          into.get(0, h);
          String text = new String(h, StandardCharsets.US_ASCII);
          if (!text.startsWith("HTTP/1.1 200")) throw new IOException("unexpected response: " + text);
          for (String line : text.substring(0, headEnd).split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) length = Long.parseLong(line.substring(15).trim());
          }
        }
      }
    }
  }
}
