package dev.nereid.internal.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Output memory lent to a batch comes back only when every response holding a part of it is closed.
 * Reuse shows in the contents: recycled memory is not cleared, fresh direct memory is zeroed.
 */
class OutputPoolTest {
  private static final long[] SHAPE = {4, 16_384}; // 256 KiB of FP32, four rows

  @Test
  void memoryReturnsOnlyWhenEverySliceIsReleased() {
    OutputPool pool = new OutputPool();
    Tensor batched = pool.allocate(DataType.FP32, SHAPE);
    fill(batched, 7f);
    List<Tensor> rows = BatchAssembler.split("Y", batched, new long[] {1, 3});
    TensorShares.shareOf(batched).release(); // the backend's claim, as the core gives it up after splitting

    TensorShares.shareOf(rows.get(0)).release();
    Tensor whileOneIsHeld = pool.allocate(DataType.FP32, SHAPE);
    assertThat(whileOneIsHeld.asFloatBuffer().get(0)).as("fresh, zeroed memory").isZero();
    assertThat(rows.get(1).asFloatBuffer().get(0)).as("the held slice is intact").isEqualTo(7f);

    TensorShares.shareOf(rows.get(1)).release();
    Tensor recycled = pool.allocate(DataType.FP32, SHAPE);
    assertThat(recycled.asFloatBuffer().get(0)).as("the released block, not cleared").isEqualTo(7f);
  }

  @Test
  void aReleasedTensorRefusesToBeRead() {
    OutputPool pool = new OutputPool();
    Tensor t = pool.allocate(DataType.FP32, SHAPE);
    Tensor reshaped = t.reshape(16_384, 4);
    TensorShares.shareOf(t).release();
    assertThatThrownBy(t::toFloatArray).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("FP32 [4,16384] tensor belongs to a closed response");
    assertThatThrownBy(reshaped::data).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void smallOutputsAreNotPooled() {
    Tensor small = new OutputPool().allocate(DataType.FP32, new long[] {1, 16});
    assertThat(TensorShares.shareOf(small)).isNull();
    assertThat(small.isDirect()).isTrue();
  }

  @Test
  void anUnpooledTensorKeepsItsBlockOutOfThePool() {
    OutputPool pool = new OutputPool();
    Tensor t = pool.allocate(DataType.FP32, SHAPE);
    fill(t, 3f);
    Tensor kept = TensorShares.unpooled(t);
    TensorShares.shareOf(t).release();
    assertThat(pool.allocate(DataType.FP32, SHAPE).asFloatBuffer().get(0)).as("a fresh block").isZero();
    assertThat(kept.asFloatBuffer().get(0)).isEqualTo(3f);
  }

  @Test
  void retentionIsBounded() {
    OutputPool pool = new OutputPool();
    List<Tensor> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) many.add(pool.allocate(DataType.FP32, SHAPE));
    for (Tensor t : many) TensorShares.shareOf(t).release();
    assertThat(pool.keptBytes()).isEqualTo(8L * 256 * 1024);
  }

  private static void fill(Tensor t, float value) {
    var floats = t.data().asFloatBuffer();
    while (floats.hasRemaining()) floats.put(value);
  }
}
