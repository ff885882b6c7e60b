package dev.nereid.cli;

import dev.nereid.DataType;
import dev.nereid.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Writes image outputs as PNG files: UINT8 tensors of shape [height, width, 3], interleaved RGB, row
 * by row (leading dimensions of 1, such as a batch of one, are ignored).
 */
final class PngOutput {
  private PngOutput() {}

  /** Whether a tensor is an image this class can write. */
  static boolean isImage(Tensor tensor) {
    long[] shape = imageShape(tensor.shape());
    return tensor.dataType() == DataType.UINT8 && shape.length == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] == 3;
  }

  /** Writes the image as a PNG, replacing the file. */
  static void write(Tensor image, Path file) throws IOException {
    long[] shape = imageShape(image.shape());
    int height = Math.toIntExact(shape[0]);
    int width = Math.toIntExact(shape[1]);
    BufferedImage png = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    ByteBuffer rgb = image.data();
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int at = (y * width + x) * 3;
        row[x] = (rgb.get(at) & 0xFF) << 16 | (rgb.get(at + 1) & 0xFF) << 8 | (rgb.get(at + 2) & 0xFF);
      }
      png.setRGB(0, y, width, 1, row, 0, width);
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    if (!ImageIO.write(png, "png", file.toFile())) {
      throw new IOException("no PNG writer in this Java runtime");
    }
  }

  private static long[] imageShape(long[] shape) {
    int first = 0;
    while (shape.length - first > 3 && shape[first] == 1) first++;
    return Arrays.copyOfRange(shape, first, shape.length);
  }
}
