package dev.nereid.internal.ensemble;

import dev.nereid.CallerThread;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.ensemble.EnsembleGraph.Step;
import dev.nereid.internal.scheduler.Continuations;
import dev.nereid.internal.tensor.TensorShares;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ResponseFlag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One ensemble request running through its graph: a step is called (through the composing model's
 * public API, never blocking) as soon as its inputs exist; each response of a decoupled step opens a
 * scope of its own in which the steps downstream run again. The ensemble's outputs are sent as soon
 * as a scope holds them all; the first error ends the request and cancels the calls still running.
 *
 * <p>State changes happen under a lock that is never held while calling a model or sending a response.
 */
final class EnsembleRun {
  private final String ensemble;
  private final EnsembleGraph graph;
  private final List<Model> models;
  private final StepThreads stepThreads;
  private final BackendRequest request;
  private final ReentrantLock lock = new ReentrantLock();
  private int running; // calls started and not finished
  private boolean ended; // the final response or error was sent
  private final List<Runnable> cancels = new ArrayList<>();
  /**
   * The run's own hold on the request's inputs, ended when its last call finishes: the ensemble may
   * answer while steps still read them, and every step takes a hold of its own while the run's lasts.
   */
  private final Runnable inputsHeld;

  /** The tensors of the request, or of one response of a decoupled step, and which steps ran on them. */
  private static final class Scope {
    final int label;
    final Map<String, Tensor> tensors = new HashMap<>();
    final Set<Integer> started = new HashSet<>();
    boolean outputsSent;

    Scope(int label) {
      this.label = label;
    }
  }

  /** A step ready to be called with these inputs (model input name -> tensor), its results going to a scope. */
  private record Call(Scope scope, Step step, Map<String, Tensor> inputs) {}

  /** What a state change asks for once the lock is released. */
  private record Work(List<Call> calls, Map<String, Tensor> outputs) {}

  EnsembleRun(String ensemble, EnsembleGraph graph, List<Model> models, StepThreads stepThreads, BackendRequest request) {
    this.ensemble = ensemble;
    this.graph = graph;
    this.models = models;
    this.stepThreads = stepThreads;
    this.request = request;
    this.inputsHeld = request.holdInputs();
  }

  /** Starts every step whose inputs the request carries. Returns at once. */
  void start() {
    Scope root = new Scope(0);
    Work work;
    lock.lock();
    try {
      request.inputs().forEach((name, tensor) -> {
        if (graph.inputs().contains(name)) root.tensors.put(name, tensor);
      });
      List<Call> calls = new ArrayList<>();
      for (Step step : graph.steps()) {
        if (step.label() == 0) ready(root, step, calls);
      }
      work = new Work(calls, null);
      running++; // held by start itself, so that the request cannot end while its first calls start
    } finally {
      lock.unlock();
    }
    perform(work);
    callFinished();
  }

  /** Adds a call for the step if all its inputs are in the scope and it has not run there yet. */
  private void ready(Scope scope, Step step, List<Call> calls) {
    if (scope.started.contains(step.index())) return;
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (Map.Entry<String, String> in : step.inputMap().entrySet()) {
      Tensor t = scope.tensors.get(in.getValue());
      if (t != null) {
        inputs.put(in.getKey(), t);
      } else if (!(scope.label == 0 && graph.inputs().contains(in.getValue()))) {
        return; // not produced yet (an ensemble input the request left out stays out: an optional input)
      }
    }
    scope.started.add(step.index());
    running++;
    calls.add(new Call(scope, step, inputs));
  }

  private void perform(Work work) {
    if (work.outputs() != null) {
      // A decoupled ensemble sends outputs as each scope completes them, then a final flag at the end.
      request.responder().send(work.outputs(), graph.decoupled() ? ResponseFlag.MORE : ResponseFlag.FINAL);
    }
    // Steps ready together run in parallel, as in Triton: only the last may run on this thread.
    List<Call> calls = work.calls();
    for (int i = 0; i < calls.size(); i++) {
      call(calls.get(i), stepThreads == StepThreads.PRODUCER && i == calls.size() - 1 && Continuations.mayRunSteps()
          ? CallerThread.RUNS_WHEN_IDLE : CallerThread.NEVER_RUNS);
    }
  }

  private void call(Call call, CallerThread here) {
    Step step = call.step();
    if (request.isCancelled()) {
      fail(new NereidException.Cancelled("request '" + request.id() + "' for ensemble '" + ensemble + "' was cancelled"));
      callFinished();
      return;
    }
    InferenceRequest.Builder b = InferenceRequest.builder()
        .requestId(request.id())
        .priority(request.priority())
        .timeoutMicros(request.timeoutMicros())
        .timeline(request.timeline().child());
    Object correlation = request.correlationId();
    if (correlation instanceof Long id) b.correlationId(id);
    else if (correlation instanceof String id) b.correlationId(id);
    if (correlation != null) b.sequenceStart(request.sequenceStart()).sequenceEnd(request.sequenceEnd());
    request.parameters().forEach((k, v) -> {
      switch (v) {
        case String s -> b.parameter(k, s);
        case Long l -> b.parameter(k, l);
        case Double d -> b.parameter(k, d);
        case Boolean bool -> b.parameter(k, bool);
        default -> b.parameter(k, String.valueOf(v));
      }
    });
    call.inputs().forEach(b::input);
    step.outputMap().keySet().forEach(b::output);
    // The step's inputs may be views of the ensemble's (a caller's pooled memory): kept valid until the
    // step's own request is released, which for a cancelled step is when its model is done with them.
    b.releaseCallback(request.holdInputs());
    Model model = models.get(step.index());
    if (step.decoupled()) {
      model.inferStream(b.build()).subscribe(new StepSubscriber(call));
    } else {
      // With RUNS_WHEN_IDLE this thread runs the step itself when its model is idle with nothing queued.
      // The answer is handled on the thread that gives it, once that thread has released the step's
      // instance: it files the outputs and submits the next steps, which may then run on the same thread.
      // The ensemble's own answer reaches its caller through its sink.
      CompletableFuture<InferenceResponse> answer = model.inferAsync(b.build(), Continuations.executor(), here);
      addCancel(() -> answer.cancel(true));
      answer.whenComplete((response, error) -> {
        if (error != null) {
          stepFailed(step, error);
        } else {
          produced(call.scope(), step, response);
        }
        callFinished();
      });
    }
  }

  /** Receives a decoupled step's responses: each opens a scope of its own downstream. */
  private final class StepSubscriber implements Flow.Subscriber<InferenceResponse> {
    private final Call call;

    StepSubscriber(Call call) {
      this.call = call;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      addCancel(subscription::cancel);
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(InferenceResponse response) {
      if (response.outputs().isEmpty() && response.isFinal()) return; // the closing flag
      produced(new Scope(call.step().outputLabel()), call.step(), response);
    }

    @Override
    public void onError(Throwable error) {
      stepFailed(call.step(), error);
      callFinished();
    }

    @Override
    public void onComplete() {
      callFinished();
    }
  }

  /** Puts a step's outputs into the scope and starts what they make ready. */
  private void produced(Scope scope, Step step, InferenceResponse response) {
    for (String name : step.outputMap().keySet()) {
      if (!response.outputs().containsKey(name)) {
        stepFailed(step, new NereidException.Internal("model '" + step.model() + "' returned no output '" + name + "'"));
        return;
      }
    }
    Work work;
    lock.lock();
    try {
      if (ended) return;
      step.outputMap().forEach((output, tensor) -> scope.tensors.put(tensor, response.outputs().get(output)));
      List<Call> calls = new ArrayList<>();
      for (String tensor : step.outputMap().values()) {
        for (Step reader : graph.readers(tensor)) ready(scope, reader, calls);
      }
      Map<String, Tensor> outputs = null;
      if (scope.label == graph.outputLabel() && !scope.outputsSent && scope.tensors.keySet().containsAll(graph.outputs())) {
        scope.outputsSent = true;
        outputs = new LinkedHashMap<>();
        // Later steps may still read these after the caller closes the ensemble's response.
        for (String name : graph.outputs()) outputs.put(name, TensorShares.unpooled(scope.tensors.get(name)));
        if (!graph.decoupled()) ended = true;
      }
      work = new Work(calls, outputs);
    } finally {
      lock.unlock();
    }
    perform(work);
  }

  private void addCancel(Runnable cancel) {
    boolean now;
    lock.lock();
    try {
      now = ended;
      if (!now) cancels.add(cancel);
    } finally {
      lock.unlock();
    }
    if (now) cancel.run();
  }

  /** One call finished; the last one ends the request. */
  private void callFinished() {
    boolean last;
    boolean outputsMissing = false;
    boolean idle;
    lock.lock();
    try {
      idle = --running == 0;
      last = idle && !ended;
      if (last) {
        ended = true;
        outputsMissing = !graph.decoupled();
      }
    } finally {
      lock.unlock();
    }
    if (last) {
      if (outputsMissing) {
        request.responder().fail(new NereidException.Internal("ensemble '" + ensemble + "' finished without producing "
            + "its outputs " + graph.outputs() + ": an optional input it needs was left out"));
      } else {
        request.responder().complete();
      }
    }
    if (idle) inputsHeld.run();
  }

  private void stepFailed(Step step, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    String message = "in ensemble '" + ensemble + "', " + step.describe() + " failed: " + cause.getMessage();
    fail(cause instanceof NereidException e ? NereidException.of(e.code(), message, e)
        : new NereidException.Internal(message, cause));
  }

  private void fail(NereidException error) {
    List<Runnable> toCancel;
    lock.lock();
    try {
      if (ended) return;
      ended = true;
      toCancel = List.copyOf(cancels);
      cancels.clear();
    } finally {
      lock.unlock();
    }
    request.responder().fail(error);
    toCancel.forEach(Runnable::run);
  }
}
