package dev.nereid.internal.backend;

import dev.nereid.spi.Backend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backends found on the class path, by name and by platform. */
public final class BackendRegistry {
  private static final Logger log = LoggerFactory.getLogger(BackendRegistry.class);

  private final Map<String, Backend> byName = new LinkedHashMap<>();
  private final Map<String, Backend> byPlatform = new LinkedHashMap<>();

  private BackendRegistry(Collection<Backend> backends) {
    for (Backend b : backends) {
      Backend previous = byName.putIfAbsent(b.name(), b);
      if (previous != null) {
        log.warn("two backends are named '{}': {} and {}; using the first", b.name(),
            previous.getClass().getName(), b.getClass().getName());
        continue;
      }
      for (String platform : b.platforms()) byPlatform.putIfAbsent(platform, b);
    }
  }

  /** The backends {@link ServiceLoader} finds with this class's loader. */
  public static BackendRegistry discover() {
    List<Backend> found = new ArrayList<>();
    ServiceLoader.load(Backend.class, BackendRegistry.class.getClassLoader()).forEach(found::add);
    return new BackendRegistry(found);
  }

  /** The backend with this name. */
  public Optional<Backend> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The backend serving this platform. */
  public Optional<Backend> byPlatform(String platform) {
    return Optional.ofNullable(byPlatform.get(platform));
  }

  /** The names of every backend found. */
  public List<String> names() {
    return List.copyOf(byName.keySet());
  }

  /**
   * The backend whose model file is in the version folder: the configured default file name if given,
   * else each backend's own file names.
   */
  public Optional<Backend> byModelFile(Path versionDirectory, String defaultModelFilename) {
    for (Backend b : byName.values()) {
      for (String file : b.modelFileNames()) {
        boolean named = defaultModelFilename.isEmpty() || defaultModelFilename.equals(file);
        if (named && Files.exists(versionDirectory.resolve(file))) {
          return Optional.of(b);
        }
      }
    }
    if (!defaultModelFilename.isEmpty() && Files.exists(versionDirectory.resolve(defaultModelFilename))) {
      String extension = extension(defaultModelFilename);
      for (Backend b : byName.values()) {
        for (String file : b.modelFileNames()) {
          if (!extension.isEmpty() && extension.equals(extension(file))) return Optional.of(b);
        }
      }
    }
    return Optional.empty();
  }

  private static String extension(String file) {
    int dot = file.lastIndexOf('.');
    return dot < 0 ? "" : file.substring(dot);
  }
}
