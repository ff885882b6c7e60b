package dev.nereid.internal.scheduler;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.tensor.ArrayCodec;
import dev.nereid.internal.tensor.TensorShares;
import dev.nereid.internal.tensor.Shapes;
import dev.nereid.proto.ModelSequenceBatching;
import dev.nereid.proto.ModelSequenceBatching.Control;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Triton's sequence batcher, for stateful models. Requests carry a correlation id; those of one
 * sequence run one at a time and in order, and a batch holds at most one request per sequence. The
 * server adds the configured control inputs (START, END, READY, CORRID) to each request and, for
 * implicit state, feeds each request the state its predecessor produced, so clients send only their
 * own inputs. A sequence ends with its END request, or is released after
 * {@code max_sequence_idle_microseconds} without requests.
 *
 * <p>Strategies: {@code oldest} batches the sequences whose next request is oldest on whichever
 * instance is idle; {@code direct} keeps each sequence on one instance for its whole life (without
 * padding batches with empty slots: a backend that keeps per-sequence state itself should key it by
 * the CORRID control input).
 */
public final class SequenceBatcher implements Scheduler {
  private static final long DEFAULT_IDLE_MICROS = 1_000_000;

  private record ControlTensor(String input, Control.Kind kind, DataType type, Tensor off, Tensor on) {}

  private record StateSpec(String input, String output, Tensor initial) {}

  private final class Sequence {
    final Object id;
    final ArrayDeque<PendingRequest> pending = new ArrayDeque<>();
    final Map<String, Tensor> state = new HashMap<>();
    boolean running;
    long lastActivity;
    WorkerPool.Worker affinity;

    Sequence(Object id) {
      this.id = id;
    }
  }

  private final String modelName;
  private final boolean batching;
  private final int maxRows;
  private final boolean direct;
  private final long maxDelayNanos;
  private final long[] preferred;
  private final long idleNanos;
  private final PolicyQueue admission;
  private final List<ControlTensor> controls;
  private final List<StateSpec> states;
  private final Set<String> stateOutputs;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<Object, Sequence> sequences = new HashMap<>();
  private final WorkerPool pool;
  private final Thread batcher;
  private volatile boolean stopped;

  public SequenceBatcher(String modelName, int maxBatchSize, ModelSequenceBatching config, Path modelDirectory,
      List<ModelInstance> instances, int capacity) {
    this.modelName = modelName;
    this.batching = maxBatchSize > 0;
    this.maxRows = Math.max(1, maxBatchSize);
    this.direct = !config.hasOldest();
    this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(direct
        ? config.getDirect().getMaxQueueDelayMicroseconds() : config.getOldest().getMaxQueueDelayMicroseconds());
    this.preferred = direct ? new long[0]
        : config.getOldest().getPreferredBatchSizeList().stream().mapToLong(Integer::longValue).sorted().toArray();
    long idleMicros = config.getMaxSequenceIdleMicroseconds() > 0 ? config.getMaxSequenceIdleMicroseconds()
        : DEFAULT_IDLE_MICROS;
    this.idleNanos = TimeUnit.MICROSECONDS.toNanos(idleMicros);
    // Requests wait in their sequences; the shared policy queue bounds and counts them.
    this.admission = PolicyQueue.bounded(modelName, capacity);
    this.controls = controls(modelName, config, batching);
    this.states = states(modelName, config, modelDirectory, batching);
    this.stateOutputs = states.stream().map(StateSpec::output).collect(Collectors.toUnmodifiableSet());
    this.pool = new WorkerPool(instances, lock, changed, batch -> {}, () -> admission.count() > 0);
    this.batcher = Thread.ofPlatform().daemon().name("nereid-sequencer-" + modelName).start(this::runBatcher);
  }

  @Override
  public void enqueue(PendingRequest request, boolean mayRunOnCaller) {
    Object id = request.request().correlationId();
    if (id == null || (id instanceof Long l && l == 0) || (id instanceof String s && s.isEmpty())) {
      throw new NereidException.InvalidArgument(
          "inference request to model '" + modelName + "' must specify a non-zero or non-empty correlation ID");
    }
    lock.lock();
    try {
      if (stopped) {
        throw new NereidException.Unavailable("model '" + modelName + "' is unloading");
      }
      Sequence sequence = sequences.get(id);
      if (sequence == null && !request.request().sequenceStart()) {
        throw new NereidException.InvalidArgument("inference request for sequence " + id + " to model '" + modelName
            + "' must specify the START flag on the first request of the sequence (the sequence has not started, has "
            + "ended, or was released after " + TimeUnit.NANOSECONDS.toMicros(idleNanos)
            + " us without requests: max_sequence_idle_microseconds)");
      }
      admission.admit(request);
      if (sequence == null) {
        sequence = new Sequence(id);
        sequences.put(id, sequence);
      }
      request.queued();
      sequence.pending.add(request);
      sequence.lastActivity = System.nanoTime();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean remove(PendingRequest request) {
    lock.lock();
    try {
      Sequence sequence = sequences.get(request.request().correlationId());
      if (sequence != null && sequence.pending.remove(request)) {
        admission.release(request);
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int queued() {
    return admission.count();
  }

  @Override
  public List<PendingRequest> drainQueued() {
    lock.lock();
    try {
      List<PendingRequest> all = new ArrayList<>();
      for (Sequence s : sequences.values()) {
        all.addAll(s.pending);
        s.pending.clear();
      }
      for (PendingRequest r : all) admission.release(r);
      return all;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ModelInstance> stop(long deadlineNanos) {
    lock.lock();
    try {
      stopped = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    WorkerPool.join(batcher, deadlineNanos);
    return pool.stop(deadlineNanos);
  }

  /** Active sequences, for tests and statistics. */
  public int activeSequences() {
    lock.lock();
    try {
      return sequences.size();
    } finally {
      lock.unlock();
    }
  }

  // --- the batcher thread

  private void runBatcher() {
    while (true) {
      List<PendingRequest> batch = null;
      WorkerPool.Worker worker = null;
      lock.lock();
      try {
        if (stopped) return;
        long now = System.nanoTime();
        long wakeAt = releaseIdle(now);
        if (admission.count() > 0) {
          for (WorkerPool.Worker candidate : pool.workers()) {
            if (!pool.takeIdle(candidate)) continue;
            Decision d = decide(candidate, now);
            if (d.batch != null) {
              batch = d.batch;
              worker = candidate;
              break;
            }
            pool.dispatchLater(candidate);
            wakeAt = Math.min(wakeAt, d.retryAt);
          }
        }
        if (batch == null) {
          long nanos = wakeAt == Long.MAX_VALUE ? Long.MAX_VALUE : wakeAt - System.nanoTime();
          if (nanos == Long.MAX_VALUE) {
            changed.awaitUninterruptibly();
          } else if (nanos > 0) {
            try {
              changed.awaitNanos(nanos);
            } catch (InterruptedException e) {
              if (stopped) return;
            }
          }
        }
      } finally {
        lock.unlock();
      }
      if (batch != null) {
        pool.dispatch(worker, batch);
      }
    }
  }

  private record Decision(List<PendingRequest> batch, long retryAt) {}

  private Decision decide(WorkerPool.Worker worker, long now) {
    List<Sequence> ready = new ArrayList<>();
    for (Sequence s : sequences.values()) {
      if (s.running || s.pending.isEmpty()) continue;
      if (direct && s.affinity != null && s.affinity != worker) continue;
      ready.add(s);
    }
    if (ready.isEmpty()) {
      return new Decision(null, Long.MAX_VALUE);
    }
    ready.sort(Comparator.comparingLong(s -> s.pending.peek().arrivalNanos()));
    List<Sequence> chosen = new ArrayList<>();
    long rows = 0;
    for (Sequence s : ready) {
      long r = batching ? ModelInstance.batchSize(s.pending.peek()) : 1;
      if (rows + r > maxRows) break;
      chosen.add(s);
      rows += r;
    }
    if (chosen.isEmpty()) {
      chosen.add(ready.get(0));
    }
    long oldest = chosen.get(0).pending.peek().arrivalNanos();
    boolean full = rows >= maxRows || chosen.size() < ready.size();
    boolean preferredHit = false;
    for (long p : preferred) preferredHit |= p == rows;
    if (!full && !preferredHit && maxDelayNanos > 0 && now - oldest < maxDelayNanos) {
      return new Decision(null, oldest + maxDelayNanos);
    }
    List<PendingRequest> batch = new ArrayList<>(chosen.size());
    for (Sequence s : chosen) {
      PendingRequest request = s.pending.poll();
      admission.release(request);
      s.running = true;
      if (direct) s.affinity = worker;
      prepare(request, s);
      batch.add(request);
    }
    return new Decision(batch, 0);
  }

  /** Releases sequences idle too long; returns when the next one would expire. Under the lock. */
  private long releaseIdle(long now) {
    long next = Long.MAX_VALUE;
    for (Iterator<Sequence> it = sequences.values().iterator(); it.hasNext(); ) {
      Sequence s = it.next();
      if (s.running || !s.pending.isEmpty()) continue;
      long expiry = s.lastActivity + idleNanos;
      if (now - expiry >= 0) {
        it.remove();
      } else {
        next = Math.min(next, expiry);
      }
    }
    return next;
  }

  /** Adds control and state inputs to a request about to run, and watches its outputs. Under the lock. */
  private void prepare(PendingRequest request, Sequence sequence) {
    boolean start = request.request().sequenceStart();
    if (start) {
      sequence.state.clear();
      for (StateSpec spec : states) sequence.state.put(spec.input(), spec.initial());
    }
    Map<String, Tensor> inputs = request.inputs();
    for (ControlTensor control : controls) {
      Tensor value = switch (control.kind()) {
        case CONTROL_SEQUENCE_START -> start ? control.on() : control.off();
        case CONTROL_SEQUENCE_END -> request.request().sequenceEnd() ? control.on() : control.off();
        case CONTROL_SEQUENCE_READY -> control.on();
        case CONTROL_SEQUENCE_CORRID -> correlationTensor(control.type(), sequence.id);
        case UNRECOGNIZED -> throw new IllegalStateException("unrecognized control kind");
      };
      inputs.put(control.input(), value);
    }
    for (StateSpec spec : states) {
      inputs.put(spec.input(), sequence.state.get(spec.input()));
    }
    request.intercept(new PendingRequest.Interceptor() {
      @Override
      public Map<String, Tensor> outputs(PendingRequest r, Map<String, Tensor> outputs) {
        if (states.isEmpty()) return outputs;
        Map<String, Tensor> visible = new LinkedHashMap<>(outputs);
        lock.lock();
        try {
          for (StateSpec spec : states) {
            Tensor next = visible.remove(spec.output());
            // Copied: an output may share the request's input memory, which its caller reuses once released.
            if (next != null) {
              sequence.state.put(spec.input(), ArrayCodec.copyOf(next));
              TensorShares.release(next);
            }
          }
        } finally {
          lock.unlock();
        }
        return visible;
      }

      @Override
      public void finished(PendingRequest r, boolean success) {
        lock.lock();
        try {
          sequence.running = false;
          sequence.lastActivity = System.nanoTime();
          if (r.request().sequenceEnd() && sequence.pending.isEmpty() && sequences.get(sequence.id) == sequence) {
            sequences.remove(sequence.id);
          }
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }, stateOutputs);
  }

  private Tensor correlationTensor(DataType type, Object id) {
    long[] shape = batching ? new long[] {1, 1} : new long[] {1};
    if (type == DataType.BYTES) {
      return Tensor.of(new String[] {String.valueOf(id)}, shape);
    }
    if (!(id instanceof Long value)) {
      throw new NereidException.InvalidArgument("model '" + modelName + "' takes numeric correlation IDs (CORRID is "
          + type + "), got the string '" + id + "'");
    }
    return Tensor.fromArray(List.of(value), type).reshape(shape);
  }

  // --- config

  private static List<ControlTensor> controls(String model, ModelSequenceBatching config, boolean batching) {
    long[] shape = batching ? new long[] {1, 1} : new long[] {1};
    List<ControlTensor> out = new ArrayList<>();
    for (ModelSequenceBatching.ControlInput input : config.getControlInputList()) {
      for (Control c : input.getControlList()) {
        if (c.getKind() == Control.Kind.CONTROL_SEQUENCE_CORRID) {
          DataType type = DataType.fromConfigNumber(c.getDataTypeValue());
          out.add(new ControlTensor(input.getName(), c.getKind(), type, null, null));
          continue;
        }
        Tensor off;
        Tensor on;
        if (c.getInt32FalseTrueCount() == 2) {
          off = Tensor.of(new int[] {c.getInt32FalseTrue(0)}, shape);
          on = Tensor.of(new int[] {c.getInt32FalseTrue(1)}, shape);
        } else if (c.getFp32FalseTrueCount() == 2) {
          off = Tensor.of(new float[] {c.getFp32FalseTrue(0)}, shape);
          on = Tensor.of(new float[] {c.getFp32FalseTrue(1)}, shape);
        } else if (c.getBoolFalseTrueCount() == 2) {
          off = Tensor.of(new boolean[] {c.getBoolFalseTrue(0)}, shape);
          on = Tensor.of(new boolean[] {c.getBoolFalseTrue(1)}, shape);
        } else {
          throw new NereidException.InvalidArgument("model '" + model + "': control input '" + input.getName() + "' ("
              + c.getKind() + ") needs exactly two values in int32_false_true, fp32_false_true or bool_false_true");
        }
        out.add(new ControlTensor(input.getName(), c.getKind(), off.dataType(), off, on));
      }
    }
    return List.copyOf(out);
  }

  private static List<StateSpec> states(String model, ModelSequenceBatching config, Path modelDirectory,
      boolean batching) {
    List<StateSpec> out = new ArrayList<>();
    for (ModelSequenceBatching.State s : config.getStateList()) {
      DataType type = DataType.fromConfigNumber(s.getDataTypeValue());
      long[] dims;
      ByteBuffer data;
      if (s.getInitialStateCount() > 0) {
        ModelSequenceBatching.InitialState init = s.getInitialState(0);
        dims = init.getDimsList().stream().mapToLong(Long::longValue).toArray();
        data = initialData(model, s, init, type, dims, modelDirectory);
      } else {
        dims = s.getDimsList().stream().mapToLong(Long::longValue).toArray();
        for (long d : dims) {
          if (d < 0) {
            throw new NereidException.InvalidArgument("model '" + model + "': state '" + s.getInputName()
                + "' has variable dims " + Shapes.format(dims) + "; give an initial_state with fixed dims");
          }
        }
        data = zeros(type, Shapes.elementCount(dims));
      }
      long[] shape = dims;
      if (batching) {
        shape = new long[dims.length + 1];
        shape[0] = 1;
        System.arraycopy(dims, 0, shape, 1, dims.length);
      }
      out.add(new StateSpec(s.getInputName(), s.getOutputName(), Tensor.of(type, shape, data)));
    }
    return List.copyOf(out);
  }

  private static ByteBuffer initialData(String model, ModelSequenceBatching.State s,
      ModelSequenceBatching.InitialState init, DataType type, long[] dims, Path modelDirectory) {
    if (init.hasDataFile()) {
      Path folder = modelDirectory.resolve("initial_state");
      Path file = folder.resolve(init.getDataFile()).normalize();
      if (!file.startsWith(folder)) {
        throw new NereidException.InvalidArgument("model '" + model + "': initial_state data_file of state '"
            + s.getInputName() + "' must be inside the model's initial_state folder");
      }
      try {
        byte[] bytes = Files.readAllBytes(file);
        return ArrayCodec.allocate(bytes.length).put(bytes).flip();
      } catch (IOException e) {
        throw new NereidException.InvalidArgument("model '" + model + "': cannot read initial_state data_file for state '"
            + s.getInputName() + "': " + e.getMessage(), e);
      }
    }
    return zeros(type, Shapes.elementCount(dims));
  }

  private static ByteBuffer zeros(DataType type, long elements) {
    if (type == DataType.BYTES) {
      return ArrayCodec.allocate(elements * 4);
    }
    return ArrayCodec.allocate(elements * type.byteSize());
  }
}
