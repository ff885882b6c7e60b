package dev.nereid.fil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A model repository of FIL models in a temporary folder. */
final class FilRepository {
  private final Path root;

  FilRepository(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** A committed test model file under src/test/resources/models. */
  static Path resource(String relative) {
    try {
      return Path.of(FilRepository.class.getResource("/models/" + relative).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Adds model {@code name} version 1 holding a copy of {@code file} as {@code fileName}, with this config. */
  FilRepository add(String name, Path file, String fileName, String config) {
    try {
      Path version = Files.createDirectories(root.resolve(name).resolve("1"));
      Files.copy(file, version.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A FIL config in Triton's form: batched up to 1,024 rows, {@code features} inputs, {@code outputs} values
   * per row, and these parameters (key, value, key, value...).
   */
  static String config(String modelType, int features, int outputs, String... parameters) {
    StringBuilder b = new StringBuilder()
        .append("backend: \"fil\"\nmax_batch_size: 1024\n")
        .append("input [{ name: \"input__0\" data_type: TYPE_FP32 dims: [ ").append(features).append(" ] }]\n")
        .append("output [{ name: \"output__0\" data_type: TYPE_FP32 dims: [ ").append(outputs).append(" ] }]\n")
        .append("instance_group [{ kind: KIND_CPU }]\n")
        .append("parameters [\n  { key: \"model_type\" value: { string_value: \"").append(modelType).append("\" } }");
    for (int i = 0; i < parameters.length; i += 2) {
      b.append(",\n  { key: \"").append(parameters[i]).append("\" value: { string_value: \"").append(parameters[i + 1])
          .append("\" } }");
    }
    return b.append("\n]\n").toString();
  }
}
