package dev.nereid.spark;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkFiles;

/**
 * Where a JVM of the Spark application finds the model repository: a path every executor can read (a
 * shared or replicated file system), or a directory the application shipped with
 * {@code SparkContext.addFile(dir, true)}, which each executor fetches into its own work directory.
 */
sealed interface RepositoryLocation extends Serializable {
  /** The repository as a local directory in this JVM. */
  Path resolve();

  /** A directory at the same path on every executor. */
  record SharedPath(String path) implements RepositoryLocation {
    @Override
    public Path resolve() {
      return existing(Path.of(path).toAbsolutePath().normalize(), "model repository '" + path + "'");
    }
  }

  /** A directory added with {@code SparkContext.addFile(dir, true)}, found by its file name. */
  record SparkFile(String name) implements RepositoryLocation {
    @Override
    public Path resolve() {
      return existing(Path.of(SparkFiles.get(name)),
          "model repository '" + name + "' from SparkFiles (was it added with sparkContext.addFile(dir, true)?)");
    }
  }

  private static Path existing(Path dir, String what) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(what + " is not a directory in this JVM: " + dir);
    }
    return dir;
  }
}
