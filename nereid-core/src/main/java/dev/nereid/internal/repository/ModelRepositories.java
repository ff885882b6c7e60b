package dev.nereid.internal.repository;

import dev.nereid.NereidException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The model repositories a server reads: each a folder of model folders, optionally with a mapping
 * from folder name to served name. Thread-safe.
 */
public final class ModelRepositories {
  private record Repository(Path path, Map<String, String> nameMapping) {}

  private final List<Repository> repositories = new CopyOnWriteArrayList<>();

  /** Adds a repository; its folder must exist. */
  public void add(Path path, Map<String, String> nameMapping) {
    Path normalized = path.toAbsolutePath().normalize();
    if (!Files.isDirectory(normalized)) {
      throw new NereidException.InvalidArgument("model repository " + path + " is not a folder");
    }
    for (Repository r : repositories) {
      if (r.path().equals(normalized)) {
        throw new NereidException.AlreadyExists("model repository " + path + " is already registered");
      }
    }
    repositories.add(new Repository(normalized, Map.copyOf(nameMapping)));
  }

  /** Removes a repository. */
  public void remove(Path path) {
    Path normalized = path.toAbsolutePath().normalize();
    if (!repositories.removeIf(r -> r.path().equals(normalized))) {
      throw new NereidException.NotFound("model repository " + path + " is not registered");
    }
  }

  /** The repository folders. */
  public List<Path> paths() {
    return repositories.stream().map(Repository::path).toList();
  }

  /** What a scan found: the models by name, and names found in more than one place. */
  public record Scan(Map<String, ModelSource> models, Map<String, List<Path>> duplicates) {}

  /** Lists every model folder of every repository. */
  public Scan scan() {
    Map<String, List<ModelSource>> found = new TreeMap<>();
    for (Repository repository : repositories) {
      try (Stream<Path> entries = Files.list(repository.path())) {
        for (Path dir : (Iterable<Path>) entries.filter(Files::isDirectory).sorted()::iterator) {
          String folder = dir.getFileName().toString();
          if (folder.startsWith(".")) continue;
          String name = repository.nameMapping().getOrDefault(folder, folder);
          found.computeIfAbsent(name, k -> new ArrayList<>()).add(new ModelSource(name, dir, repository.path()));
        }
      } catch (IOException e) {
        // A repository that vanished holds no models; the others still serve.
      }
    }
    Map<String, ModelSource> models = new LinkedHashMap<>();
    Map<String, List<Path>> duplicates = new LinkedHashMap<>();
    found.forEach((name, sources) -> {
      if (sources.size() == 1) {
        models.put(name, sources.get(0));
      } else {
        duplicates.put(name, sources.stream().map(ModelSource::directory).toList());
      }
    });
    return new Scan(Collections.unmodifiableMap(models), Collections.unmodifiableMap(duplicates));
  }
}
