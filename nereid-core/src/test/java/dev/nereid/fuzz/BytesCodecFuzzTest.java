package dev.nereid.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nereid.internal.tensor.BytesCodec;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Fuzzes the BYTES tensor codec (4-byte little-endian length, then the bytes, per element): a buffer
 * is either counted as malformed (-1) or decodes to exactly as many elements, which encode back to the
 * same bytes. Run as {@link ConfigFuzzTest} is.
 */
class BytesCodecFuzzTest {
  @FuzzTest
  void malformedOrRoundTrips(byte[] input) {
    ByteBuffer data = ByteBuffer.wrap(input);
    long count = BytesCodec.countElements(data);
    if (count < 0) return;
    List<byte[]> elements = BytesCodec.decode(data);
    if (elements.size() != count) {
      throw new AssertionError("counted " + count + " elements, decoded " + elements.size());
    }
    if (!BytesCodec.encode(elements).equals(ByteBuffer.wrap(input))) {
      throw new AssertionError("decoding then encoding changed the bytes");
    }
  }
}
