package dev.nereid.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputSlabTest {
  @Test
  void smallBuffersAreExactDisjointDirectLittleEndianSlices() {
    OutputSlab slab = new OutputSlab();
    List<ByteBuffer> buffers = new ArrayList<>();
    // more than one chunk's worth, with sizes that are not multiples of the alignment
    for (int i = 0; i < 100; i++) {
      ByteBuffer b = slab.allocate(4000 + i);
      assertThat(b.isDirect()).isTrue();
      assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
      assertThat(b.position()).isZero();
      assertThat(b.capacity()).isEqualTo(4000 + i);
      for (int j = 0; j < b.capacity(); j++) b.put(j, (byte) i);
      buffers.add(b);
    }
    for (int i = 0; i < buffers.size(); i++) {
      ByteBuffer b = buffers.get(i);
      for (int j = 0; j < b.capacity(); j++) assertThat(b.get(j)).isEqualTo((byte) i);
    }
  }

  @Test
  void largeBufferIsItsOwn() {
    ByteBuffer b = new OutputSlab().allocate(OutputSlab.MAX_SLICE_BYTES + 1);
    assertThat(b.isDirect()).isTrue();
    assertThat(b.capacity()).isEqualTo(OutputSlab.MAX_SLICE_BYTES + 1);
    assertThat(b.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
  }
}
