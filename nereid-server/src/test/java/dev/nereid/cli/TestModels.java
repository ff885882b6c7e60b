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

  /** An identity model {@code picture} (IMAGE_INPUT -> IMAGE_OUTPUT, UINT8 [-1, -1, 3]), and TEXT_INPUT -> TEXT_OUTPUT (BYTES). */
  static void picture(Path repository) throws IOException {
    Path model = Files.createDirectories(repository.resolve("picture"));
    Files.writeString(model.resolve("config.pbtxt"), """
        backend: "identity"
        input [
          { name: "IMAGE_INPUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] optional: true },
          { name: "OTHER_INPUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] optional: true },
          { name: "TEXT_INPUT" data_type: TYPE_STRING dims: [ 1 ] optional: true }
        ]
        output [
          { name: "IMAGE_OUTPUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] },
          { name: "OTHER_OUTPUT" data_type: TYPE_UINT8 dims: [ -1, -1, 3 ] },
          { name: "TEXT_OUTPUT" data_type: TYPE_STRING dims: [ 1 ] }
        ]
        """);
    Files.createDirectories(model.resolve("1"));
  }

  /** A model {@code broken} that fails to load: its backend does not exist. */
  static void broken(Path repository) throws IOException {
    Path model = Files.createDirectories(repository.resolve("broken"));
    Files.writeString(model.resolve("config.pbtxt"), "backend: \"no_such_backend\"\n");
    Files.createDirectories(model.resolve("1"));
  }
}
