package dev.nereid.grpc;

import io.grpc.netty.shaded.io.netty.buffer.AbstractByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import io.grpc.netty.shaded.io.netty.buffer.UnpooledDirectByteBuf;
import io.grpc.netty.shaded.io.netty.util.internal.CleanableDirectBuffer;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC connections' buffer allocator: network reads and message frames of 8 KiB to 16 MiB come
 * from direct buffers kept for reuse, smaller and larger ones from Netty's pool.
 *
 * <p>Netty's pool frees a chunk as soon as nothing in it is in use. A large message holds its reads
 * until it is complete (with {@link PlaintextTransport}, every one of them) and its response's frames
 * until they are written, so each large call filled fresh chunks and emptied them again: on JDK 25
 * grpc's Netty allocates chunks through an {@code Arena}, which zeroes them, and that zeroing was most
 * of the server's time on a 64 MiB call. Here a released buffer goes back to a free list for its size
 * (powers of two), up to a bound on idle bytes; past the bound it is left to the garbage collector.
 */
final class RecyclingAllocator extends AbstractByteBufAllocator {
  private static final int SMALLEST_SHIFT = 13;
  private static final int LARGEST_SHIFT = 24;

  private final ByteBufAllocator others = PooledByteBufAllocator.DEFAULT;
  private final long maxIdleBytes;
  private final AtomicLong idleBytes = new AtomicLong();
  private final AtomicLong allocatedBytes = new AtomicLong();
  @SuppressWarnings("unchecked")
  private final ConcurrentLinkedQueue<ByteBuffer>[] idle = new ConcurrentLinkedQueue[LARGEST_SHIFT - SMALLEST_SHIFT + 1];

  /** @param maxIdleBytes how many bytes of released buffers to keep for reuse */
  RecyclingAllocator(long maxIdleBytes) {
    super(true);
    this.maxIdleBytes = maxIdleBytes;
    for (int i = 0; i < idle.length; i++) idle[i] = new ConcurrentLinkedQueue<>();
  }

  @Override
  public boolean isDirectBufferPooled() {
    return true;
  }

  @Override
  protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
    return others.heapBuffer(initialCapacity, maxCapacity);
  }

  @Override
  protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
    if (initialCapacity < 1 << SMALLEST_SHIFT || initialCapacity > 1 << LARGEST_SHIFT) {
      return others.directBuffer(initialCapacity, maxCapacity);
    }
    int shift = 32 - Integer.numberOfLeadingZeros(initialCapacity - 1);
    ByteBuffer memory = idle[shift - SMALLEST_SHIFT].poll();
    if (memory == null) {
      memory = ByteBuffer.allocateDirect(1 << shift);
      allocatedBytes.addAndGet(memory.capacity());
    } else {
      idleBytes.addAndGet(-memory.capacity());
    }
    return new Recycled(this, memory, maxCapacity);
  }

  /** Bytes held for reuse now: for tests. */
  long idleBytes() {
    return idleBytes.get();
  }

  /** Bytes of recyclable memory allocated fresh so far: for tests. */
  long allocatedBytes() {
    return allocatedBytes.get();
  }

  private void giveBack(ByteBuffer memory) {
    int size = memory.capacity();
    if (idleBytes.addAndGet(size) > maxIdleBytes) {
      idleBytes.addAndGet(-size);
      return;
    }
    idle[Integer.numberOfTrailingZeros(size) - SMALLEST_SHIFT].offer(memory.clear());
  }

  /** A direct buffer over recycled memory, given back when its last reference is released. */
  private static final class Recycled extends UnpooledDirectByteBuf {
    private final RecyclingAllocator owner;
    private ByteBuffer memory;

    Recycled(RecyclingAllocator owner, ByteBuffer memory, int maxCapacity) {
      super(owner, memory.limit(Math.min(memory.capacity(), maxCapacity)), maxCapacity);
      this.owner = owner;
      this.memory = memory;
      setIndex(0, 0);
    }

    /** Growing moves the bytes to memory the collector frees; the recycled memory is no longer reused. */
    @Override
    protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
      memory = null;
      ByteBuffer grown = ByteBuffer.allocateDirect(capacity);
      return new CleanableDirectBuffer() {
        @Override
        public ByteBuffer buffer() {
          return grown;
        }

        @Override
        public void clean() {}
      };
    }

    @Override
    protected void deallocate() {
      super.deallocate();
      if (memory != null) {
        owner.giveBack(memory);
        memory = null;
      }
    }
  }
}
