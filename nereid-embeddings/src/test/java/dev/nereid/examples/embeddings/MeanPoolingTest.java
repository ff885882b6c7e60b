package dev.nereid.examples.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;

/** Masked mean and normalisation on hand-made numbers. */
class MeanPoolingTest {
  @Test
  void paddingTokensAreLeftOutAndEachRowHasUnitLength() {
    // Two sentences of width 2, padded to 3 tokens; padding carries large values that must not count.
    float[] hidden = {
        1, 2, 3, 6, 100, -100,
        4, 0, 100, 100, 100, 100};
    long[] mask = {1, 1, 0, 1, 0, 0};
    float[] out = new float[4];
    MeanPoolingModel.pool(FloatBuffer.wrap(hidden), LongBuffer.wrap(mask), 2, 3, 2, out);
    // Row 0: mean (2, 4), norm sqrt(20). Row 1: (4, 0) -> (1, 0).
    assertThat(out[0]).isCloseTo((float) (2 / Math.sqrt(20)), within(1e-6f));
    assertThat(out[1]).isCloseTo((float) (4 / Math.sqrt(20)), within(1e-6f));
    assertThat(out[2]).isCloseTo(1f, within(1e-6f));
    assertThat(out[3]).isCloseTo(0f, within(1e-6f));
  }
}
