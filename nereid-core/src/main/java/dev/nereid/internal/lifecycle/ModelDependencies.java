package dev.nereid.internal.lifecycle;

import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.internal.ensemble.EnsembleBackend;
import dev.nereid.internal.ensemble.EnsembleGraph;
import dev.nereid.internal.repository.ModelSource;
import dev.nereid.proto.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which models an ensemble uses, read ahead of loading, so that composing models load before the
 * ensembles that use them and ensembles follow what happens to their composing models.
 */
final class ModelDependencies {
  private ModelDependencies() {}

  /** Whether a config is an ensemble's. */
  static boolean isEnsemble(ModelConfig config) {
    return EnsembleBackend.PLATFORM.equals(config.getPlatform());
  }

  /** The models an ensemble config uses; empty for any other model. */
  static Set<String> composing(ModelConfig config) {
    return isEnsemble(config) ? EnsembleGraph.composingModels(config) : Set.of();
  }

  /**
   * The models a model in the repository uses, from its config file; empty when it is no ensemble or
   * its config cannot be read (loading then reports why).
   */
  static Set<String> composing(ModelSource source) {
    try {
      return Files.isRegularFile(source.configFile()) ? composing(ModelConfigs.parseText(source.configFile())) : Set.of();
    } catch (RuntimeException e) {
      return Set.of();
    }
  }

  /**
   * The ensemble through which an ensemble's steps lead back to it, read from the config files of the
   * repository it is in; null when they do not. Such ensembles wait on each other forever, so the
   * loader refuses them with the cycle rather than with a composing model that never comes.
   */
  static String leadsBackThrough(String ensemble, Set<String> uses, Path repository) {
    record Use(String model, String by) {}
    Set<String> visited = new LinkedHashSet<>();
    List<Use> unvisited = new ArrayList<>();
    for (String used : uses) unvisited.add(new Use(used, ensemble));
    while (!unvisited.isEmpty()) {
      Use next = unvisited.remove(unvisited.size() - 1);
      if (next.model().equals(ensemble)) return next.by();
      if (!visited.add(next.model())) continue;
      Path directory = repository.resolve(next.model());
      if (!Files.isDirectory(directory)) continue;
      for (String used : composing(new ModelSource(next.model(), directory, repository))) {
        unvisited.add(new Use(used, next.model()));
      }
    }
    return null;
  }

  /** The names with every model they use, directly or through other ensembles, that the repositories hold. */
  static Set<String> withComposing(Collection<String> names, Map<String, ModelSource> available) {
    Set<String> all = new LinkedHashSet<>();
    List<String> unvisited = new ArrayList<>(names);
    while (!unvisited.isEmpty()) {
      String name = unvisited.remove(unvisited.size() - 1);
      ModelSource source = available.get(name);
      if (!all.add(name) || source == null) continue;
      unvisited.addAll(composing(source));
    }
    return all;
  }

  /**
   * The sources in waves to load one after the other: first every model that is no ensemble (in
   * parallel), then ensembles, each after the ensembles of the set it uses. Ensembles in a cycle come
   * last; loading reports them.
   */
  static List<List<ModelSource>> waves(Collection<ModelSource> sources) {
    Map<String, ModelSource> byName = new LinkedHashMap<>();
    Map<String, Set<String>> uses = new HashMap<>();
    for (ModelSource s : sources) {
      byName.put(s.name(), s);
      uses.put(s.name(), composing(s));
    }
    Map<String, Integer> depth = new HashMap<>();
    for (String name : byName.keySet()) depth(name, uses, byName, depth, new LinkedHashSet<>());
    List<List<ModelSource>> waves = new ArrayList<>();
    for (ModelSource s : sources) {
      int d = depth.get(s.name());
      while (waves.size() <= d) waves.add(new ArrayList<>());
      waves.get(d).add(s);
    }
    waves.removeIf(List::isEmpty);
    return waves;
  }

  /** 0 for a model that is no ensemble; else 1 + the depth of the deepest model of the set it uses. */
  private static int depth(String name, Map<String, Set<String>> uses, Map<String, ModelSource> inSet,
      Map<String, Integer> depth, Set<String> path) {
    Integer known = depth.get(name);
    if (known != null) return known;
    Set<String> used = uses.get(name);
    if (used.isEmpty()) {
      depth.put(name, 0);
      return 0;
    }
    if (!path.add(name)) return inSet.size(); // a cycle: after everything else
    int d = 1;
    for (String u : used) {
      if (inSet.containsKey(u)) d = Math.max(d, 1 + depth(u, uses, inSet, depth, path));
    }
    path.remove(name);
    d = Math.min(d, inSet.size());
    depth.put(name, d);
    return d;
  }

  /**
   * The ensembles that use any of the models named, directly or through other ensembles, ordered so
   * that an ensemble comes after those it uses. {@code usesOf} gives an ensemble's composing models.
   */
  static List<String> dependents(Set<String> changed, Collection<String> candidates, Function<String, Set<String>> usesOf) {
    Set<String> affected = new LinkedHashSet<>();
    boolean grew = true;
    while (grew) {
      grew = false;
      for (String c : candidates) {
        if (affected.contains(c) || changed.contains(c)) continue;
        for (String used : usesOf.apply(c)) {
          if (changed.contains(used) || affected.contains(used)) {
            affected.add(c);
            grew = true;
            break;
          }
        }
      }
    }
    List<String> ordered = new ArrayList<>();
    Set<String> visited = new LinkedHashSet<>();
    for (String a : affected) postOrder(a, affected, usesOf, visited, ordered);
    return ordered;
  }

  private static void postOrder(String name, Set<String> affected, Function<String, Set<String>> usesOf,
      Set<String> visited, List<String> ordered) {
    if (!visited.add(name)) return;
    for (String used : usesOf.apply(name)) {
      if (affected.contains(used)) postOrder(used, affected, usesOf, visited, ordered);
    }
    ordered.add(name);
  }
}
