package dev.nereid.internal.lifecycle;

import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelKey;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelState;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.internal.stats.ServerMetrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every model name the server knows, and what they report: which version serves a request, states for
 * the index and readiness, metadata and statistics. The lifecycle ({@link RepositoryManager}) changes
 * entries through their own methods, under each entry's lock; everything here only reads their
 * volatile fields, so a query never waits for a load.
 */
final class ModelTable {
  /** The reason of a version or model unloaded on purpose: it does not make the server unready. */
  static final String UNLOADED = "unloaded";

  private final Map<String, ModelEntry> entries = new ConcurrentHashMap<>();

  /** The entry of a name, or null if the server has never heard of it. */
  ModelEntry get(String name) {
    return entries.get(name);
  }

  /** The entry of a name, made when it is new. */
  ModelEntry entry(String name) {
    return entries.computeIfAbsent(name, ModelEntry::new);
  }

  Collection<ModelEntry> all() {
    return entries.values();
  }

  Set<String> names() {
    return entries.keySet();
  }

  int size() {
    return entries.size();
  }

  /** The loaded model serving (name, version), or the error a request to it gets. */
  LoadedModel resolve(String name, long version) {
    ModelEntry entry = entries.get(name);
    if (entry == null) {
      throw new NereidException.InvalidArgument("Request for unknown model: '" + name + "' is not found");
    }
    LoadedModel loaded = entry.serving(version);
    if (loaded != null) {
      return loaded;
    }
    if (version >= 0) {
      VersionSlot slot = entry.versions().get(version);
      if (slot == null) {
        throw new NereidException.NotFound("Request for unknown model: '" + name + "' version " + version + " is not found");
      }
      throw new NereidException.Unavailable("Request for unknown model: '" + name + "' version " + version
          + " is not at ready state ("
          + slot.state() + (slot.reason().isEmpty() ? "" : ": " + slot.reason()) + ")");
    }
    String reason = entry.modelReason();
    if (reason.isEmpty()) {
      reason = entry.versions().values().stream().map(VersionSlot::reason).filter(r -> !r.isEmpty()).findFirst().orElse("");
    }
    if (entry.untouched()) {
      // Triton says "is not found" for a model it has not loaded; the repository has this one.
      throw new NereidException.Unavailable("Request for unknown model: '" + name + "' is not found: it is in the"
          + " repository but not loaded");
    }
    // Triton's words, which its lifecycle tests match on; then why, which Triton does not say.
    throw new NereidException.Unavailable("Request for unknown model: '" + name + "' has no available versions"
        + (reason.isEmpty() ? "" : ": " + reason));
  }

  /** True when nothing is loading and nothing failed, except what was unloaded on purpose. */
  boolean ready() {
    for (ModelEntry entry : entries.values()) {
      if (entry.modelState() == ModelState.UNAVAILABLE && !UNLOADED.equals(entry.modelReason())) return false;
      for (VersionSlot slot : entry.versions().values()) {
        ModelState s = slot.state();
        if (s == ModelState.LOADING || (s == ModelState.UNAVAILABLE && !UNLOADED.equals(slot.reason()))) return false;
      }
    }
    return true;
  }

  /**
   * The repository index: every version of every model known here or found in a repository
   * ({@code inRepositories}), which has never been loaded when it is only there.
   */
  SortedMap<ModelKey, ModelIndexEntry> index(Set<String> inRepositories, boolean readyOnly) {
    SortedMap<ModelKey, ModelIndexEntry> index = new TreeMap<>();
    Set<String> names = new LinkedHashSet<>(inRepositories);
    names.addAll(entries.keySet());
    for (String name : names) {
      ModelEntry entry = entries.get(name);
      if (entry == null || entry.untouched()) {
        if (!readyOnly) index.put(new ModelKey(name, -1), new ModelIndexEntry(name, -1, ModelState.UNKNOWN, ""));
        continue;
      }
      if (entry.versions().isEmpty() || entry.modelState() == ModelState.UNAVAILABLE) {
        if (!readyOnly) index.put(new ModelKey(name, -1), new ModelIndexEntry(name, -1, entry.modelState(), entry.modelReason()));
      }
      entry.versions().forEach((version, slot) -> {
        if (!readyOnly || slot.state() == ModelState.READY) {
          index.put(new ModelKey(name, version), new ModelIndexEntry(name, version, slot.state(), slot.reason()));
        }
      });
    }
    return index;
  }

  /** The state and reason of (name, version) as a handle sees it. */
  ModelIndexEntry state(String name, long version) {
    ModelEntry entry = entries.get(name);
    if (entry == null) {
      return new ModelIndexEntry(name, version, ModelState.UNKNOWN, "");
    }
    LoadedModel serving = entry.serving(version);
    if (serving != null) {
      VersionSlot slot = entry.versions().get(serving.version());
      return new ModelIndexEntry(name, serving.version(), ModelState.READY, slot == null ? "" : slot.reason());
    }
    VersionSlot slot = version >= 0 ? entry.versions().get(version)
        : entry.versions().isEmpty() ? null : entry.versions().lastEntry().getValue();
    if (slot == null) {
      return new ModelIndexEntry(name, version, entry.modelState(), entry.modelReason());
    }
    return new ModelIndexEntry(name, version, slot.state(), slot.reason());
  }

  ModelMetadata metadata(String name, long version) {
    LoadedModel model = resolve(name, version);
    List<String> versions = entries.get(name).versions().entrySet().stream()
        .filter(e -> e.getValue().state() == ModelState.READY).map(e -> Long.toString(e.getKey())).toList();
    return model.metadata(versions);
  }

  /** Statistics of one version, or of every loaded version of the model when version is -1. */
  List<ModelStatistics> statistics(String name, long version) {
    ModelEntry entry = entries.get(name);
    if (entry == null) {
      throw new NereidException.InvalidArgument("Request for unknown model: '" + name + "' is not found");
    }
    if (version >= 0) {
      LoadedModel model = resolve(name, version);
      return List.of(model.stats().snapshot(name, model.version()));
    }
    List<ModelStatistics> all = new ArrayList<>();
    entry.versions().forEach((v, slot) -> {
      LoadedModel loaded = slot.loaded();
      if (loaded != null) all.add(loaded.stats().snapshot(name, v));
    });
    return all;
  }

  /** Statistics of every loaded version of every model, by name. */
  List<ModelStatistics> allStatistics() {
    return metricSources().stream().map(s -> s.stats().snapshot(s.model(), s.version())).toList();
  }

  /** Every loaded version's counters, by name: what the metrics read at scrape time. */
  List<ServerMetrics.Source> metricSources() {
    List<ServerMetrics.Source> sources = new ArrayList<>();
    for (ModelEntry entry : new TreeMap<>(entries).values()) {
      entry.versions().forEach((v, slot) -> {
        LoadedModel loaded = slot.loaded();
        if (loaded != null) sources.add(new ServerMetrics.Source(entry.name, v, loaded.stats()));
      });
    }
    return sources;
  }
}
