package dev.nereid.python;

import dev.nereid.NereidException;
import dev.nereid.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How a model's stubs run: the interpreter, where shared memory lives, and how long a stub may take
 * to finish when asked to stop.
 *
 * <p>The interpreter is, first found: the model's {@code EXECUTION_ENV_PATH} parameter (a folder
 * holding {@code bin/python3}, or a {@code .tar.gz} of one, unpacked next to it; {@code
 * $$TRITON_MODEL_DIRECTORY} stands for the model's folder, as in Triton), the model's {@code
 * PYTHON_INTERPRETER} parameter, the backend config {@code interpreter} ({@code --backend-config
 * python,interpreter=/usr/bin/python3}), or {@code python3} on the PATH. It needs numpy. Shared memory
 * goes to the backend config {@code shm-folder}, else {@code /dev/shm} when it exists, else the system
 * temporary folder.
 *
 * @param interpreter the Python executable
 * @param shmFolder the folder for shared-memory segments
 * @param exitTimeout how long finalize may run at unload before the stub is killed
 */
record PythonSettings(String interpreter, Path shmFolder, Duration exitTimeout) {
  static final String EXECUTION_ENV_PATH = "EXECUTION_ENV_PATH";
  static final String INTERPRETER_PARAMETER = "PYTHON_INTERPRETER";

  static PythonSettings of(ModelContext context) {
    String interpreter;
    var env = context.parameter(EXECUTION_ENV_PATH).filter(s -> !s.isBlank());
    if (env.isPresent()) {
      interpreter = fromEnvironment(context, env.get()).toString();
    } else {
      interpreter = context.parameter(INTERPRETER_PARAMETER).filter(s -> !s.isBlank())
          .orElse(context.backendConfig().getOrDefault("interpreter", "python3"));
    }
    Path shm = context.backendConfig().containsKey("shm-folder")
        ? Path.of(context.backendConfig().get("shm-folder"))
        : Files.isDirectory(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
    Duration exit = context.server() == null ? Duration.ofSeconds(30) : context.server().options().exitTimeout();
    return new PythonSettings(interpreter, shm, exit);
  }

  private static Path fromEnvironment(ModelContext context, String value) {
    Path path = Path.of(value.replace("$$TRITON_MODEL_DIRECTORY", context.modelDirectory().toString()));
    if (!path.isAbsolute()) path = context.modelDirectory().resolve(path);
    Path folder = path;
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".tar.gz")) {
      folder = unpack(context, path);
    }
    Path python = folder.resolve("bin").resolve("python3");
    if (!Files.isExecutable(python)) {
      throw new NereidException.Unavailable("model '" + context.name() + "': " + EXECUTION_ENV_PATH + " '" + value
          + "' has no executable bin/python3 (looked at " + python + ")");
    }
    return python;
  }

  /** Unpacks a packed environment (conda-pack's .tar.gz) once, into a folder beside it. */
  private static Path unpack(ModelContext context, Path archive) {
    String name = archive.getFileName().toString();
    Path target = archive.resolveSibling(name.substring(0, name.length() - ".tar.gz".length()) + ".unpacked");
    try {
      if (Files.isExecutable(target.resolve("bin").resolve("python3"))) return target;
      Files.createDirectories(target);
      Process tar = new ProcessBuilder(List.of("tar", "-xzf", archive.toString(), "-C", target.toString()))
          .redirectErrorStream(true).start();
      String output = new String(tar.getInputStream().readAllBytes());
      if (!tar.waitFor(10, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        throw new IOException("tar failed: " + output.strip());
      }
      return target;
    } catch (IOException e) {
      throw new NereidException.Unavailable("model '" + context.name() + "': cannot unpack " + EXECUTION_ENV_PATH
          + " " + archive + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NereidException.Unavailable("interrupted while unpacking " + archive, e);
    }
  }
}
