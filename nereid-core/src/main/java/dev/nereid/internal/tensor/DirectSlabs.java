package dev.nereid.internal.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Small direct buffers carved out of shared 256 KiB slabs. {@code ByteBuffer.allocateDirect} registers
 * every buffer with the JDK's JVM-wide cleaner list, under one lock: a request built from a Java array
 * paid for that lock on every call, and many threads queued on it. Here one registration covers a
 * whole slab; a slab's memory goes back when its last slice is unreachable, like any direct buffer.
 *
 * <p>Lock-free: a thread bumps an offset in the slab of its bucket (chosen by thread id, as Okio's
 * segment pool does, so virtual threads need no thread-locals), and a full slab is replaced by a
 * compare-and-set. Slabs are never reused, so every slice starts zeroed. Only for data that lives as
 * long as a request: a long-lived slice keeps its whole slab in memory.
 */
final class DirectSlabs {
  /** Allocations up to this size come from slabs; larger ones get a buffer of their own. */
  static final int MAX_SLICE = 16 << 10;
  private static final int SLAB = 256 * 1024;
  private static final int ALIGN = 16;
  private static final int BUCKETS = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2 - 1) * 2;
  private static final AtomicReferenceArray<Slab> slabs = new AtomicReferenceArray<>(BUCKETS);

  private record Slab(ByteBuffer memory, AtomicInteger top) {}

  private DirectSlabs() {}

  /** A zeroed, little-endian direct buffer of {@code bytes} (at most {@link #MAX_SLICE}). */
  static ByteBuffer allocate(int bytes) {
    int size = (bytes + ALIGN - 1) & -ALIGN;
    int bucket = (int) (Thread.currentThread().threadId() & (BUCKETS - 1));
    while (true) {
      Slab slab = slabs.get(bucket);
      if (slab != null) {
        int offset = slab.top().getAndAdd(size);
        if (offset <= SLAB - size) {
          return slab.memory().slice(offset, bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
      }
      slabs.compareAndSet(bucket, slab, new Slab(ByteBuffer.allocateDirect(SLAB), new AtomicInteger()));
    }
  }
}
