package dev.nereid.examples.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class VectorsTest {
  @Test
  void cosineIsOneForTheSameDirectionZeroForOrthogonalAndMinusOneForOpposite() {
    assertThat(Vectors.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6})).isCloseTo(1.0, offset(1e-12));
    assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {0, 5})).isCloseTo(0.0, offset(1e-12));
    assertThat(Vectors.cosine(new float[] {1, -2}, new float[] {-1, 2})).isCloseTo(-1.0, offset(1e-12));
    // 45 degrees.
    assertThat(Vectors.cosine(new float[] {1, 0}, new float[] {1, 1})).isCloseTo(Math.sqrt(0.5), offset(1e-7));
  }

  @Test
  void vectorsOfDifferentLengthsAreRefusedNamingBoth() {
    assertThatThrownBy(() -> Vectors.cosine(new float[3], new float[384]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3").hasMessageContaining("384");
  }
}
