package dev.nereid.testing.javamodels;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the Java test models report of their lifecycle, for tests to check: which instances were
 * initialized and finalized, and the class loaders of models loaded from a jar. Keys are
 * {@code <model>/<version>/<instance>}.
 */
public final class JavaModelEvents {
  private static final List<String> INITIALIZED = new CopyOnWriteArrayList<>();
  private static final List<String> FINALIZED = new CopyOnWriteArrayList<>();
  private static final Map<String, ClassLoader> LOADERS = new ConcurrentHashMap<>();

  private JavaModelEvents() {}

  public static void initialized(String key) {
    INITIALIZED.add(key);
  }

  public static void finalized(String key) {
    FINALIZED.add(key);
  }

  public static void loader(String key, ClassLoader loader) {
    LOADERS.put(key, loader);
  }

  /** The keys of initialized instances whose key starts with this prefix. */
  public static List<String> initializedStartingWith(String prefix) {
    return INITIALIZED.stream().filter(k -> k.startsWith(prefix)).toList();
  }

  /** The keys of finalized instances whose key starts with this prefix. */
  public static List<String> finalizedStartingWith(String prefix) {
    return FINALIZED.stream().filter(k -> k.startsWith(prefix)).toList();
  }

  public static ClassLoader loader(String key) {
    return LOADERS.get(key);
  }
}
