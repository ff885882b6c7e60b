package dev.nereid.internal.tensor;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Output memory for one model instance, recycled once the responses that hold it are closed.
 *
 * <p>A batch's outputs used to get fresh direct memory on every run, and with outputs of megabytes
 * that cost the kernel's page clearing and the JVM's zeroing on top of the copy out of the runtime:
 * about 8 % of the CPU in a profile of 16 callers on a BERT-like model, against none for a caller of ONNX Runtime
 * who closes each result. Blocks here come in power-of-two sizes and go back to a free list when the
 * last claim on them is released ({@link MemoryShare}); a block whose responses are never closed is
 * simply garbage-collected, so forgetting {@code close} costs speed, not memory.
 *
 * <p>Outputs up to {@link DirectSlabs#MAX_SLICE} bytes are cut from shared slabs instead and not
 * recycled: for them the allocation is cheap and the claim bookkeeping would not pay.
 *
 * <p>Thread-safe: the instance's runs take blocks, any caller's thread gives them back. Retention is
 * bounded per size and in bytes, so a burst of large outputs does not stay pinned after it.
 */
public final class OutputPool {
  private static final int MIN_BLOCK_SHIFT = 13; // 8 KiB
  private static final int MAX_BLOCK_SHIFT = 30;
  private static final int KEPT_PER_SIZE = 8;
  private static final long KEPT_BYTES = 64L << 20;

  private final SizeClass[] classes = new SizeClass[MAX_BLOCK_SHIFT + 1];
  private final AtomicLong keptBytes = new AtomicLong();

  public OutputPool() {
    for (int shift = MIN_BLOCK_SHIFT; shift <= MAX_BLOCK_SHIFT; shift++) classes[shift] = new SizeClass(1 << shift);
  }

  /**
   * A tensor of this type and shape whose memory comes from the pool; its contents are whatever the
   * memory last held, so the caller writes every element.
   */
  public Tensor allocate(DataType type, long[] shape) {
    if (!type.isFixedSize()) {
      throw new IllegalArgumentException("pooled outputs hold fixed-size elements, not " + type);
    }
    int bytes = Math.toIntExact(Shapes.elementCount(shape) * type.byteSize());
    if (bytes <= DirectSlabs.MAX_SLICE) {
      return Tensor.of(type, shape, DirectSlabs.allocate(bytes));
    }
    int shift = Math.max(MIN_BLOCK_SHIFT, 32 - Integer.numberOfLeadingZeros(bytes - 1));
    if (shift > MAX_BLOCK_SHIFT) {
      return Tensor.of(type, shape, ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }
    Block block = classes[shift].take();
    return TensorShares.withShare(Tensor.of(type, shape, block.memory.slice(0, bytes)), new MemoryShare(block));
  }

  /** Bytes held in free blocks now. */
  long keptBytes() {
    return keptBytes.get();
  }

  private final class SizeClass {
    final int blockBytes;
    final ConcurrentLinkedQueue<Block> free = new ConcurrentLinkedQueue<>();
    final AtomicInteger freeCount = new AtomicInteger();

    SizeClass(int blockBytes) {
      this.blockBytes = blockBytes;
    }

    Block take() {
      Block block = free.poll();
      if (block == null) {
        return new Block(this, ByteBuffer.allocateDirect(blockBytes).order(ByteOrder.LITTLE_ENDIAN));
      }
      freeCount.decrementAndGet();
      keptBytes.addAndGet(-blockBytes);
      block.claims.set(1);
      return block;
    }

    void giveBack(Block block) {
      if (freeCount.incrementAndGet() > KEPT_PER_SIZE) {
        freeCount.decrementAndGet();
        return; // over the bound: the collector frees the block
      }
      if (keptBytes.addAndGet(blockBytes) > KEPT_BYTES) {
        keptBytes.addAndGet(-blockBytes);
        freeCount.decrementAndGet();
        return;
      }
      free.offer(block);
    }
  }

  /** A block of direct memory and the number of claims on it. */
  static final class Block {
    private final SizeClass owner;
    final ByteBuffer memory;
    final AtomicInteger claims = new AtomicInteger(1);

    Block(SizeClass owner, ByteBuffer memory) {
      this.owner = owner;
      this.memory = memory;
    }

    void retain() {
      claims.incrementAndGet();
    }

    void release() {
      int left = claims.decrementAndGet();
      if (left == 0) {
        owner.giveBack(this);
      } else if (left < 0) {
        throw new IllegalStateException("pooled output memory released more often than claimed");
      }
    }
  }
}
