package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command of docs/stable-diffusion.md against the example repository: the PNG holds exactly the
 * image the model returns for the same request, and the progress bar runs on stderr.
 */
class StableDiffusionCommandTest {
  @Test
  void writesTheGeneratedImageAndDrawsProgress(@TempDir Path dir) throws IOException {
    Path png = dir.resolve("out.png");

    CliRun run = CliRun.infer("stable_diffusion", "--input", "prompt=[\"butterfly in new york\"]",
        "--output-image", png.toString(), "-p", "steps=5", "-p", "height=64", "-p", "width=96", "-p", "seed=42");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).startsWith("\rstable_diffusion [######------------------------] 1/5")
        .endsWith("\rstable_diffusion [##############################] 5/5" + System.lineSeparator());
    // One line on stdout: the final response, whose image is in the file.
    assertThat(run.outLines()).hasSize(1);
    JsonNode response = new ObjectMapper().readTree(run.out());
    assertThat(response.get("outputs")).isEmpty();
    assertThat(response.get("parameters").get("seed").asLong()).isEqualTo(42);

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(96);
    assertThat(image.getHeight()).isEqualTo(64);
    byte[] expected = generate();
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 96; x++) {
        int at = (y * 96 + x) * 3;
        int rgb = (expected[at] & 0xFF) << 16 | (expected[at + 1] & 0xFF) << 8 | (expected[at + 2] & 0xFF);
        assertThat(image.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y).isEqualTo(rgb);
      }
    }
  }

  /** The same generation through the in-process API. */
  private static byte[] generate() {
    try (Server server = new Server(ServerOptions.builder().modelRepository(CliRun.EXAMPLES)
        .modelControlMode(ModelControlMode.EXPLICIT).startupModel("stable_diffusion").build()).start()) {
      InferenceRequest request = InferenceRequest.builder()
          .input("prompt", Tensor.of(new String[] {"butterfly in new york"}))
          .parameter("steps", 5L).parameter("height", 64L).parameter("width", 96L).parameter("seed", 42L).build();
      InferenceResponse last = null;
      for (InferenceResponse response : server.model("stable_diffusion").infer(request)) last = response;
      Tensor image = last.output("generated_image");
      assertThat(image.shape()).containsExactly(64, 96, 3);
      return image.toByteArray();
    }
  }
}
