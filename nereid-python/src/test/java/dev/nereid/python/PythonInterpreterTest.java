package dev.nereid.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ModelControlMode;
import dev.nereid.ModelState;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which Python runs a model: EXECUTION_ENV_PATH, the interpreter option, and clear reasons when it cannot run. */
class PythonInterpreterTest {
  @TempDir Path repository;
  @TempDir Path scratch;

  /** An executable script that notes each start in {@code marker}, then runs python3 with these flags. */
  private Path wrapper(Path file, Path marker, String flags) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\necho started >> '" + marker + "'\nexec python3 " + flags + " \"$@\"\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private Server explicit(String interpreter) {
    ServerOptions.Builder b = ServerOptions.builder().modelRepository(repository).modelControlMode(ModelControlMode.EXPLICIT);
    if (interpreter != null) b.backendConfig("python", "interpreter", interpreter);
    return new Server(b.build()).start();
  }

  private static float[] sum(Server server) {
    return server.model("add_sub").infer(Map.of("INPUT0", new float[] {1, 2, 3, 4}, "INPUT1", new float[] {1, 1, 1, 1}))
        .next().output("OUTPUT0").toFloatArray();
  }

  @Test
  void executionEnvPathNamesTheEnvironmentsPython() throws Exception {
    PythonRepository.with(repository, "add_sub");
    Path marker = scratch.resolve("env-used");
    wrapper(repository.resolve("add_sub/env/bin/python3"), marker, "");
    Files.writeString(repository.resolve("add_sub/config.pbtxt"), "\nparameters { key: \"EXECUTION_ENV_PATH\" value { "
        + "string_value: \"$$TRITON_MODEL_DIRECTORY/env\" } }\n", StandardOpenOption.APPEND);
    try (Server server = explicit(null)) {
      server.load("add_sub");
      assertThat(sum(server)).containsExactly(2, 3, 4, 5);
      assertThat(Files.readAllLines(marker)).isNotEmpty();
    }
  }

  @Test
  void aPackedEnvironmentIsUnpackedOnce() throws Exception {
    PythonRepository.with(repository, "add_sub");
    Path marker = scratch.resolve("packed-used");
    Path env = scratch.resolve("env");
    wrapper(env.resolve("bin/python3"), marker, "");
    Path archive = repository.resolve("add_sub/python-env.tar.gz");
    Process tar = new ProcessBuilder("tar", "-czf", archive.toString(), "-C", env.toString(), "bin").inheritIO().start();
    assertThat(tar.waitFor()).isZero();
    Files.writeString(repository.resolve("add_sub/config.pbtxt"), "\nparameters { key: \"EXECUTION_ENV_PATH\" value { "
        + "string_value: \"$$TRITON_MODEL_DIRECTORY/python-env.tar.gz\" } }\n", StandardOpenOption.APPEND);
    try (Server server = explicit(null)) {
      server.load("add_sub");
      assertThat(sum(server)).containsExactly(2, 3, 4, 5);
      assertThat(Files.readAllLines(marker)).isNotEmpty();
    }
  }

  @Test
  void theInterpreterOptionNamesThePython() throws Exception {
    PythonRepository.with(repository, "add_sub");
    Path marker = scratch.resolve("option-used");
    Path python = wrapper(scratch.resolve("my-python"), marker, "");
    try (Server server = explicit(python.toString())) {
      server.load("add_sub");
      assertThat(sum(server)).containsExactly(2, 3, 4, 5);
      assertThat(Files.readAllLines(marker)).isNotEmpty();
    }
  }

  @Test
  void aMissingInterpreterLeavesTheModelUnavailableWithAClearReason() {
    PythonRepository.with(repository, "add_sub");
    try (Server server = explicit(scratch.resolve("no-such-python").toString())) {
      assertThatThrownBy(() -> server.load("add_sub")).hasMessageContaining("cannot start the Python interpreter");
      assertThat(server.model("add_sub").state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(server.model("add_sub").reason()).contains("no-such-python").contains("needs python3 with numpy");
    }
  }

  @Test
  void anInterpreterWithoutNumpyIsNamedInTheReason() throws Exception {
    PythonRepository.with(repository, "add_sub");
    // -S: no site-packages, so numpy cannot be imported
    Path python = wrapper(scratch.resolve("bare-python"), scratch.resolve("bare-used"), "-S");
    try (Server server = explicit(python.toString())) {
      assertThatThrownBy(() -> server.load("add_sub")).hasMessageContaining("No module named 'numpy'");
      assertThat(server.model("add_sub").reason()).contains("needs numpy");
    }
  }
}
