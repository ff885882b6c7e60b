package dev.nereid.internal.tensor;

import dev.nereid.Tensor;

/**
 * The core's access to a tensor's claim on recycled output memory, which the public {@link Tensor}
 * keeps private. {@code Tensor} installs the access when its class initializes; every method here
 * takes a tensor, so the class is always initialized by the time one is called.
 */
public final class TensorShares {
  /** What {@link Tensor} lets the core do with its claim. */
  public interface Access {
    /** The same tensor (type, shape, memory) holding {@code share}. */
    Tensor withShare(Tensor tensor, MemoryShare share);

    /** The tensor's claim, or null when its memory is not recycled. */
    MemoryShare shareOf(Tensor tensor);
  }

  private static volatile Access access;

  private TensorShares() {}

  /** Called once, by {@link Tensor}. */
  public static void install(Access tensorAccess) {
    if (access != null) throw new IllegalStateException("tensor access is already installed");
    access = tensorAccess;
  }

  static Tensor withShare(Tensor tensor, MemoryShare share) {
    return access.withShare(tensor, share);
  }

  /** The tensor's claim on pooled memory, or null. */
  public static MemoryShare shareOf(Tensor tensor) {
    return access.shareOf(tensor);
  }

  /** Gives up the tensor's claim on pooled memory, if it has one. */
  public static void release(Tensor tensor) {
    MemoryShare share = access.shareOf(tensor);
    if (share != null) share.release();
  }

  /**
   * The same tensor with a claim of its own on its memory, for one more holder; the tensor itself when
   * its memory is not pooled.
   */
  public static Tensor anotherHolder(Tensor tensor) {
    MemoryShare share = access.shareOf(tensor);
    return share == null ? tensor : access.withShare(tensor, share.another());
  }

  /**
   * The same tensor with no claim, for a reader that may outlive every response holding the memory (an
   * ensemble's outputs, which later steps may still read): the block is taken out of recycling for good
   * by a claim nobody gives back, and the collector frees it once no tensor over it is reachable.
   */
  public static Tensor unpooled(Tensor tensor) {
    MemoryShare share = access.shareOf(tensor);
    if (share == null) return tensor;
    share.another(); // never released: the block stays out of the pool
    return access.withShare(tensor, null);
  }
}
