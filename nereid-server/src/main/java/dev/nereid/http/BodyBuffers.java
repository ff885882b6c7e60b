package dev.nereid.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Direct buffers for large request bodies, reused: fresh memory costs a page fault and the kernel's
 * zeroing of every page, which for a 64 MiB body took a third of the server's time. Bounded both
 * ways: at most {@code idleLimit} bytes are kept between requests, and at most {@code inUseLimit}
 * are handed out at once (past that {@link #take} answers null and the caller keeps to the ordinary
 * path). A buffer comes back when the {@link ByteBuf} handed out is released for the last time.
 * Shared by a front end's connections.
 */
final class BodyBuffers {
  private final long idleLimit;
  private final long inUseLimit;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<ByteBuffer> idle = new ArrayList<>();
  private long idleBytes;
  private long inUseBytes;

  BodyBuffers(long idleLimit, long inUseLimit) {
    this.idleLimit = idleLimit;
    this.inUseLimit = inUseLimit;
  }

  /**
   * An empty buffer of exactly {@code size} bytes of capacity, or null when the bytes handed out
   * would pass the limit. An idle buffer is reused when one is large enough and at most twice the size.
   */
  ByteBuf take(int size) {
    ByteBuffer chosen = null;
    lock.lock();
    try {
      int best = -1;
      for (int i = 0; i < idle.size(); i++) {
        int capacity = idle.get(i).capacity();
        if (capacity >= size && capacity <= 2L * size && (best < 0 || capacity < idle.get(best).capacity())) best = i;
      }
      long taken = best >= 0 ? idle.get(best).capacity() : size;
      if (inUseBytes + taken > inUseLimit) return null;
      if (best >= 0) {
        chosen = idle.remove(best);
        idleBytes -= taken;
      }
      inUseBytes += taken;
    } finally {
      lock.unlock();
    }
    if (chosen == null) chosen = ByteBuffer.allocateDirect(size);
    return new Lease(chosen);
  }

  private void giveBack(ByteBuffer buffer) {
    lock.lock();
    try {
      inUseBytes -= buffer.capacity();
      if (idleBytes + buffer.capacity() <= idleLimit) {
        idle.add(buffer);
        idleBytes += buffer.capacity();
      }
      // otherwise dropped: the garbage collector frees it, as it frees any direct ByteBuffer
    } finally {
      lock.unlock();
    }
  }

  /** Bytes handed out and not yet back. */
  long inUse() {
    lock.lock();
    try {
      return inUseBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * A body buffer that goes back to the pool when its reference count reaches zero, whichever view
   * of it (a composite, a slice) releases it last.
   */
  private final class Lease extends UnpooledDirectByteBuf {
    private final ByteBuffer memory;

    Lease(ByteBuffer memory) {
      super(UnpooledByteBufAllocator.DEFAULT, memory.clear(), memory.capacity());
      this.memory = memory;
      clear();
    }

    @Override
    protected void deallocate() {
      super.deallocate(); // a wrapped buffer: nothing is freed
      giveBack(memory);
    }
  }
}
