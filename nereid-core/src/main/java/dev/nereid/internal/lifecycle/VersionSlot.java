package dev.nereid.internal.lifecycle;

import dev.nereid.ModelState;
import dev.nereid.NereidException;
import java.util.concurrent.CompletableFuture;

/**
 * One version of a model: its state, why, and the loaded model serving it (null unless READY or
 * UNLOADING). The slot owns its state, as Triton's model lifecycle does: it changes only through the
 * transitions below, and any other move is refused with an INTERNAL error naming the model, the
 * version, the state it is in and the state asked for.
 *
 * <pre>
 *   UNKNOWN ──► LOADING ──► READY ──► UNLOADING ──► UNAVAILABLE "unloaded"
 *                  │          ▲ │                        │
 *                  ▼          └─┘ reload                 └──► LOADING (load again)
 *             UNAVAILABLE "failed to load ..." ─────────────► LOADING (load again)
 * </pre>
 *
 * Written under the model's lock; read by serving threads through volatiles.
 */
final class VersionSlot {
  private final String model;
  private final long version;
  private volatile ModelState state = ModelState.UNKNOWN;
  private volatile String reason = "";
  private volatile LoadedModel loaded;
  /** While UNLOADING: completes once the version is unloaded. */
  private volatile CompletableFuture<Void> unloading;

  VersionSlot(String model, long version) {
    this.model = model;
    this.version = version;
  }

  ModelState state() {
    return state;
  }

  String reason() {
    return reason;
  }

  LoadedModel loaded() {
    return loaded;
  }

  /** The loaded model if it takes requests now, else null. */
  LoadedModel serving() {
    LoadedModel model = loaded;
    return state == ModelState.READY ? model : null;
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
      throw new NereidException.Internal("model '" + model + "' version " + version + " cannot go from " + state
          + " to " + to + (reason.isEmpty() ? "" : " (" + reason + ")"));
    }
  }
}
