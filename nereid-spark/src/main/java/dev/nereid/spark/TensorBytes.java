package dev.nereid.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A growing little-endian buffer that one request's rows of one input are written into. */
final class TensorBytes {
  private ByteBuffer buffer;

  TensorBytes(int initialCapacity) {
    buffer = ByteBuffer.allocateDirect(Math.max(64, initialCapacity)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private ByteBuffer room(int bytes) {
    if (buffer.remaining() < bytes) {
      int capacity = Math.max(buffer.capacity() * 2, buffer.position() + bytes);
      ByteBuffer grown = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
      grown.put(buffer.flip());
      buffer = grown;
    }
    return buffer;
  }

  void put(byte value) { room(1).put(value); }
  void putShort(short value) { room(2).putShort(value); }
  void putInt(int value) { room(4).putInt(value); }
  void putLong(long value) { room(8).putLong(value); }
  void putFloat(float value) { room(4).putFloat(value); }
  void putDouble(double value) { room(8).putDouble(value); }

  /** One BYTES element in Triton's encoding: a 4-byte length, then the bytes. */
  void putBytesElement(byte[] value) {
    room(4 + value.length).putInt(value.length).put(value);
  }

  void putString(String value) {
    putBytesElement(value.getBytes(StandardCharsets.UTF_8));
  }

  /** The bytes written so far; the buffer is handed over and must not be written again. */
  ByteBuffer finish() {
    return buffer.flip();
  }
}
