package dev.nereid.python;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Frames over the stub's Unix domain socket, both ways:
 * {@code <u32 header length><u32 payload length><header: JSON><payload>}, little-endian. Reading is for
 * one thread (the stub's reader); writing is thread-safe.
 */
final class FrameChannel implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

  /** One frame: its JSON header and its payload (inline tensor bytes). */
  record Frame(ObjectNode header, ByteBuffer payload) {
    String op() {
      return header.path("op").asText();
    }
  }

  FrameChannel(SocketChannel channel) {
    this.channel = channel;
  }

  Frame read() throws IOException {
    head.clear();
    readFully(head);
    head.flip();
    int headerLength = head.getInt();
    int payloadLength = head.getInt();
    ByteBuffer header = ByteBuffer.allocate(headerLength);
    readFully(header);
    ByteBuffer payload = payloadLength == 0 ? EMPTY : ByteBuffer.allocate(payloadLength);
    if (payloadLength > 0) {
      readFully(payload);
      payload.flip();
    }
    return new Frame((ObjectNode) JSON.readTree(header.array()), payload.order(ByteOrder.LITTLE_ENDIAN));
  }

  private void readFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException("the stub closed its socket");
      }
    }
  }

  void write(ObjectNode header) throws IOException {
    write(header, List.of());
  }

  void write(ObjectNode header, List<ByteBuffer> payload) throws IOException {
    byte[] json = JSON.writeValueAsBytes(header);
    long length = 0;
    for (ByteBuffer b : payload) length += b.remaining();
    if (length > Integer.MAX_VALUE) {
      throw new IOException("inline payload of " + length + " bytes is over the frame limit");
    }
    ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(json.length).putInt((int) length).flip();
    ByteBuffer[] buffers = new ByteBuffer[payload.size() + 2];
    buffers[0] = prefix;
    buffers[1] = ByteBuffer.wrap(json);
    for (int i = 0; i < payload.size(); i++) buffers[i + 2] = payload.get(i).duplicate();
    writeLock.lock();
    try {
      long left = 8 + json.length + length;
      while (left > 0) {
        left -= channel.write(buffers);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
