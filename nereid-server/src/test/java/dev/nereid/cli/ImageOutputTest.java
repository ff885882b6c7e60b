package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.InferenceResponse;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nereid infer --output-image} and the progress bar. */
class ImageOutputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // Two rows of three pixels: red, green, blue / black, grey, white.
  private static final String PIXELS = "[[[255,0,0],[0,255,0],[0,0,255]],[[0,0,0],[128,128,128],[255,255,255]]]";

  @Test
  void writesTheImageOutputAsPng(@TempDir Path dir) throws IOException {
    TestModels.picture(dir);
    Path png = dir.resolve("out/picture.png");

    CliRun run = CliRun.of("infer", "picture", "--model-repository", dir.toString(), "-i", "IMAGE_INPUT=" + PIXELS,
        "-i", "TEXT_INPUT=[\"caption\"]", "--output-image", png.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(3);
    assertThat(image.getHeight()).isEqualTo(2);
    assertThat(new int[] {image.getRGB(0, 0), image.getRGB(1, 0), image.getRGB(2, 0), image.getRGB(0, 1),
        image.getRGB(1, 1), image.getRGB(2, 1)})
        .containsExactly(0xFFFF0000, 0xFF00FF00, 0xFF0000FF, 0xFF000000, 0xFF808080, 0xFFFFFFFF);
    // The image is in the file; the line printed holds the other outputs.
    JsonNode outputs = JSON.readTree(run.out()).get("outputs");
    assertThat(outputs).hasSize(1);
    assertThat(outputs.get(0).get("name").asText()).isEqualTo("TEXT_OUTPUT");
  }

  @Test
  void noImageOutputIsAnError(@TempDir Path dir) throws IOException {
    TestModels.picture(dir);
    Path png = dir.resolve("picture.png");

    CliRun run = CliRun.of("infer", "picture", "--model-repository", dir.toString(), "-i", "TEXT_INPUT=[\"caption\"]",
        "--output-image", png.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines().get(0)).isEqualTo("nereid: --output-image " + png
        + ": model 'picture' returned no UINT8 [height, width, 3] output (see 'nereid infer --help')");
    assertThat(png).doesNotExist();
  }

  @Test
  void twoImageOutputsNeedAChoice(@TempDir Path dir) throws IOException {
    TestModels.picture(dir);
    Path png = dir.resolve("picture.png");

    CliRun both = CliRun.of("infer", "picture", "--model-repository", dir.toString(), "-i", "IMAGE_INPUT=" + PIXELS,
        "-i", "OTHER_INPUT=" + PIXELS, "--output-image", png.toString());
    CliRun chosen = CliRun.of("infer", "picture", "--model-repository", dir.toString(), "-i", "IMAGE_INPUT=" + PIXELS,
        "-i", "OTHER_INPUT=" + PIXELS, "--output-image", png.toString(), "--output", "OTHER_OUTPUT");

    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).contains("returned several images [IMAGE_OUTPUT, OTHER_OUTPUT]; choose one with --output NAME");
    assertThat(chosen.exitCode()).as(chosen.err()).isZero();
    assertThat(Files.size(png)).isPositive();
  }

  @Test
  void progressBarIsDrawnInPlaceAndEndsItsLine() {
    StringWriter err = new StringWriter();
    try (ProgressBar bar = new ProgressBar(new PrintWriter(err), "sd")) {
      assertThat(bar.show(progress(1, 4))).isTrue();
      assertThat(bar.show(progress(2, 4))).isTrue();
      assertThat(bar.show(response(Map.of("seed", 3L)))).isFalse();
      assertThat(bar.show(progress(4, 4))).isTrue();
    }
    assertThat(err.toString()).isEqualTo("\rsd [#######-----------------------] 1/4"
        + "\rsd [###############---------------] 2/4"
        + "\rsd [##############################] 4/4" + System.lineSeparator());
  }

  @Test
  void anUnfinishedBarEndsItsLineOnClose() {
    StringWriter err = new StringWriter();
    try (ProgressBar bar = new ProgressBar(new PrintWriter(err), "sd")) {
      bar.show(progress(3, 10));
    }
    assertThat(err.toString()).isEqualTo("\rsd [#########---------------------]  3/10" + System.lineSeparator());
  }

  private static InferenceResponse progress(long done, long total) {
    return response(Map.of("progress", done, "progress_total", total));
  }

  private static InferenceResponse response(Map<String, Object> parameters) {
    return new InferenceResponse("sd", 1, "", parameters, Map.of(), Optional.empty(), false);
  }
}
