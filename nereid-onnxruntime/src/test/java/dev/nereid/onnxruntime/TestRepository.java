package dev.nereid.onnxruntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** A model repository in a temporary folder, filled with the committed test models. */
final class TestRepository {
  private final Path root;

  TestRepository(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** A committed test model (a file, or a folder for external-data models) under src/test/resources/models. */
  static Path resource(String relative) {
    try {
      return Path.of(TestRepository.class.getResource("/models/" + relative).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Adds model {@code name} version 1 from a test model, with this config text (null for none). */
  TestRepository add(String name, String resource, String config) {
    return add(name, resource(resource), config);
  }

  /** Adds model {@code name} version 1 holding a copy of {@code source} as {@code model.onnx}. */
  TestRepository add(String name, Path source, String config) {
    try {
      copy(source, versionFolder(name, config).resolve("model.onnx"));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes raw bytes as a model's {@code model.onnx}, with this config (null for none). */
  TestRepository addBytes(String name, byte[] content, String config) {
    try {
      Files.write(versionFolder(name, config).resolve("model.onnx"), content);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates {@code <name>/1} and writes the config, if any; returns the version folder. */
  private Path versionFolder(String name, String config) throws IOException {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    if (config != null) {
      Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    }
    return version;
  }

  private static void copy(Path source, Path target) throws IOException {
    if (!Files.isDirectory(source)) {
      Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.toList()) copy(f, target.resolve(f.getFileName().toString()));
    }
  }
}
