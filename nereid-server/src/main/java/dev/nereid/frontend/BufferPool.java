package dev.nereid.frontend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Direct buffers for large request bodies and messages, reused: fresh memory costs a page fault and
 * the kernel's zeroing of every page (or the JVM's, for an array), which for a 64 MiB tensor was a
 * third of a front end's time. Bounded both ways: at most {@code idleLimit} bytes are kept between
 * requests, and at most {@code inUseLimit} are handed out at once (past that {@link #take} answers null
 * and the caller keeps to its ordinary path). Shared by a front end's connections; thread-safe.
 */
public final class BufferPool {
  private final long idleLimit;
  private final long inUseLimit;
  private final ReentrantLock lock = new ReentrantLock();
  private final List<ByteBuffer> idle = new ArrayList<>();
  private long idleBytes;
  private long inUseBytes;

  /**
   * @param idleLimit bytes kept for reuse between requests
   * @param inUseLimit bytes handed out at once at most
   */
  public BufferPool(long idleLimit, long inUseLimit) {
    this.idleLimit = idleLimit;
    this.inUseLimit = inUseLimit;
  }

  /**
   * A buffer of at least {@code size} bytes, cleared, with a limit of {@code size}; or null when the
   * bytes handed out would pass the in-use limit. An idle buffer is reused when one is large enough
   * and at most twice the size.
   */
  public Lease take(int size) {
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
    chosen.clear().limit(size);
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
  public long inUse() {
    lock.lock();
    try {
      return inUseBytes;
    } finally {
      lock.unlock();
    }
  }

  /**
   * One buffer handed out, counted by its holders: it goes back to the pool when the last of them
   * releases it, and nobody may touch its memory after that.
   */
  public final class Lease {
    private final ByteBuffer memory;
    private final AtomicInteger holders = new AtomicInteger(1);

    private Lease(ByteBuffer memory) {
      this.memory = memory;
    }

    /** The memory: a view of the whole buffer, positioned as handed out; its limit is the size asked for. */
    public ByteBuffer buffer() {
      return memory.duplicate();
    }

    /** Adds a holder: one more {@link #release()} is needed before the buffer goes back. */
    public Lease retain() {
      for (int n = holders.get(); ; n = holders.get()) {
        if (n == 0) throw new IllegalStateException("buffer already returned to its pool");
        if (holders.compareAndSet(n, n + 1)) return this;
      }
    }

    /** Ends one holder's use; the last one returns the buffer to the pool. */
    public void release() {
      int left = holders.decrementAndGet();
      if (left == 0) {
        giveBack(memory);
      } else if (left < 0) {
        holders.incrementAndGet();
        throw new IllegalStateException("buffer released more often than held");
      }
    }
  }
}
