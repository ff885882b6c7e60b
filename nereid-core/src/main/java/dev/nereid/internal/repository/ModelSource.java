package dev.nereid.internal.repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model as it sits in a repository: the name it is served under and its folder.
 *
 * @param name the model's name (the folder name, unless a name mapping renames it)
 * @param directory the model's folder
 * @param repository the repository holding it
 */
public record ModelSource(String name, Path directory, Path repository) {

  /** The config file, which may not exist (a config can be entirely auto-completed). */
  public Path configFile() {
    return directory.resolve("config.pbtxt");
  }

  /**
   * The numeric version folders, ascending. Folders whose names are not numbers, or start with 0,
   * are not versions (as in Triton).
   */
  public List<Long> versions() {
    List<Long> versions = new ArrayList<>();
    try (Stream<Path> entries = Files.list(directory)) {
      entries.filter(Files::isDirectory).forEach(p -> {
        String n = p.getFileName().toString();
        if (n.matches("[1-9][0-9]{0,17}")) versions.add(Long.parseLong(n));
      });
    } catch (IOException e) {
      return List.of();
    }
    versions.sort(null);
    return versions;
  }

  /**
   * A fingerprint of everything that affects loading: every file's path, size and modification time.
   * POLL mode reloads a model when this changes.
   */
  public String fingerprint() {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted().forEach(p -> {
        try {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          b.append(directory.relativize(p)).append('|').append(a.size()).append('|')
              .append(a.lastModifiedTime().toMillis()).append('\n');
        } catch (IOException e) {
          b.append(p).append("|gone\n");
        }
      });
    } catch (IOException e) {
      b.append("unreadable:").append(e.getMessage());
    }
    return b.toString();
  }
}
