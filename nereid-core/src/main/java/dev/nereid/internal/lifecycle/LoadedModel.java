package dev.nereid.internal.lifecycle;

import dev.nereid.ModelMetadata;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.cache.ResponseCache;
import dev.nereid.internal.config.ModelConfigs;
import dev.nereid.internal.request.FinalOutcome;
import dev.nereid.internal.request.ModelSignature;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.request.RequestOwner;
import dev.nereid.internal.scheduler.BatchPolicy;
import dev.nereid.internal.scheduler.DefaultScheduler;
import dev.nereid.internal.scheduler.DynamicBatcher;
import dev.nereid.internal.scheduler.SequenceBatcher;
import dev.nereid.internal.scheduler.ModelInstance;
import dev.nereid.internal.scheduler.Scheduler;
import dev.nereid.internal.stats.ModelStats;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of a model: its config, backend model, instances and scheduler, its statistics,
 * and the requests in flight on it. A version that is replaced or unloaded is retired: it takes no new
 * requests, finishes those in flight, then closes.
 */
public final class LoadedModel implements RequestOwner {
  private static final Logger log = LoggerFactory.getLogger(LoadedModel.class);

  private final String name;
  private final long version;
  private final ModelConfig config;
  private final String configJson;
  private final ModelSignature signature;
  private final boolean decoupled;
  private final String platform;
  private final BackendModel backendModel;
  private final List<ModelInstance> instances;
  private final Scheduler scheduler;
  private final ResponseCache cache;
  private final ModelStats stats = new ModelStats();
  // Requests in flight are counted on striped counters, not registered: an ordinary request is always
  // in a queue or an instance's hands until its final response, where a stop finds it. Only one that
  // outlives its execution (an ensemble's, a decoupled model's) is registered, in `outstanding`.
  private final LongAdder accepted = new LongAdder();
  private final LongAdder finished = new LongAdder();
  private final Set<PendingRequest> outstanding = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean retiring;

  private LoadedModel(ModelContext context, String platform, BackendModel backendModel,
      List<CreatedInstance> created, LoadServices services) {
    this.name = context.name();
    this.version = context.version();
    this.config = context.config();
    this.configJson = ModelConfigs.toJson(config);
    this.signature = ModelSignature.of(config);
    this.decoupled = config.getModelTransactionPolicy().getDecoupled();
    this.platform = platform;
    this.backendModel = backendModel;
    boolean batching = config.getMaxBatchSize() > 0;
    List<ModelInstance> wrapped = new ArrayList<>();
    Set<String> ragged = new java.util.HashSet<>();
    config.getInputList().forEach(i -> {
      if (i.getAllowRaggedBatch()) ragged.add(i.getName());
    });
    for (CreatedInstance c : created) {
      Map<String, Long> need = resources(c.group());
      long priority = Math.max(1, c.group().getRateLimiter().getPriority());
      wrapped.add(new ModelInstance(name, c.name(), c.group().getKind().name(), c.backend(), stats, batching, ragged,
          services.rateLimiter(), need, priority));
    }
    this.instances = List.copyOf(wrapped);
    this.cache = config.getResponseCache().getEnable() ? services.responseCache() : null;
    int queueCapacity = queueCapacity(config, services.defaultQueueCapacity());
    if (config.hasSequenceBatching()) {
      this.scheduler = new SequenceBatcher(name, config.getMaxBatchSize(), config.getSequenceBatching(),
          context.modelDirectory(), instances, queueCapacity);
    } else if (config.hasDynamicBatching() && config.getMaxBatchSize() > 0) {
      this.scheduler = new DynamicBatcher(name, config.getMaxBatchSize(), config.getDynamicBatching(),
          BatchPolicy.of(config), instances, queueCapacity, ragged);
    } else {
      this.scheduler = new DefaultScheduler(name, instances, queueCapacity);
    }
  }

  private record CreatedInstance(String name, BackendInstance backend, ModelInstanceGroup group) {}

  private static Map<String, Long> resources(ModelInstanceGroup group) {
    Map<String, Long> need = new java.util.LinkedHashMap<>();
    for (var r : group.getRateLimiter().getResourcesList()) need.merge(r.getName(), (long) r.getCount(), Long::sum);
    return need;
  }

  /** Refuses configs whose response cache or rate-limiter settings the server cannot honour. */
  private static void checkServices(ModelContext context, LoadServices services) {
    ModelConfig config = context.config();
    String model = "model '" + context.name() + "'";
    if (config.getResponseCache().getEnable()) {
      if (services.responseCache() == null) {
        throw new NereidException.InvalidArgument(model + " enables response_cache, but the server has no response "
            + "cache: set ServerOptions.responseCacheByteSize (--cache-config local,size=N)");
      }
      if (config.getModelTransactionPolicy().getDecoupled()) {
        throw new NereidException.InvalidArgument(model + ": response_cache is not supported for decoupled models");
      }
      if (config.hasSequenceBatching()) {
        throw new NereidException.InvalidArgument(model + ": response_cache is not supported for sequence batching");
      }
    }
    if (services.rateLimiter() != null) {
      for (ModelInstanceGroup group : config.getInstanceGroupList()) {
        services.rateLimiter().register(resources(group));
      }
    }
  }


  /**
   * Loads a version with its backend: the backend model, then every instance of every group, then
   * runs its warmup samples. Whatever was created is closed again if a step fails.
   */
  static LoadedModel load(Backend backend, ModelContext context, LoadServices services) throws Exception {
    checkServices(context, services);
    BackendModel backendModel = backend.load(context);
    ModelConfig config = context.config();
    List<CreatedInstance> created = new ArrayList<>();
    LoadedModel model;
    try {
      int index = 0;
      for (ModelInstanceGroup group : config.getInstanceGroupList()) {
        for (int i = 0; i < group.getCount(); i++) {
          String instanceName = group.getName() + "_" + i;
          InstanceContext ic = new InstanceContext(context, instanceName, index++, group.getKind().name(),
              group.getGpusCount() > 0 ? group.getGpus(0) : -1);
          created.add(new CreatedInstance(instanceName, backendModel.createInstance(ic), group));
        }
      }
      String platform = config.getPlatform().isEmpty() ? config.getBackend() : config.getPlatform();
      model = new LoadedModel(context, platform, backendModel, created, services);
    } catch (Exception | Error e) {
      for (CreatedInstance c : created) closeQuietly(c.backend());
      closeQuietly(backendModel);
      throw e;
    }
    try {
      // Nothing can reach the model yet, so its instances are free for warmup.
      Warmup.run(model.name, config, context.modelDirectory(), model.instances);
    } catch (RuntimeException e) {
      model.close(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
      throw e;
    }
    return model;
  }

  private static int queueCapacity(ModelConfig config, int fallback) {
    long configured = config.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize();
    return configured > 0 ? (int) Math.min(configured, Integer.MAX_VALUE) : fallback;
  }

  // --- RequestOwner

  @Override
  public String modelName() {
    return name;
  }

  @Override
  public long modelVersion() {
    return version;
  }

  @Override
  public boolean decoupled() {
    return decoupled;
  }

  @Override
  public void onFinal(PendingRequest request, FinalOutcome outcome) {
    stats.requestFinished(outcome, System.nanoTime() - request.arrivalNanos(), request.executionStartNanos() != 0);
    if (!outstanding.isEmpty()) outstanding.remove(request);
    finishedOne();
  }

  @Override
  public void outlivesExecution(PendingRequest request) {
    outstanding.add(request);
    // Answered meanwhile: onFinal may have looked before the add.
    if (request.isComplete()) outstanding.remove(request);
  }

  private void finishedOne() {
    finished.increment();
    if (retiring && inFlightCount() == 0) drained.complete(null);
  }

  @Override
  public boolean removeQueued(PendingRequest request) {
    return scheduler.remove(request);
  }

  // --- serving

  /**
   * Takes a validated request. Returns false when this version started retiring meanwhile (the caller
   * looks the model up again); throws Unavailable when the queue is full.
   */
  boolean submit(PendingRequest request, boolean mayRunOnCaller) {
    // Counted before `retiring` is read, and retire() sets it before counting: either this request is
    // refused here or retire() sees it in flight.
    accepted.increment();
    if (retiring) {
      finishedOne();
      return false;
    }
    stats.requestAccepted();
    request.sink().onAccepted(request);
    if (cache != null && answeredFromCache(request)) {
      return true;
    }
    try {
      scheduler.enqueue(request, mayRunOnCaller && !decoupled);
    } catch (NereidException e) {
      finishedOne();
      stats.requestFinished(FinalOutcome.REJECTED, System.nanoTime() - request.arrivalNanos(), false);
      throw e;
    }
    return true;
  }

  /** Answers a request from the response cache if it can; otherwise arranges for its answer to be cached. */
  private boolean answeredFromCache(PendingRequest request) {
    long start = System.nanoTime();
    ResponseCache.Key key = ResponseCache.key(name, version, request.inputs(), request.requestedOutputs());
    Map<String, Tensor> hit = cache.get(key);
    if (hit != null) {
      stats.cacheHit(System.nanoTime() - start);
      request.send(hit, ResponseFlag.FINAL);
      return true;
    }
    long lookup = System.nanoTime() - start;
    request.intercept(new PendingRequest.Interceptor() {
      private Map<String, Tensor> outputs;

      @Override
      public Map<String, Tensor> outputs(PendingRequest r, Map<String, Tensor> produced) {
        outputs = produced;
        return produced;
      }

      @Override
      public void finished(PendingRequest r, boolean success) {
        long insertStart = System.nanoTime();
        if (success && outputs != null) cache.put(key, outputs);
        stats.cacheMiss(lookup + System.nanoTime() - insertStart);
      }
    }, java.util.Set.of());
    return false;
  }

  /**
   * Stops taking requests and returns a future that completes once every request in flight has its
   * final response.
   */
  CompletableFuture<Void> retire() {
    retiring = true;
    if (inFlightCount() == 0) {
      drained.complete(null);
    }
    return drained;
  }

  /** Answers every request still in flight with this error: for a stop whose exit timeout ran out. */
  void abortInFlight(NereidException error) {
    for (PendingRequest r : scheduler.drainQueued()) {
      r.fail(error, FinalOutcome.REJECTED);
    }
    // Instances before `outstanding`: a request leaves an instance's hands only after it registered.
    List<PendingRequest> started = new ArrayList<>();
    for (ModelInstance instance : instances) started.addAll(instance.executing());
    started.addAll(outstanding);
    for (PendingRequest r : started) {
      r.cancel();
      r.fail(error, FinalOutcome.OTHER);
    }
  }

  /**
   * Stops the instance threads and closes the backend. An instance whose thread is still inside the
   * backend at the deadline is left open (closing it under a running call could crash native code).
   */
  void close(long deadlineNanos) {
    List<ModelInstance> exited = scheduler.stop(deadlineNanos);
    for (ModelInstance instance : instances) {
      if (exited.contains(instance)) {
        closeQuietly(instance.backend());
      } else {
        log.warn("model '{}' version {} instance '{}' is still executing; leaving it open", name, version,
            instance.name());
      }
    }
    if (exited.size() == instances.size()) {
      closeQuietly(backendModel);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("closing {} failed", closeable, e);
    }
  }

  // --- accessors

  public String name() {
    return name;
  }

  public long version() {
    return version;
  }

  public ModelConfig config() {
    return config;
  }

  public String configJson() {
    return configJson;
  }

  ModelSignature signature() {
    return signature;
  }

  ModelStats stats() {
    return stats;
  }

  int inFlightCount() {
    // Finished read first: a request counted there was counted as accepted before, so the difference
    // is never below the requests truly in flight.
    long done = finished.sum();
    return (int) (accepted.sum() - done);
  }

  /** KServe metadata of this version; {@code versions} lists every ready version of the model. */
  ModelMetadata metadata(List<String> versions) {
    boolean batched = config.getMaxBatchSize() > 0;
    List<ModelMetadata.TensorMetadata> inputs = new ArrayList<>();
    for (ModelInput i : config.getInputList()) {
      inputs.add(new ModelMetadata.TensorMetadata(i.getName(),
          dev.nereid.DataType.fromConfigNumber(i.getDataTypeValue()).kserveName(),
          Shapes.withBatchDimension(batched, i.getDimsList())));
    }
    List<ModelMetadata.TensorMetadata> outputs = new ArrayList<>();
    for (ModelOutput o : config.getOutputList()) {
      outputs.add(new ModelMetadata.TensorMetadata(o.getName(),
          dev.nereid.DataType.fromConfigNumber(o.getDataTypeValue()).kserveName(),
          Shapes.withBatchDimension(batched, o.getDimsList())));
    }
    return new ModelMetadata(name, versions, platform, inputs, outputs);
  }
}
