package dev.nereid.internal.repository;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;

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
   * A fingerprint of everything that affects loading: every folder and file (through symbolic links)
   * with its size and modification time, and the config's content, since an edit can keep both size
   * and time (same length, same clock tick). POLL mode reloads a model when this changes.
   */
  public String fingerprint() {
    Set<String> lines = new TreeSet<>();
    try {
      Files.walkFileTree(directory, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          lines.add(directory.relativize(dir) + "/");
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          lines.add(directory.relativize(file) + "|" + attrs.size() + "|" + attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          // A link loop or an unreadable entry: note it and go on, rather than fail or walk forever.
          lines.add(directory.relativize(file) + "|unreadable:" + e.getClass().getSimpleName());
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      lines.add("unreadable:" + e.getMessage());
    }
    StringBuilder b = new StringBuilder();
    lines.forEach(line -> b.append(line).append('\n'));
    if (Files.isRegularFile(configFile())) {
      try {
        CRC32 crc = new CRC32();
        crc.update(Files.readAllBytes(configFile()));
        b.append("config|").append(Long.toHexString(crc.getValue()));
      } catch (IOException e) {
        b.append("config|unreadable");
      }
    }
    return b.toString();
  }
}
