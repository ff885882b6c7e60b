package dev.nereid.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nereid.NereidException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/**
 * Fuzzes the HTTP infer request decoder, JSON and binary: any body with any JSON header length is
 * decoded or refused with a NereidException (what the front end answers as 400/501); nothing else may
 * escape, and the body is left unreleased for its owner. JSON tensors get at most 1 MiB in all, as a
 * front end with a 1 MiB limit would allow. Run as nereid-core's ConfigFuzzTest is.
 */
class InferRequestFuzzTest {
  // No regions registered: a request naming one is refused like any other bad input.
  private static final dev.nereid.sharedmemory.SystemSharedMemory NO_REGIONS = dev.nereid.sharedmemory.SystemSharedMemory.create();

  @FuzzTest
  void decodedOrRefused(FuzzedDataProvider data) {
    int declared = data.consumeInt(0, 1 << 16);
    byte[] bytes = data.consumeRemainingAsBytes();
    int headerLength = Math.min(declared, bytes.length);
    ByteBuf body = Unpooled.wrappedBuffer(bytes);
    try {
      InferRequestDecoder.decode("fuzzed", body, headerLength,
          new JsonTensorBudget(1 << 20, ByteBuffer::allocateDirect), () -> {}, NO_REGIONS);
    } catch (NereidException e) {
      // Refused, with a message for the client.
    }
    if (body.refCnt() != 1) throw new AssertionError("the decoder released the body it does not own");
  }
}
