package dev.nereid.examples.diffusion;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/** Conversions between the VAE's output and 8-bit images. */
final class Images {
  private Images() {}

  /**
   * A planar [3, height, width] image with values in [-1, 1] (clamped) as interleaved UINT8
   * [height, width, 3] RGB, rounding to the nearest level.
   */
  static Tensor toRgb(FloatBuffer planes, int height, int width) {
    int plane = height * width;
    ByteBuffer rgb = ByteBuffer.allocateDirect(plane * 3);
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        float v = Math.min(Math.max(planes.get(c * plane + p) / 2 + 0.5f, 0f), 1f);
        rgb.put(p * 3 + c, (byte) (int) (v * 255 + 0.5f));
      }
    }
    return Tensor.of(DataType.UINT8, new long[] {height, width, 3}, rgb);
  }
}
