package dev.nereid.pytorch;

import dev.nereid.InferenceResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.assertj.core.api.Assertions.assertThat;

/** A model repository in a temporary folder, filled with the committed TorchScript test models. */
final class TestRepository {
  private final Path root;

  TestRepository(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** A committed test model under src/test/resources/models (made by src/test/python/generate_models.py). */
  static Path resource(String name) {
    try {
      return Path.of(TestRepository.class.getResource("/models/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Adds model {@code name} version 1 holding a copy of the test model as {@code model.pt}. */
  TestRepository add(String name, String resource, String config) {
    return add(name, resource, "model.pt", config);
  }

  /** Adds model {@code name} version 1 holding a copy of the test model under {@code fileName}. */
  TestRepository add(String name, String resource, String fileName, String config) {
    try {
      Files.copy(resource(resource), versionFolder(name, config).resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes raw bytes as a model's {@code model.pt}, with this config. */
  TestRepository addBytes(String name, byte[] content, String config) {
    try {
      Files.write(versionFolder(name, config).resolve("model.pt"), content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path versionFolder(String name, String config) throws IOException {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    if (config != null) Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    return version;
  }

  /** The one response of a non-decoupled model. */
  static InferenceResponse single(Iterable<InferenceResponse> responses) {
    InferenceResponse last = null;
    int count = 0;
    for (InferenceResponse r : responses) {
      last = r;
      count++;
    }
    assertThat(count).isEqualTo(1);
    return last;
  }
}
