package dev.nereid.bench.frontend;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A lean HTTP/1.1 load client: one thread, one selector, N keep-alive connections, each sending the
 * same prebuilt request as soon as the previous response is whole. It parses only the status line
 * and Content-Length, so it costs both servers the same, and little.
 */
final class LoadClient {
  /** What one run did. */
  record Result(long ok, long failed, double seconds) {
    double rate() {
      return ok / seconds;
    }
  }

  private LoadClient() {}

  /** Drives {@code connections} connections for {@code seconds}, counting the responses completed. */
  static Result run(int port, int connections, double seconds, byte[] request) throws IOException {
    try (Selector selector = Selector.open()) {
      List<Connection> all = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.configureBlocking(false);
        Connection c = new Connection(ch, request);
        c.key = ch.register(selector, 0, c);
        all.add(c);
      }
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      for (Connection c : all) c.send();
      long ok = 0;
      long failed = 0;
      int open = connections;
      while (open > 0) {
        selector.select(100);
        boolean stopping = System.nanoTime() >= end;
        for (SelectionKey key : selector.selectedKeys()) {
          Connection c = (Connection) key.attachment();
          if (key.isWritable()) c.flush();
          if (key.isValid() && key.isReadable()) {
            int status = c.read();
            if (status == 0) continue;
            if (status == 200) ok++; else failed++;
            if (stopping || status < 0) {
              c.channel.close();
              open--;
            } else {
              c.send();
            }
          }
        }
        selector.selectedKeys().clear();
        if (stopping && System.nanoTime() > end + 5_000_000_000L) break; // a server that stopped answering
      }
      for (Connection c : all) c.channel.close();
      return new Result(ok, failed, (System.nanoTime() - start) / 1e9);
    }
  }

  private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

  private static final class Connection {
    final SocketChannel channel;
    final ByteBuffer request;
    ByteBuffer in = ByteBuffer.allocate(16 << 10);
    SelectionKey key;

    Connection(SocketChannel channel, byte[] request) {
      this.channel = channel;
      this.request = ByteBuffer.wrap(request);
    }

    void send() throws IOException {
      request.clear();
      flush();
    }

    void flush() throws IOException {
      channel.write(request);
      key.interestOps(request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /** Reads what arrived: the response's status once it is whole, 0 before, -1 when the server closed. */
    int read() throws IOException {
      if (channel.read(in) < 0) return -1;
      int headerEnd = headerEnd(in);
      if (headerEnd < 0) {
        if (!in.hasRemaining()) in = grow(in, in.capacity() * 2);
        return 0;
      }
      int length = contentLength(in, headerEnd);
      int total = headerEnd + length;
      if (in.position() < total) {
        if (in.capacity() < total) in = grow(in, total);
        return 0;
      }
      byte[] a = in.array();
      int status = (a[9] - '0') * 100 + (a[10] - '0') * 10 + (a[11] - '0');
      in.clear(); // one request at a time: nothing follows the response
      return status;
    }

    private static ByteBuffer grow(ByteBuffer b, int capacity) {
      ByteBuffer bigger = ByteBuffer.allocate(capacity);
      return bigger.put(b.flip());
    }

    /** The offset just past the blank line ending the head, or -1. */
    private static int headerEnd(ByteBuffer b) {
      byte[] a = b.array();
      for (int i = 3; i < b.position(); i++) {
        if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') return i + 1;
      }
      return -1;
    }

    private static int contentLength(ByteBuffer b, int headerEnd) {
      byte[] a = b.array();
      outer:
      for (int i = 0; i + CONTENT_LENGTH.length < headerEnd; i++) {
        if (i > 0 && a[i - 1] != '\n') continue;
        for (int j = 0; j < CONTENT_LENGTH.length; j++) {
          if (Character.toLowerCase(a[i + j]) != CONTENT_LENGTH[j]) continue outer;
        }
        int v = 0;
        for (int k = i + CONTENT_LENGTH.length; a[k] != '\r'; k++) if (a[k] != ' ') v = v * 10 + (a[k] - '0');
        return v;
      }
      return 0;
    }
  }
}
