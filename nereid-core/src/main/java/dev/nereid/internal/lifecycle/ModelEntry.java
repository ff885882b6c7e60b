package dev.nereid.internal.lifecycle;

import dev.nereid.ModelState;
import dev.nereid.internal.repository.ModelSource;
import dev.nereid.proto.ModelConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything the server tracks of one model name: a slot per version with its state, reason and
 * loaded instance, plus a model-level state for failures that concern no particular version (a bad
 * config). Lifecycle operations on one model are serialized by its lock; serving reads only volatiles.
 */
final class ModelEntry {
  /** One version: its state, why, and the loaded model serving it (null unless READY or UNLOADING). */
  static final class VersionSlot {
    volatile ModelState state = ModelState.UNKNOWN;
    volatile String reason = "";
    volatile LoadedModel loaded;
    /** While UNLOADING: completes once the version is unloaded. */
    volatile CompletableFuture<Void> unloading;

    void set(ModelState newState, String newReason) {
      state = newState;
      reason = newReason;
    }
  }

  final String name;
  final ReentrantLock lock = new ReentrantLock();
  final ConcurrentSkipListMap<Long, VersionSlot> versions = new ConcurrentSkipListMap<>();
  volatile ModelSource source;
  volatile String fingerprint = "";
  volatile ModelState modelState = ModelState.UNKNOWN;
  volatile String modelReason = "";
  volatile Path overrideDirectory;
  /** The config given to the last load instead of {@code config.pbtxt}, or null. */
  volatile ModelConfig override;
  /** For an ensemble: the models its steps use, which it follows (reloaded or unloaded with them). */
  volatile Set<String> composing = Set.of();

  ModelEntry(String name) {
    this.name = name;
  }

  VersionSlot slot(long version) {
    return versions.computeIfAbsent(version, v -> new VersionSlot());
  }

  /** The loaded model serving this version (-1: the highest READY version), or null. */
  LoadedModel serving(long version) {
    if (version < 0) {
      for (Map.Entry<Long, VersionSlot> e : versions.descendingMap().entrySet()) {
        VersionSlot slot = e.getValue();
        LoadedModel loaded = slot.loaded;
        if (slot.state == ModelState.READY && loaded != null) return loaded;
      }
      return null;
    }
    VersionSlot slot = versions.get(version);
    if (slot == null) return null;
    LoadedModel loaded = slot.loaded;
    return slot.state == ModelState.READY ? loaded : null;
  }

  void modelFailed(String reason) {
    modelState = ModelState.UNAVAILABLE;
    modelReason = reason;
  }

  /** A new config was refused while versions still serve: they keep serving, and say why they were not reloaded. */
  void reloadFailed(String reason) {
    for (VersionSlot slot : versions.values()) {
      if (slot.state == ModelState.READY && slot.loaded != null) slot.reason = reason;
    }
  }

  /** The model was unloaded or left the repository: a failure to load it no longer counts. */
  void modelUnloaded(String reason) {
    if (modelState == ModelState.UNAVAILABLE) modelReason = reason;
  }

  void modelOk() {
    modelState = ModelState.UNKNOWN;
    modelReason = "";
  }
}
