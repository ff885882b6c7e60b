package dev.nereid.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A model repository in a temporary folder, built at benchmark setup and deleted at teardown. */
final class BenchRepository implements AutoCloseable {
  private final Path root;

  BenchRepository() {
    try {
      root = Files.createTempDirectory("nereid-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path root() {
    return root;
  }

  /**
   * The MiniLM model the build unpacks into the example repository; {@code -Dnereid.examples=<dir>}
   * points elsewhere. Benchmarks run from the repository root or from nereid-bench.
   */
  static Path miniLm() {
    return example("all_minilm_l6_v2/1/model.onnx");
  }

  /** A file of the example repository (see {@link #miniLm()} for where it is looked for). */
  static Path example(String file) {
    String configured = System.getProperty("nereid.examples");
    for (String candidate : configured != null ? new String[] {configured} : new String[] {"examples/models", "../examples/models"}) {
      Path path = Path.of(candidate).resolve(file);
      if (Files.exists(path)) return path.toAbsolutePath();
    }
    throw new IllegalStateException("examples/models/" + file + " not found: build first "
        + "(./mvnw -B package -DskipTests) and run from the repository root, or pass -Dnereid.examples=<dir>");
  }

  /** Adds a model whose model.onnx is a link to {@code file}, with this config. */
  BenchRepository linkModel(String name, Path file, String config) throws IOException {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    Files.createSymbolicLink(version.resolve("model.onnx"), file);
    Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    return this;
  }

  /**
   * Adds a model of the example repository with its config passed through {@code editConfig}; every
   * other file of the model (version folders, a tokenizer beside the config) is a link to the example's.
   */
  BenchRepository addExample(String name, UnaryOperator<String> editConfig) throws IOException {
    Path source = example(name);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path from : files.toList()) {
        Path to = root.resolve(name).resolve(source.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else if (from.getFileName().toString().equals("config.pbtxt")) {
          Files.writeString(to, editConfig.apply(Files.readString(from)));
        } else {
          Files.createSymbolicLink(to, from.toAbsolutePath());
        }
      }
    }
    return this;
  }

  /** Adds a model whose model.onnx is a copy of a classpath resource, with this config; returns the file. */
  Path copyModel(String name, String resource, String config) throws IOException {
    Path version = Files.createDirectories(root.resolve(name).resolve("1"));
    Path file = version.resolve("model.onnx");
    try (InputStream in = BenchRepository.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing resource " + resource);
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.writeString(root.resolve(name).resolve("config.pbtxt"), config);
    return file;
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
