package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.TensorFlow;

/**
 * The TensorFlow library in this process, loaded once by TensorFlow Java (through JavaCPP) from
 * {@code org.tensorflow:tensorflow-core-native} on the class path; nothing is downloaded. When the
 * native is missing for this platform, every TensorFlow model is UNAVAILABLE naming the artifact.
 */
final class TfRuntime {
  private static final Logger log = LoggerFactory.getLogger(TfRuntime.class);
  static final String VERSION = "1.1.0";

  private static boolean loaded;
  private static NereidException failure;

  private TfRuntime() {}

  /** Loads TensorFlow on first use. @throws NereidException.Unavailable when it cannot be loaded */
  static synchronized void require() {
    if (loaded) return;
    if (failure != null) throw failure;
    try {
      String version = TensorFlow.version();
      loaded = true;
      log.info("TensorFlow {} loaded (TensorFlow Java {})", version, VERSION);
    } catch (RuntimeException | LinkageError e) {
      failure = new NereidException.Unavailable("TensorFlow cannot be loaded (" + describe(e) + "); Nereid's "
          + "TensorFlow backend runs the TensorFlow of the class path, never downloaded: add "
          + "org.tensorflow:tensorflow-core-native:" + VERSION + ":" + platform() + " for this platform", e);
      throw failure;
    }
  }

  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName = os.startsWith("mac") ? "macosx" : os.startsWith("win") ? "windows" : "linux";
    String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "arm64" : arch;
    return osName + "-" + archName;
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (!text.isEmpty()) text.append(": ");
      text.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
    return text.toString();
  }
}
