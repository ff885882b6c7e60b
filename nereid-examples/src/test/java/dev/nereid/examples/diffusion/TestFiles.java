package dev.nereid.examples.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The example repository and the reference files generate_tiny_diffusion.py wrote. */
final class TestFiles {
  /** The repository's examples/models, found from the module folder Maven runs tests in. */
  static final Path EXAMPLES = Path.of("..", "examples", "models").toAbsolutePath().normalize();
  static final Path TOKENIZER = EXAMPLES.resolve("stable_diffusion/1/tokenizer");

  private TestFiles() {}

  static JsonNode json(String resource) {
    try (InputStream in = TestFiles.class.getResourceAsStream("/diffusion/" + resource)) {
      if (in == null) throw new IllegalStateException("missing test resource diffusion/" + resource);
      return JsonMapper.builder().build().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path resource(String name) {
    Path path = Path.of("src", "test", "resources", "diffusion", name).toAbsolutePath();
    if (!Files.exists(path)) throw new IllegalStateException("missing " + path);
    return path;
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = (float) array.get(i).asDouble();
    return out;
  }

  static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
    return out;
  }
}
