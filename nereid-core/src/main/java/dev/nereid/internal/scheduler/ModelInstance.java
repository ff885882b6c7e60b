package dev.nereid.internal.scheduler;

import dev.nereid.NereidException;
import dev.nereid.RequestTimeline;
import dev.nereid.internal.request.ExecutingRequest;
import dev.nereid.internal.request.FinalOutcome;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.stats.ModelStats;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.Tensor;
import dev.nereid.DataType;
import dev.nereid.internal.tensor.BatchAssembler;
import dev.nereid.internal.tensor.OutputPool;
import dev.nereid.internal.tensor.TensorShares;
import dev.nereid.spi.ResponseFlag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend instance and the claim that keeps it to one batch at a time. Its own thread normally
 * runs its batches; a caller that finds it idle may run one instead (see {@link DefaultScheduler}).
 * The claim is a flag, not a lock: nobody ever blocks on it while holding anything.
 */
public final class ModelInstance {
  private static final Logger log = LoggerFactory.getLogger(ModelInstance.class);

  private final String modelName;
  private final String name;
  private final String kind;
  private final BackendInstance backend;
  private final ModelStats stats;
  private final boolean batching;
  private final Set<String> raggedInputs;
  private final RateLimiter rateLimiter;
  private final Map<String, Long> resources;
  private final long rateLimiterPriority;
  private final AtomicBoolean busy = new AtomicBoolean();
  private final OutputPool outputMemory = new OutputPool();
  private volatile Thread claimWaiter;
  private volatile List<PendingRequest> current = List.of();

  /**
   * @param rateLimiter the server's rate limiter, or null; with it, each batch first waits for
   *     {@code resources}, served by {@code rateLimiterPriority} (lower first)
   * @param kind the instance group's kind ({@code KIND_CPU}, {@code KIND_GPU}, ...): instances of one kind
   *     share what a batcher learns of their execution times
   */
  public ModelInstance(String modelName, String name, String kind, BackendInstance backend, ModelStats stats, boolean batching,
      Set<String> raggedInputs, RateLimiter rateLimiter, Map<String, Long> resources, long rateLimiterPriority) {
    this.modelName = modelName;
    this.name = name;
    this.kind = kind;
    this.backend = backend;
    this.stats = stats;
    this.batching = batching;
    this.raggedInputs = Set.copyOf(raggedInputs);
    this.rateLimiter = resources.isEmpty() ? null : rateLimiter;
    this.resources = Map.copyOf(resources);
    this.rateLimiterPriority = rateLimiterPriority;
  }

  public String name() {
    return name;
  }

  public String kind() {
    return kind;
  }

  public BackendInstance backend() {
    return backend;
  }

  /** Runs a batch on the calling thread without counting it in statistics: for warmup. */
  public void executeUncounted(List<PendingRequest> requests) {
    claim();
    try {
      run(requests, false);
    } finally {
      release();
    }
  }

  boolean tryClaim() {
    // Read first: a busy instance costs a shared read, not a failed write that bounces its cache line.
    return !busy.get() && busy.compareAndSet(false, true);
  }

  void claim() {
    while (!busy.compareAndSet(false, true)) {
      claimWaiter = Thread.currentThread();
      if (busy.get()) {
        LockSupport.parkNanos(this, 1_000_000);
      }
      claimWaiter = null;
    }
  }

  /** Ends the claim, then runs on this thread what the batch's answers set off (see {@link Continuations}). */
  void release() {
    busy.set(false);
    Thread waiter = claimWaiter;
    if (waiter != null) {
      LockSupport.unpark(waiter);
    }
    Continuations.runPending();
  }

  /** Runs one batch on the backend; the caller holds the claim. Never throws. */
  void execute(List<PendingRequest> requests) {
    run(requests, true);
  }

  private void run(List<PendingRequest> requests, boolean counted) {
    current = requests;
    Continuations.enter();
    try {
      runLimited(requests, counted);
    } finally {
      Continuations.leave();
      // Before `current` forgets them, so that a stop looking here and then at the owners finds each.
      for (PendingRequest r : requests) r.executionEnded();
      current = List.of();
    }
  }

  /** The batch this instance runs now (waiting for rate-limiter resources included), or an empty list. */
  public List<PendingRequest> executing() {
    return current;
  }

  private void runLimited(List<PendingRequest> requests, boolean counted) {
    if (rateLimiter != null) {
      try {
        rateLimiter.acquire(resources, rateLimiterPriority);
      } catch (InterruptedException | RuntimeException e) {
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        NereidException error = new NereidException.Unavailable("model '" + modelName + "' instance '" + name
            + "' could not get its rate-limiter resources: " + e.getMessage(), e);
        for (PendingRequest r : requests) r.fail(error, FinalOutcome.REJECTED);
        return;
      }
    }
    try {
      runAcquired(requests, counted);
    } finally {
      if (rateLimiter != null) rateLimiter.release(resources);
    }
  }

  private void runAcquired(List<PendingRequest> requests, boolean counted) {
    long start = System.nanoTime();
    long queueNanos = 0;
    long[] rows = new long[requests.size()];
    long inferences = 0;
    for (int i = 0; i < rows.length; i++) {
      PendingRequest r = requests.get(i);
      r.executionStarted(start);
      queueNanos += start - r.arrivalNanos();
      rows[i] = batching ? batchSize(r) : 1;
      inferences += rows[i];
    }
    if (counted) stats.executionStarted(requests.size());
    Timed batch = new Timed(requests, rows, inferences, start, counted ? queueNanos : -1);
    ExecutingRequest.Scope executing = ExecutingRequest.enter(requests);
    try {
      backend.execute(batch);
    } catch (Throwable t) {
      NereidException error = asError(t);
      if (!(t instanceof NereidException)) {
        log.warn("model '{}' instance '{}' failed a batch of {}", modelName, name, requests.size(), t);
      }
      for (PendingRequest r : requests) {
        if (!r.isComplete()) r.fail(error, FinalOutcome.BACKEND);
      }
      if (t instanceof Error e && !(t instanceof StackOverflowError)) {
        throw e;
      }
    } finally {
      executing.close();
    }
    batch.recordExecution(System.nanoTime());
  }

  /** A request's batch dimension: the first dimension of its first input. */
  public static long batchSize(PendingRequest r) {
    for (var t : r.inputs().values()) {
      return t.rank() > 0 ? t.dim(0) : 1;
    }
    return 1;
  }

  private NereidException asError(Throwable t) {
    if (t instanceof NereidException e) {
      return e;
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return new NereidException.Internal("model '" + modelName + "' failed: " + message, t);
  }

  private final class Timed implements Batch {
    private final List<PendingRequest> requests;
    private final long[] rows;
    private final long batchSize;
    private final long start;
    /** The requests' queue time summed, or -1 when the execution is not counted (warmup). */
    private final long queueNanos;
    long computeStart;
    long computeEnd;
    private boolean recorded;

    Timed(List<PendingRequest> requests, long[] rows, long batchSize, long start, long queueNanos) {
      this.requests = requests;
      this.rows = rows;
      this.batchSize = batchSize;
      this.start = start;
      this.queueNanos = queueNanos;
    }

    /**
     * Counts the execution in the model's statistics, once: when the backend answers the batch as a
     * whole, just before the responses go out, so a caller who reads the statistics after its answer
     * finds its execution counted; otherwise when {@code execute} returns.
     */
    synchronized void recordExecution(long end) {
      if (recorded || queueNanos < 0) return;
      recorded = true;
      long computeStarted = computeStart == 0 ? start : computeStart;
      long computeEnded = computeEnd == 0 ? end : Math.max(computeEnd, computeStarted);
      stats.executed(requests.size(), batchSize, queueNanos, computeStarted - start, computeEnded - computeStarted,
          end - computeEnded);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<BackendRequest> requests() {
      return (List<BackendRequest>) (List<?>) requests;
    }

    @Override
    public long batchSize() {
      return batchSize;
    }

    @Override
    public Tensor input(String inputName) {
      if (requests.size() == 1) {
        return requests.get(0).inputs().get(inputName);
      }
      List<Tensor> parts = new ArrayList<>(requests.size());
      for (PendingRequest r : requests) {
        Tensor t = r.inputs().get(inputName);
        if (t != null) parts.add(t);
      }
      if (parts.isEmpty()) {
        return null;
      }
      if (parts.size() != requests.size()) {
        throw new NereidException.InvalidArgument("optional input '" + inputName + "' of model '" + modelName
            + "' is given by some requests of the batch only");
      }
      return BatchAssembler.concat(inputName, parts, raggedInputs.contains(inputName));
    }

    @Override
    public void respond(Map<String, Tensor> batchedOutputs) {
      List<Map<String, Tensor>> perRequest = new ArrayList<>(requests.size());
      for (int i = 0; i < requests.size(); i++) perRequest.add(new LinkedHashMap<>());
      batchedOutputs.forEach((outputName, tensor) -> {
        List<Tensor> slices = BatchAssembler.split(outputName, tensor, rows);
        for (int i = 0; i < slices.size(); i++) perRequest.get(i).put(outputName, slices.get(i));
        TensorShares.release(tensor); // the backend's claim; each slice holds its own
      });
      recordExecution(System.nanoTime());
      for (int i = 0; i < requests.size(); i++) {
        requests.get(i).send(perRequest.get(i), ResponseFlag.FINAL);
      }
    }

    @Override
    public Tensor newOutput(DataType dataType, long... shape) {
      return outputMemory.allocate(dataType, shape);
    }

    @Override
    public void fail(NereidException error) {
      for (PendingRequest r : requests) {
        if (!r.isComplete()) r.fail(error, FinalOutcome.BACKEND);
      }
    }

    @Override
    public void computeStarted() {
      computeStart = System.nanoTime();
      for (PendingRequest r : requests) {
        RequestTimeline timeline = r.timeline();
        if (timeline != RequestTimeline.NONE) timeline.computeInputEnded(computeStart);
      }
    }

    @Override
    public void computeEnded() {
      computeEnd = System.nanoTime();
      if (computeStart == 0) computeStart = start;
      for (PendingRequest r : requests) {
        RequestTimeline timeline = r.timeline();
        if (timeline != RequestTimeline.NONE) timeline.computeOutputStarted(computeEnd);
      }
    }
  }
}
