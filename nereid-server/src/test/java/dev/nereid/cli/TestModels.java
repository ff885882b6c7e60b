package dev.nereid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Models the tests write into temporary repositories. */
final class TestModels {
  private TestModels() {}

  /** An identity model {@code echo} (INPUT0 -> OUTPUT0, INT32 [-1]) serving every given version. */
  static void echo(Path repository, int... versions) throws IOException {
    Path model = Files.createDirectories(repository.resolve("echo"));
    Files.writeString(model.resolve("config.pbtxt"), """
        backend: "identity"
        version_policy { all {} }
        input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
        """);
    for (int v : versions) Files.createDirectories(model.resolve(Integer.toString(v)));
  }

  /** A model {@code broken} that fails to load: its backend does not exist. */
  static void broken(Path repository) throws IOException {
    Path model = Files.createDirectories(repository.resolve("broken"));
    Files.writeString(model.resolve("config.pbtxt"), "backend: \"no_such_backend\"\n");
    Files.createDirectories(model.resolve("1"));
  }
}
