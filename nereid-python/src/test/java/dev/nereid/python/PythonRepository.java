package dev.nereid.python;

import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;

/** A model repository in a temporary folder with copies of some of the committed test models. */
final class PythonRepository {
  private PythonRepository() {}

  /** Copies the named models from src/test/resources/models into {@code root}; returns root. */
  static Path with(Path root, String... models) {
    try {
      Path source = Path.of(PythonRepository.class.getResource("/models").toURI());
      for (String model : models) {
        Path from = source.resolve(model);
        try (Stream<Path> files = Files.walk(from)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Path to = root.resolve(model).resolve(from.relativize(f).toString());
            if (Files.isDirectory(f)) Files.createDirectories(to);
            else Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A started server over these models, loading them all at start. */
  static Server serve(Path root, String... models) {
    return new Server(ServerOptions.builder().modelRepository(with(root, models)).exitTimeout(Duration.ofSeconds(5))
        .build()).start();
  }

  /** A started server in EXPLICIT mode over these models, none loaded yet. */
  static Server explicit(Path root, Duration exitTimeout, String... models) {
    return new Server(ServerOptions.builder().modelRepository(with(root, models))
        .modelControlMode(ModelControlMode.EXPLICIT).exitTimeout(exitTimeout).build()).start();
  }
}
