package dev.nereid.testing;

import dev.nereid.Tensor;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A test backend, found through ServiceLoader like any plugin: identity semantics (every INPUTn comes
 * back as OUTPUTn, through the batch helpers), but each execution first waits for the test to open
 * its gate, and records which requests it ran together. Lets tests control exactly when an instance
 * is busy, without sleeps.
 */
public final class GateBackend implements Backend {
  private static final Map<String, Gate> GATES = new ConcurrentHashMap<>();

  /** The gate of a model, created closed. */
  public static Gate gate(String model) {
    return GATES.computeIfAbsent(model, m -> new Gate());
  }

  /** One model's gate and the batches it let through. */
  public static final class Gate {
    private final Semaphore permits = new Semaphore(0);
    private final Semaphore entered = new Semaphore(0);
    private final List<List<String>> batches = new CopyOnWriteArrayList<>();
    private final Map<String, java.util.concurrent.CountDownLatch> holds = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.CountDownLatch> exits = new ConcurrentHashMap<>();
    private volatile boolean holdById;

    /** From now on each execution waits for {@link #release(String)} of its first request's id instead. */
    public void holdById() {
      holdById = true;
    }

    /** Lets the execution whose first request has this id run. */
    public void release(String id) {
      hold(id).countDown();
    }

    /** Waits until the execution whose first request has this id has returned. */
    public void awaitExited(String id) throws InterruptedException {
      if (!exit(id).await(10, TimeUnit.SECONDS)) throw new AssertionError(id + " did not finish in 10 s");
    }

    private java.util.concurrent.CountDownLatch hold(String id) {
      return holds.computeIfAbsent(id, k -> new java.util.concurrent.CountDownLatch(1));
    }

    private java.util.concurrent.CountDownLatch exit(String id) {
      return exits.computeIfAbsent(id, k -> new java.util.concurrent.CountDownLatch(1));
    }

    /** Lets n more executions run. */
    public void open(int n) {
      permits.release(n);
    }

    /** Lets every execution run from now on. */
    public void openWide() {
      permits.release(1_000_000);
    }

    /** Waits until n executions have entered the backend (and possibly wait at the gate). */
    public void awaitEntered(int n) throws InterruptedException {
      if (!entered.tryAcquire(n, 10, TimeUnit.SECONDS)) {
        throw new AssertionError("fewer than " + n + " executions entered the gate in 10 s");
      }
      entered.release(n);
    }

    /** The request ids of each execution, in order. */
    public List<List<String>> batches() {
      return List.copyOf(batches);
    }

    /** The batch size of each execution (requests per execution). */
    public List<Integer> sizes() {
      return batches.stream().map(List::size).toList();
    }
  }

  @Override
  public String name() {
    return "gate";
  }

  @Override
  public BackendModel load(ModelContext context) {
    Gate gate = gate(context.name());
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return batch -> {
          List<String> ids = new ArrayList<>();
          for (BackendRequest r : batch.requests()) ids.add(r.id());
          gate.batches.add(ids);
          gate.entered.release();
          if (gate.holdById) {
            gate.hold(ids.get(0)).await();
          } else {
            gate.permits.acquire();
          }
          Map<String, Tensor> outputs = new LinkedHashMap<>();
          for (var input : context.config().getInputList()) {
            Tensor t = batch.input(input.getName());
            if (t != null) outputs.put(input.getName().replace("INPUT", "OUTPUT"), t);
          }
          batch.respond(outputs);
          gate.exit(ids.get(0)).countDown();
        };
      }
    };
  }
}
