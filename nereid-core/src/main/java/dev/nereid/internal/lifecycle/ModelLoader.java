package dev.nereid.internal.lifecycle;

import dev.nereid.ModelControlMode;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.internal.backend.BackendRegistry;
import dev.nereid.internal.config.AutoComplete;
import dev.nereid.internal.config.ConfigValidator;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.internal.ensemble.EnsembleGraph;
import dev.nereid.internal.repository.ModelSource;
import dev.nereid.internal.repository.VersionPolicies;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one model into its entry and takes versions down again: reads and checks the config, loads
 * every version its policy selects with its backend, unloads the versions it no longer selects, and
 * retires a version once its requests have finished. Callers hold nothing; each operation takes the
 * model's lock, and changes the entry only through its transitions.
 */
final class ModelLoader {
  private static final Logger log = LoggerFactory.getLogger(ModelLoader.class);

  /** Why a model is being loaded, which decides what a refused config does to the versions serving. */
  enum Trigger {
    /** Asked for (at start, by a poll, or an explicit load): a refused config leaves the loaded versions serving. */
    REQUESTED,
    /**
     * An ensemble checked again after a model it uses changed: a refused config is left for the
     * caller to act on, as the versions serving are to be unloaded, not kept.
     */
    COMPOSING_CHANGED
  }

  private final ServerOptions options;
  private final Server facade;
  private final BackendRegistry backends;
  private final LoadServices services;
  private final ModelTable models;
  private final OpenModels open;
  private final Executor lifecycleThreads;

  ModelLoader(ServerOptions options, Server facade, BackendRegistry backends, LoadServices services, ModelTable models,
      OpenModels open, Executor lifecycleThreads) {
    this.options = options;
    this.facade = facade;
    this.backends = backends;
    this.services = services;
    this.models = models;
    this.open = open;
    this.lifecycleThreads = lifecycleThreads;
  }

  /**
   * Loads or reloads every version the policy selects. A version that fails to reload keeps its old
   * instance serving, and so does a model whose new config is refused ({@link Trigger#REQUESTED}).
   * Returns the failure reason, or null when everything loaded.
   *
   * @param source the model's folder in a repository, or null when it loads from override files only
   * @param override the config replacing {@code config.pbtxt}, or null
   * @param overrideDirectory the folder the override files were written to, or null
   */
  String load(ModelEntry entry, ModelSource source, ModelConfig override, Path overrideDirectory, Trigger trigger) {
    String name = entry.name;
    entry.lock.lock();
    try {
      // Only polling compares fingerprints. Taken before anything is read, so that a change made while
      // loading is seen by the next poll.
      boolean polling = options.modelControlMode() == ModelControlMode.POLL;
      String fingerprint = source == null || !polling ? "" : source.fingerprint();
      ModelEntry.LoadInput input = new ModelEntry.LoadInput(source, override, fingerprint);
      Path directory = overrideDirectory != null ? overrideDirectory : source.directory();
      ModelSource effective = new ModelSource(name, directory, source == null ? directory.getParent() : source.repository());
      ModelConfig config;
      List<Long> selected;
      Backend backend;
      try {
        ModelConfig raw = override != null ? override
            : Files.exists(effective.configFile()) ? ModelConfigs.parseText(effective.configFile()) : ModelConfig.getDefaultInstance();
        // Validation errors name the config as parse errors do; the config's own checks come before
        // anything reads the model's files, so that a missing file does not hide an error in the config.
        String configSource = override != null ? "config override" : effective.configFile().toString();
        ConfigValidator.validateDeclared(servedName(raw, name, directory), name, configSource);
        List<Long> available = effective.versions();
        if (available.isEmpty()) {
          throw new NereidException.InvalidArgument("model '" + name + "' has no version folders: put its files in a "
              + "numbered folder such as " + directory.resolve("1"));
        }
        config = AutoComplete.complete(servedName(raw, name, directory), name, directory,
            available.get(available.size() - 1), backends, options.strictModelConfig(), options.backendConfig(), facade);
        // Known before validation: an ensemble whose composing models are missing is retried when they come.
        entry.follow(ModelDependencies.composing(config));
        ConfigValidator.validate(config, name, configSource);
        backend = resolveBackend(name, config);
        if (ModelDependencies.isEnsemble(config)) {
          String back = ModelDependencies.leadsBackThrough(name, ModelDependencies.composing(config),
              effective.repository());
          if (back != null) {
            throw new NereidException.InvalidArgument(configSource + ": in ensemble '" + name + "', the steps lead back"
                + " to the ensemble through ensemble '" + back + "': circular dependency between ensembles: " + name
                + " -> ... -> " + back + " -> " + name);
          }
          config = validatedEnsemble(name, config, configSource);
        }
        selected = VersionPolicies.select(config.getVersionPolicy(), available);
        if (selected.isEmpty()) {
          throw new NereidException.InvalidArgument("at least one version must be available under the version policy of model '"
              + name + "'; version folders found: " + available);
        }
      } catch (RuntimeException e) {
        // Not only NereidException: whatever escapes here would leave the model in no state at all.
        String detail = e instanceof NereidException ? e.getMessage()
            : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        String reason = "failed to load '" + name + "': " + detail;
        if (entry.serving(-1) == null) {
          log.error(reason);
          entry.modelFailed(reason);
        } else if (trigger == Trigger.COMPOSING_CHANGED) {
          log.error("{}; unloading it", reason);
        } else {
          log.warn("{}; the loaded versions keep serving", reason);
          entry.reloadFailed("reload failed: " + reason);
        }
        if (overrideDirectory != null && trigger == Trigger.REQUESTED) deleteLater(overrideDirectory);
        entry.loaded(input);
        return reason;
      }
      entry.modelOk();
      String failure = null;
      for (long version : selected) {
        String reason = loadVersion(entry, backend, new ModelContext(name, version, config, directory,
            options.backendConfig().getOrDefault(backend.name(), Map.of()), facade));
        if (reason != null && failure == null) failure = reason;
      }
      for (Map.Entry<Long, VersionSlot> e : entry.versions().entrySet()) {
        if (!selected.contains(e.getKey())) {
          unloadVersion(entry, e.getValue());
        }
      }
      Path previousOverride = entry.useOverrideDirectory(overrideDirectory);
      if (previousOverride != null && !previousOverride.equals(overrideDirectory)) deleteLater(previousOverride);
      entry.loaded(input);
      return failure;
    } finally {
      entry.lock.unlock();
    }
  }

  /**
   * Checks an ensemble's steps against the composing models now serving, and makes the ensemble
   * decoupled when a step is, as Triton does.
   */
  private ModelConfig validatedEnsemble(String name, ModelConfig config, String configSource) {
    EnsembleGraph graph;
    try {
      graph = EnsembleGraph.build(name, config, (model, version) -> models.resolve(model, version).config());
    } catch (NereidException.InvalidArgument e) {
      // Named by its file, as the config's other errors are.
      throw new NereidException.InvalidArgument(configSource + ": " + e.getMessage(), e);
    }
    return config.toBuilder()
        .setModelTransactionPolicy(config.getModelTransactionPolicy().toBuilder().setDecoupled(graph.decoupled()))
        .build();
  }

  /**
   * The config with the name the model is served under. A repository's name mapping serves folder
   * {@code a} as {@code b}; its config may still say {@code name: "a"}, which is then not a mismatch.
   */
  private static ModelConfig servedName(ModelConfig raw, String name, Path directory) {
    String folder = directory.getFileName().toString();
    if (!folder.equals(name) && raw.getName().equals(folder)) {
      return raw.toBuilder().setName(name).build();
    }
    return raw;
  }

  private Backend resolveBackend(String name, ModelConfig config) {
    if (!config.getBackend().isEmpty()) {
      return backends.byName(config.getBackend()).orElseThrow(() -> new NereidException.InvalidArgument(
          "model '" + name + "' uses unknown backend '" + config.getBackend() + "'; available backends: " + backends.names()));
    }
    return backends.byPlatform(config.getPlatform()).orElseThrow(() -> new NereidException.InvalidArgument(
        "model '" + name + "' uses platform '" + config.getPlatform() + "', which no available backend serves; "
            + "available backends: " + backends.names()));
  }

  private String loadVersion(ModelEntry entry, Backend backend, ModelContext context) {
    VersionSlot slot = entry.slot(context.version());
    // A version being unloaded is not replaced without downtime: it already takes no requests.
    LoadedModel previous = slot.state() == ModelState.UNLOADING ? null : slot.loaded();
    if (previous == null) {
      slot.loading();
    }
    try {
      LoadedModel loaded = LoadedModel.load(backend, context, services);
      if (!open.add(loaded)) {
        loaded.close(System.nanoTime());
        throw new NereidException.Unavailable("the server is stopping");
      }
      slot.ready(loaded);
      if (previous != null) {
        retireInBackground(previous, null);
      }
      log.info("loaded model '{}' version {} ({})", context.name(), context.version(), backend.name());
      return null;
    } catch (Exception | LinkageError e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      String reason = "failed to load '" + context.name() + "' version " + context.version() + ": " + message;
      if (previous != null) {
        log.warn("{}; the previous instance keeps serving", reason, e);
        slot.explain("reload failed: " + message);
      } else {
        log.error(reason, e);
        slot.loadFailed(reason);
      }
      return reason;
    }
  }

  /**
   * Unloads every version of a model, lets its past load failures go so that they no longer keep the
   * server from being ready, and deletes its override files once it is unloaded. Returns the unloads
   * under way.
   */
  List<CompletableFuture<Void>> unload(ModelEntry entry) {
    entry.lock.lock();
    try {
      List<CompletableFuture<Void>> unloading = new ArrayList<>();
      for (VersionSlot slot : entry.versions().values()) {
        unloading.add(unloadVersion(entry, slot));
      }
      entry.modelUnloaded(ModelTable.UNLOADED);
      entry.stopFollowing();
      Path overrideDirectory = entry.takeOverrideDirectory();
      if (overrideDirectory != null) {
        CompletableFuture.allOf(unloading.toArray(CompletableFuture[]::new)).thenRun(() -> deleteLater(overrideDirectory));
      }
      return unloading;
    } finally {
      entry.lock.unlock();
    }
  }

  /**
   * Unloads a model whose folder left every repository. Returns whether it had been loaded from one
   * (a model that was only ever a failure or a duplicate had not).
   */
  boolean unloadRemoved(ModelEntry entry) {
    entry.lock.lock();
    try {
      boolean hadSource = entry.source() != null;
      unload(entry);
      entry.leftRepository();
      return hadSource;
    } finally {
      entry.lock.unlock();
    }
  }

  /**
   * Unloads one version if it serves, and marks a past failure of it as unloaded. Returns when it
   * will be unloaded (at once when nothing serves it). The caller holds the model's lock.
   */
  private CompletableFuture<Void> unloadVersion(ModelEntry entry, VersionSlot slot) {
    if (slot.state() == ModelState.UNLOADING) {
      CompletableFuture<Void> unloading = slot.unloading();
      return unloading != null ? unloading : CompletableFuture.completedFuture(null);
    }
    if (slot.loaded() != null) {
      return retireVersion(entry, slot, ModelTable.UNLOADED);
    }
    slot.failureUnloaded(ModelTable.UNLOADED);
    return CompletableFuture.completedFuture(null);
  }

  /** Unloads the serving versions of a model that can no longer serve, with the reason as their state's. */
  void retireServing(ModelEntry entry, String reason) {
    entry.lock.lock();
    try {
      boolean retired = false;
      for (VersionSlot slot : entry.versions().values()) {
        if (slot.serving() != null) {
          retireVersion(entry, slot, reason);
          slot.explain(reason); // while UNLOADING too, so that callers see why at once
          retired = true;
        }
      }
      if (!retired) entry.modelFailed(reason);
    } finally {
      entry.lock.unlock();
    }
  }

  /** Retires a slot's model: UNLOADING until its requests finish, then UNAVAILABLE with the reason. */
  private CompletableFuture<Void> retireVersion(ModelEntry entry, VersionSlot slot, String reason) {
    LoadedModel loaded = slot.loaded();
    CompletableFuture<Void> done = new CompletableFuture<>();
    slot.unloading(done);
    retireInBackground(loaded, () -> {
      // Under the model's lock: a load of this version running now must not have its result undone.
      entry.lock.lock();
      try {
        slot.unloaded(loaded, reason);
      } finally {
        entry.lock.unlock();
      }
    }).whenComplete((v, e) -> {
      if (e == null) done.complete(null);
      else done.completeExceptionally(e);
    });
    return done;
  }

  /** Closes a model once its requests have finished, unless the server's stop has taken it over. */
  private CompletableFuture<Void> retireInBackground(LoadedModel loaded, Runnable afterClose) {
    return loaded.retire().thenRunAsync(() -> {
      if (open.claim(loaded)) {
        loaded.close(System.nanoTime() + options.exitTimeout().toNanos());
        log.info("unloaded model '{}' version {}", loaded.name(), loaded.version());
      }
      if (afterClose != null) afterClose.run();
    }, lifecycleThreads);
  }

  /** Deletes an explicit load's override folder off the caller's thread. */
  private void deleteLater(Path directory) {
    lifecycleThreads.execute(() -> LoadOverrides.deleteFolder(directory));
  }
}
