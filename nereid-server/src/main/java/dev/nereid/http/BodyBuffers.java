package dev.nereid.http;

import dev.nereid.frontend.BufferPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;

/**
 * Large request bodies in reused direct memory from a {@link BufferPool}, as Netty buffers: a buffer
 * goes back to the pool when the {@link ByteBuf} handed out is released for the last time, whichever
 * view of it (a composite, a slice) releases it last. Shared by a front end's connections.
 */
final class BodyBuffers {
  private final BufferPool pool;

  BodyBuffers(long idleLimit, long inUseLimit) {
    this.pool = new BufferPool(idleLimit, inUseLimit);
  }

  /** An empty buffer of exactly {@code size} bytes of capacity, or null when the pool's in-use limit would pass. */
  ByteBuf take(int size) {
    BufferPool.Lease lease = pool.take(size);
    return lease == null ? null : new Body(lease, size);
  }

  /** Bytes handed out and not yet back. */
  long inUse() {
    return pool.inUse();
  }

  private static final class Body extends UnpooledDirectByteBuf {
    private final BufferPool.Lease lease;

    Body(BufferPool.Lease lease, int size) {
      super(UnpooledByteBufAllocator.DEFAULT, lease.buffer().slice(0, size), size);
      this.lease = lease;
      clear();
    }

    @Override
    protected void deallocate() {
      super.deallocate(); // a wrapped buffer: nothing is freed
      lease.release();
    }
  }
}
