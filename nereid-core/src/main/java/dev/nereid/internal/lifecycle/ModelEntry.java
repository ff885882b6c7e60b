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
  /**
   * One version: its state, why, and the loaded model serving it (null unless READY or UNLOADING).
   * The slot owns its state: it changes only through the transitions below, which refuse any other
   * move with IllegalStateException (LOADING to READY or UNAVAILABLE; READY to UNLOADING, or to READY
   * with a reloaded model; UNLOADING to UNAVAILABLE "unloaded"). Written under the model's lock; read
   * by serving threads through volatiles.
   */
  static final class VersionSlot {
    private volatile ModelState state = ModelState.UNKNOWN;
    private volatile String reason = "";
    private volatile LoadedModel loaded;
    /** While UNLOADING: completes once the version is unloaded. */
    private volatile CompletableFuture<Void> unloading;

    ModelState state() {
      return state;
    }

    String reason() {
      return reason;
    }

    LoadedModel loaded() {
      return loaded;
    }

    CompletableFuture<Void> unloading() {
      return unloading;
    }

    /** A load of this version starts (from nothing, a failure, an unload, or while one finishes). */
    void loading() {
      check(state != ModelState.LOADING && state != ModelState.READY, ModelState.LOADING);
      state = ModelState.LOADING;
      reason = "";
    }

    /** LOADING (or READY, for a reload that replaces the serving model) to READY with this model. */
    void ready(LoadedModel model) {
      check(state == ModelState.LOADING || state == ModelState.READY, ModelState.READY);
      loaded = model;
      state = ModelState.READY;
      reason = "";
    }

    /** LOADING to UNAVAILABLE: the load failed. */
    void loadFailed(String why) {
      check(state == ModelState.LOADING, ModelState.UNAVAILABLE);
      // A model still being unloaded from this slot is closed by its retirement; it must not
      // overwrite this failure with "unloaded" when it finishes.
      loaded = null;
      state = ModelState.UNAVAILABLE;
      reason = why;
    }

    /** READY to UNLOADING, the model finishing its requests until {@code done} completes. */
    void unloading(CompletableFuture<Void> done) {
      check(state == ModelState.READY || state == ModelState.UNLOADING, ModelState.UNLOADING);
      state = ModelState.UNLOADING;
      reason = "";
      unloading = done;
    }

    /**
     * UNLOADING to UNAVAILABLE with the reason, if {@code model} is still the slot's (a load since
     * then keeps its own result).
     */
    void unloaded(LoadedModel model, String why) {
      if (loaded != model || model == null) return;
      if (state == ModelState.LOADING) {
        loaded = null; // a new load of this version started meanwhile: its outcome decides the state
        return;
      }
      check(state == ModelState.UNLOADING, ModelState.UNAVAILABLE);
      loaded = null;
      state = ModelState.UNAVAILABLE;
      reason = why;
    }

    /** The server stops: a slot with a model takes no more requests (its retirement, if any, goes on). */
    void stopping() {
      if (loaded != null) state = ModelState.UNLOADING;
    }

    /** The server stopped: whatever the slot was doing, its model is gone. */
    void stopped(String why) {
      if (loaded == null) return;
      loaded = null;
      state = ModelState.UNAVAILABLE;
      reason = why;
    }

    /** A failed version is unloaded on request: it stays UNAVAILABLE, now as unloaded. */
    void failureUnloaded(String why) {
      if (state == ModelState.UNAVAILABLE) reason = why;
    }

    /** Says why, without changing the state (a reload that failed, a retirement's cause). */
    void explain(String why) {
      reason = why;
    }

    private void check(boolean legal, ModelState to) {
      if (!legal) {
        throw new IllegalStateException("model version cannot go from " + state + " to " + to
            + (reason.isEmpty() ? "" : " (" + reason + ")"));
      }
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
        LoadedModel loaded = slot.loaded();
        if (slot.state() == ModelState.READY && loaded != null) return loaded;
      }
      return null;
    }
    VersionSlot slot = versions.get(version);
    if (slot == null) return null;
    LoadedModel loaded = slot.loaded();
    return slot.state() == ModelState.READY ? loaded : null;
  }

  void modelFailed(String reason) {
    modelState = ModelState.UNAVAILABLE;
    modelReason = reason;
  }

  /** A new config was refused while versions still serve: they keep serving, and say why they were not reloaded. */
  void reloadFailed(String reason) {
    for (VersionSlot slot : versions.values()) {
      if (slot.state() == ModelState.READY && slot.loaded() != null) slot.explain(reason);
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
