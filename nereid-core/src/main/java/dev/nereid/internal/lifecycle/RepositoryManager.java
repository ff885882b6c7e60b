package dev.nereid.internal.lifecycle;

import dev.nereid.ModelControlMode;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelKey;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.UnloadOption;
import dev.nereid.internal.backend.BackendRegistry;
import dev.nereid.internal.repository.ModelRepositories;
import dev.nereid.internal.repository.ModelSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model repository manager: reads the repositories, loads what the control mode says at start,
 * polls them in POLL mode, loads and unloads models on request in EXPLICIT mode, loads the models an
 * ensemble uses before the ensemble and keeps ensembles in step with them, and takes every model
 * down when the server stops. Model entries change only through their own transitions; the
 * {@link ModelTable} it fills answers the queries.
 */
final class RepositoryManager {
  private static final Logger log = LoggerFactory.getLogger(RepositoryManager.class);

  private final ServerOptions options;
  private final ModelRepositories repositories = new ModelRepositories();
  private final ModelTable models = new ModelTable();
  private final OpenModels open = new OpenModels();
  private final ExecutorService lifecycleThreads;
  private final ModelLoader loader;
  private final DependentEnsembles ensembles;
  private final ScheduledExecutorService poller;

  RepositoryManager(ServerOptions options, Server facade, BackendRegistry backends, LoadServices services) {
    this.options = options;
    this.lifecycleThreads = Executors.newFixedThreadPool(options.modelLoadThreadCount(),
        Thread.ofPlatform().daemon().name("nereid-load-", 0).factory());
    this.loader = new ModelLoader(options, facade, backends, services, models, open, lifecycleThreads);
    this.ensembles = new DependentEnsembles(models, loader, open);
    boolean polling = options.modelControlMode() == ModelControlMode.POLL && options.repositoryPollInterval().toMillis() > 0;
    this.poller = polling
        ? Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nereid-poll").factory())
        : null;
  }

  /** The models and their states, for queries. */
  ModelTable models() {
    return models;
  }

  /** Reads the repositories, loads models as the control mode says, then starts polling in POLL mode. */
  void start() {
    for (Path repository : options.modelRepositories()) repositories.add(repository, Map.of());
    loadAtStart();
    if (poller != null) {
      long every = options.repositoryPollInterval().toMillis();
      poller.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
    }
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
    ensembles.refresh(sources.stream().map(ModelSource::name).collect(Collectors.toSet()));
  }

  private void recordDuplicates(ModelRepositories.Scan scan) {
    scan.duplicates().forEach((name, dirs) -> models.entry(name)
        .modelFailed("model '" + name + "' is in more than one repository: " + dirs));
  }

  private void loadInParallel(Collection<ModelSource> sources) {
    List<Future<?>> loads = new ArrayList<>();
    for (ModelSource source : sources) {
      loads.add(lifecycleThreads.submit(
          () -> loader.load(models.entry(source.name()), source, null, null, ModelLoader.Trigger.REQUESTED)));
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

  // --- EXPLICIT mode

  /**
   * Loads or reloads a model (with the models it uses that are not loaded yet), then the ensembles
   * that use it; refuses with the reason when the model did not load.
   */
  void load(String name, Map<String, ?> parameters) {
    requireMode(ModelControlMode.EXPLICIT, "explicit model load / unload");
    LoadOverrides overrides = LoadOverrides.parse(name, parameters);
    ModelRepositories.Scan scan = repositories.scan();
    ModelSource source = scan.models().get(name);
    if (source == null && overrides.files().isEmpty()) {
      String why = scan.duplicates().containsKey(name) ? "it is in more than one repository: " + scan.duplicates().get(name)
          : "no model folder named '" + name + "' in any repository";
      throw new NereidException.InvalidArgument(notInRepositories(name, why));
    }
    Path overrideDirectory = overrides.writeFolder(name);
    // As in Triton, loading an ensemble first loads the models it uses that are not loaded yet.
    Set<String> uses = overrides.config() != null ? ModelDependencies.composing(overrides.config())
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
    String failure = loader.load(models.entry(name), source, overrides.config(), overrideDirectory,
        ModelLoader.Trigger.REQUESTED);
    changed.add(name);
    ensembles.refresh(changed);
    if (failure != null) {
      throw new NereidException.InvalidArgument(failure);
    }
  }

  /**
   * Unloads every version of a model; with {@link UnloadOption#DEPENDENTS} the ensembles that use it
   * too (otherwise they are refreshed, and unload for want of it), with {@link UnloadOption#WAIT}
   * returning once every version has finished its requests and closed.
   */
  void unload(String name, Set<UnloadOption> unloadOptions) {
    requireMode(ModelControlMode.EXPLICIT, "explicit model load / unload");
    ModelEntry entry = models.get(name);
    if (entry == null) {
      if (repositories.scan().models().containsKey(name)) {
        return; // in a repository but never loaded: there is nothing to unload
      }
      throw new NereidException.InvalidArgument("failed to unload '" + name + "': no model of that name is known");
    }
    List<String> dependents = ensembles.of(Set.of(name));
    List<CompletableFuture<Void>> unloading = new ArrayList<>(loader.unload(entry));
    if (unloadOptions.contains(UnloadOption.DEPENDENTS)) {
      for (String dependent : dependents) unloading.addAll(loader.unload(models.get(dependent)));
    } else {
      ensembles.refresh(Set.of(name));
    }
    if (unloadOptions.contains(UnloadOption.WAIT)) {
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

  void registerRepository(Path path, Map<String, String> nameMapping) {
    requireMode(ModelControlMode.EXPLICIT, "model repository registration");
    repositories.add(path, nameMapping);
  }

  void unregisterRepository(Path path) {
    requireMode(ModelControlMode.EXPLICIT, "model repository registration");
    repositories.remove(path);
  }

  // --- POLL mode

  /**
   * Loads what is new or changed in the repositories since the last look (by fingerprint), unloads
   * what left them, and brings the ensembles that use any of those up to date.
   */
  void poll() {
    requireMode(ModelControlMode.POLL, "polling the model repository");
    ModelRepositories.Scan scan = repositories.scan();
    recordDuplicates(scan);
    List<ModelSource> changed = new ArrayList<>();
    for (ModelSource source : scan.models().values()) {
      ModelEntry entry = models.get(source.name());
      if (entry == null || entry.source() == null || !entry.source().directory().equals(source.directory())
          || !entry.fingerprint().equals(source.fingerprint())) {
        changed.add(source);
      } else {
        entry.duplicateResolved();
      }
    }
    loadAll(changed);
    Set<String> removed = new LinkedHashSet<>();
    for (ModelEntry entry : models.all()) {
      if (!scan.models().containsKey(entry.name) && !scan.duplicates().containsKey(entry.name)) {
        if (loader.unloadRemoved(entry)) removed.add(entry.name);
      }
    }
    ensembles.refresh(removed);
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

  /** The repository index: every model loaded, failed or only present in a repository. */
  SortedMap<ModelKey, ModelIndexEntry> index(boolean readyOnly) {
    return models.index(repositories.scan().models().keySet(), readyOnly);
  }

  // --- stop

  /**
   * Takes every model down: stops polling, waits up to the exit timeout for requests in flight,
   * answers the rest with CANCELLED, closes every model and deletes override files. Returns the
   * deadline (System.nanoTime) by which instance threads were given to leave their backends.
   */
  long stop() {
    open.stopping();
    if (poller != null) poller.shutdownNow();
    long deadline = System.nanoTime() + options.exitTimeout().toNanos();
    awaitQuiet(deadline);
    for (ModelEntry entry : models.all()) entry.serverStopping();
    List<LoadedModel> loaded = open.claimAll();
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
      entry.serverStopped(ModelTable.UNLOADED);
      Path overrideDirectory = entry.takeOverrideDirectory();
      if (overrideDirectory != null) LoadOverrides.deleteFolder(overrideDirectory);
    }
    lifecycleThreads.shutdownNow();
    return grace;
  }

  /**
   * Waits, up to the deadline, until no request is in flight on any model, while every model keeps
   * serving: as in Triton, a request in flight may still need others (an ensemble's next step, a model's
   * call of another, the next request of a sequence), and retiring a model that is idle now would fail
   * them. A parent request stays in flight until its children have answered, so no request in flight
   * anywhere means none will follow from one.
   */
  private void awaitQuiet(long deadline) {
    long pause = TimeUnit.MILLISECONDS.toNanos(1);
    while (open.inFlightCount() > 0 && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(Math.min(pause, deadline - System.nanoTime()));
      pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
      if (Thread.currentThread().isInterrupted()) return;
    }
  }

  /** Triton's words first (its model-control tests match on them), then why no repository gives the model. */
  private static String notInRepositories(String name, String why) {
    return "failed to load '" + name + "', failed to poll from model repository: " + why;
  }
}
