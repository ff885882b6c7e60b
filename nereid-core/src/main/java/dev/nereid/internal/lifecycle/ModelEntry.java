package dev.nereid.internal.lifecycle;

import dev.nereid.ModelState;
import dev.nereid.internal.repository.ModelSource;
import dev.nereid.proto.ModelConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything the server tracks of one model name: a {@link VersionSlot} per version, plus a
 * model-level state for failures that concern no particular version (a bad config), and what its
 * last load was given (source, override, fingerprint), which polling and ensembles consult. Only the
 * methods here change that state. Lifecycle operations on one model are serialized by its lock;
 * serving reads only volatiles.
 */
final class ModelEntry {
  final String name;
  /** Held by whatever loads, unloads or retires this model's versions. */
  final ReentrantLock lock = new ReentrantLock();
  private final ConcurrentSkipListMap<Long, VersionSlot> versions = new ConcurrentSkipListMap<>();
  private final NavigableMap<Long, VersionSlot> versionsView = Collections.unmodifiableNavigableMap(versions);
  private volatile ModelState modelState = ModelState.UNKNOWN;
  private volatile String modelReason = "";
  private volatile ModelSource source;
  private volatile String fingerprint = "";
  /** The config given to the last load instead of {@code config.pbtxt}, or null. */
  private volatile ModelConfig override;
  /** The temporary model folder an explicit load's override files were written to, or null. */
  private volatile Path overrideDirectory;
  /** For an ensemble: the models its steps use, which it follows (reloaded or unloaded with them). */
  private volatile Set<String> composing = Set.of();

  ModelEntry(String name) {
    this.name = name;
  }

  /**
   * What a load was given, kept even when it failed: polling retries only once the folder's
   * fingerprint changes again, and an ensemble is reloaded from the same source and override.
   *
   * @param source the model's folder in a repository, or null (override files only)
   * @param override the config that replaced {@code config.pbtxt}, or null
   * @param fingerprint the folder's fingerprint when polling, else empty
   */
  record LoadInput(ModelSource source, ModelConfig override, String fingerprint) {}

  // --- reads

  /** The versions known, ascending: a live, read-only view; new slots come from {@link #slot}. */
  NavigableMap<Long, VersionSlot> versions() {
    return versionsView;
  }

  /** The slot of a version, made when it is new. */
  VersionSlot slot(long version) {
    return versions.computeIfAbsent(version, v -> new VersionSlot(name, v));
  }

  /** The loaded model serving this version (-1: the highest READY version), or null. */
  LoadedModel serving(long version) {
    if (version < 0) {
      for (VersionSlot slot : versions.descendingMap().values()) {
        LoadedModel loaded = slot.serving();
        if (loaded != null) return loaded;
      }
      return null;
    }
    VersionSlot slot = versions.get(version);
    return slot == null ? null : slot.serving();
  }

  ModelState modelState() {
    return modelState;
  }

  String modelReason() {
    return modelReason;
  }

  ModelSource source() {
    return source;
  }

  String fingerprint() {
    return fingerprint;
  }

  ModelConfig override() {
    return override;
  }

  Path overrideDirectory() {
    return overrideDirectory;
  }

  Set<String> composing() {
    return composing;
  }

  /** Whether the server has never loaded, nor failed to load, anything of this model. */
  boolean untouched() {
    return versions.isEmpty() && modelState == ModelState.UNKNOWN;
  }

  // --- model-level state: UNKNOWN (nothing wrong beyond the versions) or UNAVAILABLE with a reason

  /** The model as a whole cannot load (a bad config, a duplicate folder): UNAVAILABLE with the reason. */
  void modelFailed(String reason) {
    modelState = ModelState.UNAVAILABLE;
    modelReason = reason;
  }

  /** The model's config was accepted: whatever failed before no longer counts. */
  void modelOk() {
    modelState = ModelState.UNKNOWN;
    modelReason = "";
  }

  /** The model was unloaded or left the repository: a failure to load it no longer counts. */
  void modelUnloaded(String reason) {
    if (modelState == ModelState.UNAVAILABLE) modelReason = reason;
  }

  /**
   * A model marked UNAVAILABLE while versions still serve (it was in two repositories) is in one
   * again, unchanged: nothing to reload, the failure goes.
   */
  void duplicateResolved() {
    if (modelState == ModelState.UNAVAILABLE && serving(-1) != null) modelOk();
  }

  /** A new config was refused while versions still serve: they keep serving, and say why they were not reloaded. */
  void reloadFailed(String reason) {
    for (VersionSlot slot : versions.values()) {
      if (slot.serving() != null) slot.explain(reason);
    }
  }

  /** The server stops: versions with a model take no more requests (their retirement, if any, goes on). */
  void serverStopping() {
    for (VersionSlot slot : versions.values()) slot.stopping();
  }

  /** The server stopped: every version's model is gone, with this reason. */
  void serverStopped(String reason) {
    for (VersionSlot slot : versions.values()) slot.stopped(reason);
  }

  // --- what loads were given

  /** Remembers what the last load (successful or not) was given. */
  void loaded(LoadInput input) {
    source = input.source();
    override = input.override();
    fingerprint = input.fingerprint();
  }

  /** The model's folder left every repository. */
  void leftRepository() {
    source = null;
  }

  /** The ensemble's composing models, from the config being loaded: it follows them from now on. */
  void follow(Set<String> composingModels) {
    composing = composingModels;
  }

  /** Unloaded on purpose: the model no longer follows its composing models. */
  void stopFollowing() {
    composing = Set.of();
  }

  /** Records the override folder the model now loads from; returns the one it replaces, or null. */
  Path useOverrideDirectory(Path directory) {
    Path previous = overrideDirectory;
    overrideDirectory = directory;
    return previous;
  }

  /** Takes the override folder away (for deletion once unloaded); null when there is none. */
  Path takeOverrideDirectory() {
    Path dir = overrideDirectory;
    overrideDirectory = null;
    return dir;
  }
}
