package dev.nereid.internal.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One holder's claim on a block of pooled output memory. Each response tensor cut from a batch output
 * holds a claim of its own, so the block goes back to its pool only when every response holding a part
 * of it has been closed. Releasing a claim twice is harmless; a claim never released only keeps its
 * block out of the pool until the garbage collector frees it like any direct buffer.
 */
public final class MemoryShare {
  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(MemoryShare.class, "released", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final OutputPool.Block block;
  private volatile boolean released;

  MemoryShare(OutputPool.Block block) {
    this.block = block;
  }

  /** Another claim on the same block, for one more holder; this claim must still be held. */
  public MemoryShare another() {
    if (released) {
      throw new IllegalStateException("pooled output memory was already given back");
    }
    block.retain();
    return new MemoryShare(block);
  }

  /** Gives this claim up; the block returns to its pool when no claim is left. */
  public void release() {
    if (RELEASED.compareAndSet(this, false, true)) {
      block.release();
    }
  }

  /** Whether this claim has been given up, after which the memory may hold another response's data. */
  public boolean isReleased() {
    return released;
  }
}
