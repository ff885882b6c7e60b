package dev.nereid.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.LibUtils;
import dev.nereid.NereidException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch in this process, loaded once through DJL's PyTorch engine from the jars on the class path.
 *
 * <p>DJL downloads a missing native by default; Nereid never does (there is often no network where
 * models are served): {@code ai.djl.offline} is set to {@code true} unless the user set it, so DJL
 * takes libtorch from {@code ai.djl.pytorch:pytorch-native-cpu} and its JNI glue from
 * {@code ai.djl.pytorch:pytorch-jni}, both extracted once into DJL's cache folder
 * ({@code DJL_CACHE_DIR}, by default {@code ~/.djl.ai}). When they are missing, every PyTorch model is
 * UNAVAILABLE with a reason naming the artifact to add.
 */
final class TorchRuntime {
  private static final Logger log = LoggerFactory.getLogger(TorchRuntime.class);

  /** The libtorch version the bundled DJL engine and JNI are built for. */
  static final String LIBTORCH_VERSION = "2.7.1";
  /** The DJL JNI artifact matching {@link #LIBTORCH_VERSION}. */
  static final String JNI_ARTIFACT = "ai.djl.pytorch:pytorch-jni:" + LIBTORCH_VERSION + "-0.36.0";

  private static PtNDManager root;
  private static NereidException failure;

  private TorchRuntime() {}

  /**
   * The engine's root memory manager, loading libtorch on first use.
   *
   * @throws NereidException.Unavailable when libtorch or its JNI library cannot be loaded
   */
  static synchronized PtNDManager manager() {
    if (root != null) return root;
    if (failure != null) throw failure;
    if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    try {
      root = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
      log.info("libtorch {} loaded from {}", LibUtils.getVersion(), LibUtils.getLibtorchPath());
      return root;
    } catch (RuntimeException | UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
      failure = new NereidException.Unavailable("libtorch cannot be loaded (" + describe(e) + "); Nereid's PyTorch "
          + "backend runs the libtorch of the class path, never downloaded: add " + nativeArtifact() + " and "
          + JNI_ARTIFACT + " for this platform", e);
      throw failure;
    }
  }

  /** The Maven coordinates of the CPU libtorch for this operating system and architecture. */
  static String nativeArtifact() {
    return "ai.djl.pytorch:pytorch-native-cpu:" + LIBTORCH_VERSION + ":" + platform();
  }

  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String osName = os.startsWith("mac") ? "osx" : os.startsWith("win") ? "win" : "linux";
    String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "aarch64" : arch;
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
