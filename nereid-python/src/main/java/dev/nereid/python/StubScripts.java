package dev.nereid.python;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The stub and our {@code triton_python_backend_utils} module, written once per JVM from the jar into
 * a temporary folder that the stub runs from (its folder is first on the stub's {@code sys.path}).
 */
final class StubScripts {
  static final String STUB = "nereid_stub.py";
  private static final String[] FILES = {STUB, "triton_python_backend_utils.py", "_nereid_dlpack.py"};
  private static volatile Path folder;

  private StubScripts() {}

  /** The stub script's path. */
  static Path stub() {
    Path f = folder;
    if (f == null) {
      synchronized (StubScripts.class) {
        f = folder;
        if (f == null) {
          f = extract();
          folder = f;
        }
      }
    }
    return f.resolve(STUB);
  }

  private static Path extract() {
    try {
      Path dir = Files.createTempDirectory("nereid-python-stub");
      // deleteOnExit runs in reverse order of registration: the folder goes last, once it is empty.
      dir.toFile().deleteOnExit();
      for (String name : FILES) {
        try (InputStream in = StubScripts.class.getResourceAsStream("stub/" + name)) {
          if (in == null) throw new IOException("the jar lacks dev/nereid/python/stub/" + name);
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        dir.resolve(name).toFile().deleteOnExit();
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Python stub to a temporary folder", e);
    }
  }
}
