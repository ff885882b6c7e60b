package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Pixel comparisons of generated images with the reference PNGs of generate_tiny_diffusion.py. */
final class TestImages {
  private TestImages() {}

  /** A reference image as interleaved RGB bytes, row by row. */
  static byte[] reference(String name) {
    return read(TestFiles.resource(name));
  }

  /** A PNG file as interleaved RGB bytes, row by row. */
  static byte[] read(java.nio.file.Path png) {
    try {
      BufferedImage image = ImageIO.read(png.toFile());
      byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
      for (int y = 0; y < image.getHeight(); y++) {
        for (int x = 0; x < image.getWidth(); x++) {
          int p = image.getRGB(x, y);
          int at = (y * image.getWidth() + x) * 3;
          rgb[at] = (byte) (p >> 16);
          rgb[at + 1] = (byte) (p >> 8);
          rgb[at + 2] = (byte) p;
        }
      }
      return rgb;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The largest difference of a level between two images of the same size. */
  static int maxDifference(byte[] a, byte[] b) {
    assertThat(a).hasSameSizeAs(b);
    int max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(Byte.toUnsignedInt(a[i]) - Byte.toUnsignedInt(b[i])));
    }
    return max;
  }

  /** The mean difference of a level between two images of the same size. */
  static double meanDifference(byte[] a, byte[] b) {
    assertThat(a).hasSameSizeAs(b);
    long sum = 0;
    for (int i = 0; i < a.length; i++) sum += Math.abs(Byte.toUnsignedInt(a[i]) - Byte.toUnsignedInt(b[i]));
    return (double) sum / a.length;
  }

  /** The bytes of a UINT8 image tensor. */
  static byte[] bytes(Tensor image) {
    assertThat(image.dataType()).isEqualTo(DataType.UINT8);
    return image.toByteArray();
  }
}
