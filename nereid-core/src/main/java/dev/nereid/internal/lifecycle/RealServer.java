package dev.nereid.internal.lifecycle;

import dev.nereid.InferenceRequest;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelKey;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerMetadata;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import dev.nereid.UnloadOption;
import dev.nereid.internal.backend.BackendRegistry;
import dev.nereid.internal.cache.ResponseCache;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.request.RequestValidator;
import dev.nereid.internal.request.ResponseSink;
import dev.nereid.internal.scheduler.RateLimiter;
import dev.nereid.internal.stats.ServerMetrics;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server behind {@link dev.nereid.Server}: the entry point of requests and queries. It
 * admits requests to the loaded models, answers status from the {@link ModelTable}, and hands model
 * management (load, unload, polling, stop) to the {@link RepositoryManager}.
 */
public final class RealServer {
  private static final Logger log = LoggerFactory.getLogger(RealServer.class);
  private static final String VERSION = "0.1.0";
  private static final List<String> EXTENSIONS = List.of("model_repository", "schedule_policy", "sequence",
      "model_repository(unload_dependents)", "model_configuration", "binary_tensor_data", "parameters", "statistics");

  private final ServerOptions options;
  private final BackendRegistry backends;
  private final RepositoryManager repository;
  private final ModelTable models;
  private final ExecutorService responseExecutor = Executors.newVirtualThreadPerTaskExecutor();
  private final ServerMetrics metrics;
  private volatile boolean stopping;

  private RealServer(ServerOptions options, Server facade) {
    this.options = options;
    this.backends = BackendRegistry.discover();
    LoadServices services = new LoadServices(options.defaultMaxQueueSize(),
        options.rateLimiting() ? new RateLimiter(options.rateLimiterResources()) : null,
        options.responseCacheByteSize() > 0 ? new ResponseCache(options.responseCacheByteSize()) : null);
    this.repository = new RepositoryManager(options, facade, backends, services);
    this.models = repository.models();
    this.metrics = new ServerMetrics(models::metricSources);
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
      repository.start();
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    log.info("server '{}' started with {} backend(s) {} and {} model(s)", options.serverId(), backends.names().size(),
        backends.names(), models.size());
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
        // No refusal while stopping: as in Triton, requests are taken until the models retire, so that
        // work in flight (ensemble steps, calls between models, a sequence's next request) can finish.
        // The front ends refuse new requests themselves; once a model retires, resolve() says so.
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

  public Executor responseExecutor() {
    return command -> {
      try {
        responseExecutor.execute(command);
      } catch (RejectedExecutionException e) {
        command.run();
      }
    };
  }

  // --- model management

  public void load(String name, Map<String, ?> parameters) {
    repository.load(name, parameters);
  }

  public void unload(String name, boolean unloadDependents, boolean waitUntilUnloaded) {
    EnumSet<UnloadOption> unloadOptions = EnumSet.noneOf(UnloadOption.class);
    if (unloadDependents) unloadOptions.add(UnloadOption.DEPENDENTS);
    if (waitUntilUnloaded) unloadOptions.add(UnloadOption.WAIT);
    repository.unload(name, unloadOptions);
  }

  public void registerRepository(Path path, Map<String, String> nameMapping) {
    repository.registerRepository(path, nameMapping);
  }

  public void unregisterRepository(Path path) {
    repository.unregisterRepository(path);
  }

  public void poll() {
    repository.poll();
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
    return repository.index(readyOnly);
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
    long grace = repository.stop();
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
