package dev.nereid.internal.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Small request buffers carved from shared slabs: each is its own zeroed, little-endian, direct memory. */
class DirectSlabsTest {
  @Test
  void slicesAreDirectLittleEndianZeroedAndExactlySized() {
    ByteBuffer b = ArrayCodec.allocateForRequest(100);
    assertThat(b.isDirect()).isTrue();
    assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.capacity()).isEqualTo(100);
    assertThat(b.remaining()).isEqualTo(100);
    for (int i = 0; i < 100; i++) assertThat(b.get(i)).isZero();
    assertThat(ArrayCodec.allocateForRequest(DirectSlabs.MAX_SLICE + 1).capacity()).isEqualTo(DirectSlabs.MAX_SLICE + 1);
  }

  @Test
  void buffersFromManyThreadsNeverOverlap() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<ByteBuffer>>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        byte mark = (byte) (t + 1);
        futures.add(pool.submit(() -> {
          List<ByteBuffer> mine = new ArrayList<>();
          // Enough to fill several slabs per bucket.
          for (int i = 0; i < 5_000; i++) {
            ByteBuffer b = ArrayCodec.allocateForRequest(1 + i % 200);
            for (int k = 0; k < b.capacity(); k++) b.put(k, mark);
            mine.add(b);
          }
          return mine;
        }));
      }
      for (int t = 0; t < 8; t++) {
        byte mark = (byte) (t + 1);
        for (ByteBuffer b : futures.get(t).get()) {
          for (int k = 0; k < b.capacity(); k++) assertThat(b.get(k)).isEqualTo(mark);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
