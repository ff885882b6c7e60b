package dev.nereid.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gRPC transport's allocator reuses released buffers, within its bound, and behaves as a Netty allocator must. */
class RecyclingAllocatorTest {
  private static final int KIB = 1 << 10;

  @Test
  void aReleasedBufferIsReusedForTheNextOfItsSize() {
    RecyclingAllocator allocator = new RecyclingAllocator(1 << 20);
    ByteBuf first = allocator.directBuffer(64 * KIB);
    first.writeInt(7);
    first.release();
    long allocated = allocator.allocatedBytes();
    assertThat(allocator.idleBytes()).isEqualTo(64 * KIB);

    ByteBuf second = allocator.ioBuffer(40 * KIB); // rounds up to the same 64 KiB class
    assertThat(allocator.allocatedBytes()).as("no fresh memory").isEqualTo(allocated);
    assertThat(second.isDirect()).isTrue();
    assertThat(second.readableBytes()).as("handed out empty").isZero();
    assertThat(second.capacity()).isGreaterThanOrEqualTo(40 * KIB);
    second.release();
  }

  @Test
  void idleMemoryStaysWithinTheBound() {
    RecyclingAllocator allocator = new RecyclingAllocator(1 << 20);
    List<ByteBuf> out = new ArrayList<>();
    for (int i = 0; i < 8; i++) out.add(allocator.directBuffer(512 * KIB));
    out.forEach(ByteBuf::release);
    assertThat(allocator.idleBytes()).isEqualTo(1 << 20);
  }

  @Test
  void smallAndHugeBuffersAreLeftToNettysPool() {
    RecyclingAllocator allocator = new RecyclingAllocator(64 << 20);
    ByteBuf small = allocator.directBuffer(100);
    ByteBuf huge = allocator.directBuffer(32 << 20);
    small.release();
    huge.release();
    assertThat(allocator.allocatedBytes()).isZero();
    assertThat(allocator.idleBytes()).isZero();
  }

  @Test
  void aBufferCanGrowPastItsClassAndStillBeReleased() {
    RecyclingAllocator allocator = new RecyclingAllocator(1 << 20);
    ByteBuf buffer = allocator.directBuffer(8 * KIB);
    for (int i = 0; i < 5 * KIB; i++) buffer.writeInt(i);
    for (int i = 0; i < 5 * KIB; i++) assertThat(buffer.readInt()).isEqualTo(i);
    buffer.release();
    assertThat(allocator.idleBytes()).as("grown memory is the collector's, not the free list's").isZero();
  }

  @Test
  void aBufferNeverExceedsTheMaximumItWasAskedWith() {
    RecyclingAllocator allocator = new RecyclingAllocator(1 << 20);
    ByteBuf buffer = allocator.directBuffer(10_000, 12_000);
    assertThat(buffer.capacity()).isBetween(10_000, 12_000);
    assertThat(buffer.maxCapacity()).isEqualTo(12_000);
    buffer.release();
    assertThat(allocator.idleBytes()).as("the whole 16 KiB class goes back").isEqualTo(16 * KIB);
  }
}
