package dev.nereid.internal.lifecycle;

import dev.nereid.InferenceRequest;
import dev.nereid.ModelControlMode;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelKey;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelState;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerMetadata;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.internal.backend.BackendRegistry;
import dev.nereid.internal.cache.ResponseCache;
import dev.nereid.internal.config.AutoComplete;
import dev.nereid.internal.config.ConfigValidator;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.internal.ensemble.EnsembleGraph;
import dev.nereid.internal.repository.ModelRepositories;
import dev.nereid.internal.repository.ModelSource;
import dev.nereid.internal.repository.VersionPolicies;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.request.RequestValidator;
import dev.nereid.internal.request.ResponseSink;
import dev.nereid.internal.scheduler.RateLimiter;
import dev.nereid.internal.stats.ServerMetrics;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.Backend;
import dev.nereid.spi.ModelContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server behind {@link dev.nereid.Server}: the repositories, every model's versions and
 * their lifecycle, request admission, and metrics.
 */
public final class RealServer {
  private static final Logger log = LoggerFactory.getLogger(RealServer.class);
  private static final String VERSION = "0.1.0";
  private static final List<String> EXTENSIONS = List.of("model_repository", "schedule_policy", "sequence",
      "model_repository(unload_dependents)", "model_configuration", "binary_tensor_data", "parameters", "statistics");

  private final ServerOptions options;
  private final Server facade;
  private final BackendRegistry backends;
  private final ModelRepositories repositories = new ModelRepositories();
  private final ModelTable models = new ModelTable();
  /**
   * Every loaded model not yet closed, serving or retiring. Whoever takes one out of this set closes
   * it: its retirement, or {@link #stop()}; so each is closed once, and none is missed.
   */
  private final Set<LoadedModel> open = ConcurrentHashMap.newKeySet();
  private final ExecutorService loadPool;
  private final ExecutorService responseExecutor = Executors.newVirtualThreadPerTaskExecutor();
  private final ServerMetrics metrics;
  private final ScheduledExecutorService poller;
  private final LoadServices services;
  private volatile boolean stopping;

  private RealServer(ServerOptions options, Server facade) {
    this.options = options;
    this.facade = facade;
    this.backends = BackendRegistry.discover();
    this.loadPool = Executors.newFixedThreadPool(options.modelLoadThreadCount(),
        Thread.ofPlatform().daemon().name("nereid-load-", 0).factory());
    this.metrics = new ServerMetrics(models::metricSources);
    this.services = new LoadServices(options.defaultMaxQueueSize(),
        options.rateLimiting() ? new RateLimiter(options.rateLimiterResources()) : null,
        options.responseCacheByteSize() > 0 ? new ResponseCache(options.responseCacheByteSize()) : null);
    boolean polling = options.modelControlMode() == ModelControlMode.POLL && options.repositoryPollInterval().toMillis() > 0;
    this.poller = polling
        ? Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nereid-poll").factory())
        : null;
  }

  /**
   * Creates a server, not yet loading anything. The facade publishes it before {@link #begin()}, so
   * that models loading at start can reach the server through {@code ModelContext.server()}.
   */
  public static RealServer create(ServerOptions options, Server facade) {
    if (options.modelRepositories().isEmpty()) {
      throw new NereidException.InvalidArgument("no model repository given: add at least one");
    }
    return new RealServer(options, facade);
  }

  /** Reads the repositories and loads models as the control mode says; stops the server if that fails. */
  public void begin() {
    try {
      for (Path repository : options.modelRepositories()) repositories.add(repository, Map.of());
      loadAtStart();
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    if (poller != null) {
      long every = options.repositoryPollInterval().toMillis();
      poller.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
    }
    log.info("server '{}' started with {} backend(s) {} and {} model(s)", options.serverId(), backends.names().size(),
        backends.names(), models.size());
  }

  private void loadAtStart() {
    ModelRepositories.Scan scan = repositories.scan();
    recordDuplicates(scan);
    Set<String> names = new LinkedHashSet<>();
    if (options.modelControlMode() != ModelControlMode.EXPLICIT || options.startupModels().contains("*")) {
      names.addAll(scan.models().keySet());
    } else {
      for (String name : options.startupModels()) {
        if (scan.models().containsKey(name)) {
          names.add(name);
        } else if (!scan.duplicates().containsKey(name)) { // a duplicate's reason is recorded already
          models.entry(name)
              .modelFailed(notInRepositories(name, "no model folder named '" + name + "' in any repository"));
        }
      }
    }
    if (options.modelControlMode() == ModelControlMode.EXPLICIT) {
      // As in Triton, loading an ensemble loads the models it uses.
      names = ModelDependencies.withComposing(names, scan.models());
      names.removeIf(n -> !scan.models().containsKey(n));
    }
    loadAll(names.stream().map(n -> scan.models().get(n)).toList());
  }

  /**
   * Loads models, those an ensemble uses before the ensemble, then brings the ensembles that use any
   * of them up to date.
   */
  private void loadAll(Collection<ModelSource> sources) {
    for (List<ModelSource> wave : ModelDependencies.waves(sources)) {
      loadInParallel(wave);
    }
    refreshDependents(sources.stream().map(ModelSource::name).collect(java.util.stream.Collectors.toSet()));
  }

  private void recordDuplicates(ModelRepositories.Scan scan) {
    scan.duplicates().forEach((name, dirs) -> models.entry(name)
        .modelFailed("model '" + name + "' is in more than one repository: " + dirs));
  }

  private void loadInParallel(Collection<ModelSource> sources) {
    List<Future<?>> loads = new ArrayList<>();
    for (ModelSource source : sources) {
      loads.add(loadPool.submit(() -> loadModel(source.name(), source, null, null)));
    }
    for (Future<?> f : loads) {
      try {
        f.get();
      } catch (ExecutionException e) {
        log.error("loading a model failed unexpectedly", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NereidException.Unavailable("interrupted while loading models", e);
      }
    }
  }

  /**
   * Loads or reloads every version the policy selects. A version that fails to reload keeps its old
   * instance serving, and so does a model whose new config is refused. Returns the failure reason, or
   * null when everything loaded.
   */
  private String loadModel(String name, ModelSource source, ModelConfig override, Path overrideDirectory) {
    return loadModel(name, source, override, overrideDirectory, false);
  }

  /**
   * As {@link #loadModel(String, ModelSource, ModelConfig, Path)}; for {@code refresh} (an ensemble
   * checked again after a composing model changed) a refused config is left for the caller to act on:
   * the versions serving are to be unloaded, not kept.
   */
  private String loadModel(String name, ModelSource source, ModelConfig override, Path overrideDirectory,
      boolean refresh) {
    ModelEntry entry = models.entry(name);
    entry.lock.lock();
    try {
      // Only polling compares fingerprints. Taken before anything is read, so that a change made while
      // loading is seen by the next poll.
      boolean polling = options.modelControlMode() == ModelControlMode.POLL;
      String fingerprint = source == null || !polling ? "" : source.fingerprint();
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
        entry.composing = ModelDependencies.composing(config);
        ConfigValidator.validate(config, name, configSource);
        backend = resolveBackend(name, config);
        if (ModelDependencies.isEnsemble(config)) {
          config = validatedEnsemble(name, config);
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
        } else if (refresh) {
          log.error("{}; unloading it", reason);
        } else {
          log.warn("{}; the loaded versions keep serving", reason);
          entry.reloadFailed("reload failed: " + reason);
        }
        if (overrideDirectory != null && !refresh) deleteLater(overrideDirectory);
        // Remembered even though it failed: polling retries only once the folder changes again.
        entry.source = source;
        entry.override = override;
        entry.fingerprint = fingerprint;
        return reason;
      }
      entry.modelOk();
      String failure = null;
      for (long version : selected) {
        String reason = loadVersion(entry, backend, new ModelContext(name, version, config, directory,
            options.backendConfig().getOrDefault(backend.name(), Map.of()), facade));
        if (reason != null && failure == null) failure = reason;
      }
      for (Map.Entry<Long, ModelEntry.VersionSlot> e : entry.versions.entrySet()) {
        if (!selected.contains(e.getKey())) {
          unloadVersion(entry, e.getValue());
        }
      }
      Path previousOverride = entry.overrideDirectory;
      entry.overrideDirectory = overrideDirectory;
      if (previousOverride != null && !previousOverride.equals(overrideDirectory)) deleteLater(previousOverride);
      entry.source = source;
      entry.override = override;
      entry.fingerprint = fingerprint;
      return failure;
    } finally {
      entry.lock.unlock();
    }
  }

  /**
   * Checks an ensemble's steps against the composing models now serving, and makes the ensemble
   * decoupled when a step is, as Triton does.
   */
  private ModelConfig validatedEnsemble(String name, ModelConfig config) {
    EnsembleGraph graph = EnsembleGraph.build(name, config, (model, version) -> resolve(model, version).config());
    return config.toBuilder()
        .setModelTransactionPolicy(config.getModelTransactionPolicy().toBuilder().setDecoupled(graph.decoupled()))
        .build();
  }

  /**
   * Brings the ensembles that use any of these models (directly or through other ensembles) up to
   * date: reloaded, so that their steps are checked against the composing models as they are now, or,
   * when a composing model is not available, unloaded with the reason.
   */
  private void refreshDependents(Set<String> changed) {
    if (stopping) return;
    for (String name : dependentsOf(changed)) {
      ModelEntry entry = models.get(name);
      String missing = unavailableComposing(entry);
      if (missing == null) {
        String failure = loadModel(name, entry.source, entry.override, entry.overrideDirectory, true);
        if (failure != null) retireServing(entry, failure);
      } else {
        log.warn(missing);
        retireServing(entry, missing);
      }
    }
  }

  /** The ensembles using any of these models, directly or not, each after the ensembles it uses. */
  private List<String> dependentsOf(Set<String> changed) {
    return ModelDependencies.dependents(changed, List.copyOf(models.names()), n -> {
      ModelEntry e = models.get(n);
      return e == null ? Set.of() : e.composing;
    });
  }

  /** Why an ensemble cannot serve: a composing model with no ready version; null if all have one. */
  private String unavailableComposing(ModelEntry ensemble) {
    for (String used : ensemble.composing) {
      ModelEntry e = models.get(used);
      if (e == null || e.serving(-1) == null) {
        ModelIndexEntry s = state(used, -1);
        return "ensemble '" + ensemble.name + "' is unavailable: its composing model '" + used + "' is not available ("
            + s.state() + (s.reason().isEmpty() ? "" : ": " + s.reason()) + ")";
      }
    }
    return null;
  }

  /** Unloads the serving versions of a model that can no longer serve, with the reason as their state's. */
  private void retireServing(ModelEntry entry, String reason) {
    entry.lock.lock();
    try {
      boolean retired = false;
      for (ModelEntry.VersionSlot slot : entry.versions.values()) {
        if (slot.loaded() != null && slot.state() == ModelState.READY) {
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

  /** Triton's words first (its model-control tests match on them), then why no repository gives the model. */
  private static String notInRepositories(String name, String why) {
    return "failed to load '" + name + "', failed to poll from model repository: " + why;
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

  /**
   * Unloads one version if it serves, and marks a past failure of it as unloaded. Returns when it
   * will be unloaded (at once when nothing serves it).
   */
  private CompletableFuture<Void> unloadVersion(ModelEntry entry, ModelEntry.VersionSlot slot) {
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
    ModelEntry.VersionSlot slot = entry.slot(context.version());
    // A version being unloaded is not replaced without downtime: it already takes no requests.
    LoadedModel previous = slot.state() == ModelState.UNLOADING ? null : slot.loaded();
    if (previous == null) {
      slot.loading();
    }
    try {
      LoadedModel loaded = LoadedModel.load(backend, context, services);
      open.add(loaded);
      if (stopping && open.remove(loaded)) {
        // stop() may have gathered the open models before this one existed.
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

  /** Retires a slot's model: UNLOADING until its requests finish, then UNAVAILABLE with the reason. */
  private CompletableFuture<Void> retireVersion(ModelEntry entry, ModelEntry.VersionSlot slot, String reason) {
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

  /** Closes a model once its requests have finished, unless {@link #stop()} has taken it over. */
  private CompletableFuture<Void> retireInBackground(LoadedModel loaded, Runnable afterClose) {
    return loaded.retire().thenRunAsync(() -> {
      if (open.remove(loaded)) {
        loaded.close(System.nanoTime() + options.exitTimeout().toNanos());
        log.info("unloaded model '{}' version {}", loaded.name(), loaded.version());
      }
      if (afterClose != null) afterClose.run();
    }, loadPool);
  }

  // --- requests

  /**
   * Validates a request and hands it to the model's scheduler. A request refused here (the exception
   * thrown) has its release callback run before this returns, as no final response will run it.
   */
  public void submit(String name, long version, InferenceRequest request, ResponseSink sink, boolean mayRunOnCaller) {
    PendingRequest pending = null;
    try {
      while (true) {
        if (stopping) {
          throw new NereidException.Unavailable("Server is stopping: request for model '" + name + "' refused");
        }
        LoadedModel model = resolve(name, version);
        Map<String, Tensor> inputs = RequestValidator.validate(model.signature(), request);
        pending = new PendingRequest(model, request, inputs, sink);
        if (model.submit(pending, mayRunOnCaller)) {
          return;
        }
        // That version retired between lookup and admission: look again.
        pending = null;
      }
    } catch (RuntimeException | Error e) {
      if (pending != null) {
        pending.refused();
      } else {
        PendingRequest.runReleaseCallback(request, name);
      }
      throw e;
    }
  }

  /** The loaded model serving (name, version), or the error a request to it gets. */
  public LoadedModel resolve(String name, long version) {
    return models.resolve(name, version);
  }

  public java.util.concurrent.Executor responseExecutor() {
    return command -> {
      try {
        responseExecutor.execute(command);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        command.run();
      }
    };
  }

  // --- model management

  public void load(String name, Map<String, ?> parameters) {
    requireMode(ModelControlMode.EXPLICIT, "explicit model load / unload");
    LoadOverrides overrides = LoadOverrides.parse(name, parameters);
    ModelConfig override = overrides.config();
    ModelRepositories.Scan scan = repositories.scan();
    ModelSource source = scan.models().get(name);
    if (source == null && overrides.files().isEmpty()) {
      String why = scan.duplicates().containsKey(name) ? "it is in more than one repository: " + scan.duplicates().get(name)
          : "no model folder named '" + name + "' in any repository";
      throw new NereidException.InvalidArgument(notInRepositories(name, why));
    }
    Path overrideDirectory = overrides.writeFolder(name);
    // As in Triton, loading an ensemble first loads the models it uses that are not loaded yet.
    Set<String> uses = override != null ? ModelDependencies.composing(override)
        : source != null ? ModelDependencies.composing(source) : Set.of();
    Set<String> changed = new LinkedHashSet<>();
    List<ModelSource> missing = new ArrayList<>();
    for (String used : ModelDependencies.withComposing(uses, scan.models())) {
      ModelEntry e = models.get(used);
      if (!used.equals(name) && scan.models().containsKey(used) && (e == null || e.serving(-1) == null)) {
        missing.add(scan.models().get(used));
        changed.add(used);
      }
    }
    for (List<ModelSource> wave : ModelDependencies.waves(missing)) loadInParallel(wave);
    String failure = loadModel(name, source, override, overrideDirectory);
    changed.add(name);
    refreshDependents(changed);
    if (failure != null) {
      throw new NereidException.InvalidArgument(failure);
    }
  }

  private void deleteLater(Path directory) {
    loadPool.execute(() -> LoadOverrides.deleteFolder(directory));
  }

  public void unload(String name, boolean unloadDependents, boolean waitUntilUnloaded) {
    requireMode(ModelControlMode.EXPLICIT, "explicit model load / unload");
    ModelEntry entry = models.get(name);
    if (entry == null) {
      if (repositories.scan().models().containsKey(name)) {
        return; // in a repository but never loaded: there is nothing to unload
      }
      throw new NereidException.InvalidArgument("failed to unload '" + name + "': no model of that name is known");
    }
    List<String> dependents = dependentsOf(Set.of(name));
    List<CompletableFuture<Void>> unloading = new ArrayList<>(unloadEntry(entry));
    if (unloadDependents) {
      for (String dependent : dependents) unloading.addAll(unloadEntry(models.get(dependent)));
    } else {
      refreshDependents(Set.of(name));
    }
    if (waitUntilUnloaded) {
      try {
        CompletableFuture.allOf(unloading.toArray(CompletableFuture[]::new)).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NereidException.Unavailable("interrupted while unloading '" + name + "'", e);
      } catch (ExecutionException e) {
        throw new NereidException.Internal("failed to unload '" + name + "': " + e.getCause().getMessage(), e.getCause());
      }
    }
  }

  /** Unloads a model at the user's request, and deletes its override files once it is unloaded. */
  private List<CompletableFuture<Void>> unloadEntry(ModelEntry entry) {
    entry.lock.lock();
    try {
      List<CompletableFuture<Void>> unloading = unloadAll(entry);
      if (entry.overrideDirectory != null) {
        Path dir = entry.overrideDirectory;
        entry.overrideDirectory = null;
        CompletableFuture.allOf(unloading.toArray(CompletableFuture[]::new)).thenRun(() -> deleteLater(dir));
      }
      return unloading;
    } finally {
      entry.lock.unlock();
    }
  }

  /**
   * Unloads every version of a model, and lets its past load failures go so that they no longer keep
   * the server from being ready. The caller holds the model's lock. Returns the unloads under way.
   */
  private List<CompletableFuture<Void>> unloadAll(ModelEntry entry) {
    List<CompletableFuture<Void>> unloading = new ArrayList<>();
    for (ModelEntry.VersionSlot slot : entry.versions.values()) {
      unloading.add(unloadVersion(entry, slot));
    }
    entry.modelUnloaded(ModelTable.UNLOADED);
    entry.composing = Set.of(); // unloaded on purpose: no longer follows its composing models
    return unloading;
  }

  public void registerRepository(Path path, Map<String, String> nameMapping) {
    requireMode(ModelControlMode.EXPLICIT, "model repository registration");
    repositories.add(path, nameMapping);
  }

  public void unregisterRepository(Path path) {
    requireMode(ModelControlMode.EXPLICIT, "model repository registration");
    repositories.remove(path);
  }

  public void poll() {
    requireMode(ModelControlMode.POLL, "polling the model repository");
    ModelRepositories.Scan scan = repositories.scan();
    recordDuplicates(scan);
    List<ModelSource> changed = new ArrayList<>();
    for (ModelSource source : scan.models().values()) {
      ModelEntry entry = models.get(source.name());
      if (entry == null || entry.source == null || !entry.source.directory().equals(source.directory())
          || !entry.fingerprint.equals(source.fingerprint())) {
        changed.add(source);
      } else if (entry.modelState == ModelState.UNAVAILABLE && entry.serving(-1) != null) {
        entry.modelOk(); // it was in two repositories and is in one again, unchanged: nothing to reload
      }
    }
    loadAll(changed);
    Set<String> removed = new LinkedHashSet<>();
    for (ModelEntry entry : models.all()) {
      if (!scan.models().containsKey(entry.name) && !scan.duplicates().containsKey(entry.name)) {
        entry.lock.lock();
        try {
          if (entry.source != null) removed.add(entry.name);
          unloadAll(entry);
          entry.source = null;
        } finally {
          entry.lock.unlock();
        }
      }
    }
    refreshDependents(removed);
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      log.warn("polling the model repositories failed", e);
    }
  }

  private void requireMode(ModelControlMode mode, String what) {
    if (options.modelControlMode() != mode) {
      throw new NereidException.Unsupported(what + " is not allowed in model control mode "
          + options.modelControlMode() + "; it needs " + mode);
    }
  }

  // --- status

  public boolean live() {
    return !stopping;
  }

  public boolean ready() {
    return !stopping && models.ready();
  }

  public ServerMetadata metadata() {
    return new ServerMetadata(options.serverId(), VERSION, EXTENSIONS);
  }

  public SortedMap<ModelKey, ModelIndexEntry> index(boolean readyOnly) {
    return models.index(repositories.scan().models().keySet(), readyOnly);
  }

  /** The state and reason of (name, version) as a handle sees it. */
  public ModelIndexEntry state(String name, long version) {
    return models.state(name, version);
  }

  public ModelMetadata metadata(String name, long version) {
    return models.metadata(name, version);
  }

  public List<ModelStatistics> statistics(String name, long version) {
    return models.statistics(name, version);
  }

  /** Statistics of every loaded version of every model, for {@code /v2/models/stats}. */
  public List<ModelStatistics> allStatistics() {
    return models.allStatistics();
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  // --- stop

  /**
   * Refuses new requests, waits up to the exit timeout for those in flight, answers the rest with
   * CANCELLED, then closes every model. Returns within the exit timeout plus a short grace for
   * instance threads to leave the backend.
   */
  public void stop() {
    stopping = true;
    if (poller != null) poller.shutdownNow();
    long deadline = System.nanoTime() + options.exitTimeout().toNanos();
    for (ModelEntry entry : models.all()) {
      for (ModelEntry.VersionSlot slot : entry.versions.values()) {
        slot.stopping();
      }
    }
    List<LoadedModel> loaded = new ArrayList<>();
    for (LoadedModel m : List.copyOf(open)) {
      if (open.remove(m)) loaded.add(m);
    }
    CompletableFuture<?>[] drains = loaded.stream().map(LoadedModel::retire).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(drains).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      int left = loaded.stream().mapToInt(LoadedModel::inFlightCount).sum();
      log.warn("exit timeout of {} reached with {} request(s) in flight; cancelling them", options.exitTimeout(), left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.warn("waiting for requests to finish failed", e);
    }
    for (LoadedModel m : loaded) {
      m.abortInFlight(new NereidException.Cancelled("request for model '" + m.name()
          + "' was cancelled: the server stopped before it completed"));
    }
    long grace = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500));
    for (LoadedModel m : loaded) {
      m.close(grace);
    }
    for (ModelEntry entry : models.all()) {
      for (ModelEntry.VersionSlot slot : entry.versions.values()) {
        slot.stopped(ModelTable.UNLOADED);
      }
      if (entry.overrideDirectory != null) LoadOverrides.deleteFolder(entry.overrideDirectory);
    }
    loadPool.shutdownNow();
    responseExecutor.shutdown();
    try {
      // Final responses are handed to callers' futures on this executor: let them arrive before
      // returning, so that every request has its answer once stop() returns (up to the grace).
      responseExecutor.awaitTermination(Math.max(0, grace - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("server '{}' stopped", options.serverId());
  }
}
