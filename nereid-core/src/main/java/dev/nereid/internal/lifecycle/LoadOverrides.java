package dev.nereid.internal.lifecycle;

import dev.nereid.NereidException;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an explicit load request may replace: the model's config ({@code config}, as JSON) and its files
 * ({@code file:<version>/<path>}, as bytes), as the repository extension's load parameters carry them.
 * The paths come from clients, so each is checked before anything is written: relative, no {@code ..},
 * under a version folder, inside a fresh temporary model folder.
 *
 * @param config the config that replaces the repository's, or null to read it from the model's folder
 * @param files the override files by path relative to the model folder; empty when there are none
 */
record LoadOverrides(ModelConfig config, Map<String, byte[]> files) {
  private static final Logger log = LoggerFactory.getLogger(LoadOverrides.class);

  /** Reads a load request's parameters, refusing unknown keys and unsafe paths with the model's name. */
  static LoadOverrides parse(String name, Map<String, ?> parameters) {
    checkModelName(name);
    ModelConfig config = null;
    Map<String, byte[]> files = new TreeMap<>();
    for (Map.Entry<String, ?> p : parameters.entrySet()) {
      String key = p.getKey();
      Object value = p.getValue();
      if (key.equals("config")) {
        String json = value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
        try {
          config = ModelConfigs.parseJson(json);
        } catch (NereidException.InvalidArgument e) {
          // Triton's wording: its model-control examples check that the message starts "failed to load".
          throw new NereidException.InvalidArgument("failed to load '" + name + "', " + e.getMessage(), e);
        }
      } else if (key.startsWith("file:")) {
        if (!(value instanceof byte[] bytes)) {
          throw new NereidException.InvalidArgument("failed to load '" + name + "': parameter '" + key + "' must be bytes");
        }
        files.put(checkPath(name, key.substring("file:".length())), bytes);
      } else {
        throw new NereidException.InvalidArgument("failed to load '" + name + "': unknown load parameter '" + key + "'");
      }
    }
    if (!files.isEmpty() && config == null) {
      throw new NereidException.InvalidArgument(
          "failed to load '" + name + "': file overrides need a 'config' parameter with the model's config as JSON");
    }
    return new LoadOverrides(config, files);
  }

  /**
   * Writes the files into a new temporary model folder and returns it, or null when there are none.
   * The folder is {@code <temp>/<name>} so that the model's folder name is its name; delete it with
   * {@link #deleteFolder(Path)}.
   */
  Path writeFolder(String name) {
    if (files.isEmpty()) return null;
    try {
      Path root = Files.createTempDirectory("nereid-override-").resolve(name);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path target = root.resolve(f.getKey()).normalize();
        if (!target.startsWith(root)) {
          throw new NereidException.InvalidArgument("failed to load '" + name + "': file override escapes the model folder");
        }
        Files.createDirectories(target.getParent());
        Files.write(target, f.getValue());
      }
      return root;
    } catch (IOException e) {
      throw new NereidException.Internal("failed to load '" + name + "': cannot write override files: " + e.getMessage(), e);
    }
  }

  /** Deletes a folder made by {@link #writeFolder(String)}, with the temporary folder around it. */
  static void deleteFolder(Path modelFolder) {
    Path root = modelFolder.getParent();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}", root, e);
    }
  }

  private static void checkModelName(String name) {
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
      throw new NereidException.InvalidArgument("invalid model name '" + name + "'");
    }
  }

  private static String checkPath(String model, String relative) {
    Path p;
    try {
      p = Path.of(relative).normalize();
    } catch (InvalidPathException e) {
      throw new NereidException.InvalidArgument("failed to load '" + model + "': file override path '"
          + relative.replace("\0", "\\0") + "' is not a valid path: " + e.getReason());
    }
    if (relative.isEmpty() || p.isAbsolute() || relative.startsWith("/") || p.startsWith("..")
        || Stream.of(relative.split("[/\\\\]")).anyMatch(".."::equals)) {
      throw new NereidException.InvalidArgument("failed to load '" + model + "': file override path '" + relative
          + "' must be relative to the model folder, without '..'");
    }
    if (!p.getName(0).toString().matches("[1-9][0-9]*")) {
      throw new NereidException.InvalidArgument("failed to load '" + model + "': file override path '" + relative
          + "' must start with a version folder, e.g. 1/model.onnx");
    }
    return p.toString();
  }
}
