package dev.nereid.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nereid.ErrorCode;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.MetricFamily;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.RequestTimeline;
import dev.nereid.Tensor;
import dev.nereid.python.FrameChannel.Frame;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ModelContext;
import dev.nereid.spi.ResponseFlag;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running stub process and its socket: sends batches, reads what the stub sends back (responses,
 * business-logic-scripting calls, log lines, metrics) on a reader thread of its own, and answers every
 * request in flight with an error if the process dies.
 */
final class Stub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Stub.class);
  /** Where models' {@code pb_utils.Logger} lines and {@code print}s go. */
  static final Logger MODEL_LOG = LoggerFactory.getLogger("dev.nereid.python.model");
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

  private final ModelContext context;
  private final String label;
  private final PythonSettings settings;
  private final Process process;
  private final FrameChannel channel;
  private final StubOutput output;
  private final SharedMemory shm;
  private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong batchIds = new AtomicLong();
  private final CompletableFuture<Void> finalized = new CompletableFuture<>();
  private final Map<String, MetricFamily> metricFamilies = new ConcurrentHashMap<>();
  private final Map<String, MetricFamily.Metric> metrics = new ConcurrentHashMap<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean dead;
  private Thread reader;

  private Stub(ModelContext context, String label, PythonSettings settings, Process process, FrameChannel channel,
      StubOutput output, SharedMemory shm) {
    this.context = context;
    this.label = label;
    this.settings = settings;
    this.process = process;
    this.channel = channel;
    this.output = output;
    this.shm = shm;
  }

  /**
   * Starts a stub for one instance and runs the model's {@code initialize}.
   *
   * @throws NereidException.Unavailable when the interpreter cannot run, or loading or initializing the
   *     model fails (the reason holds the last line of the Python traceback)
   */
  static Stub start(ModelContext context, String instanceName, String kind, int device, PythonSettings settings) {
    Stub stub = launch(context, instanceName, settings);
    try {
      ObjectNode init = stub.firstMessage("init");
      ObjectNode args = init.putObject("args");
      args.put("model_config", dev.nereid.internal.config.ModelConfigs.toJson(context.config()));
      args.put("model_instance_kind", kind.startsWith("KIND_") ? kind.substring(5) : kind);
      args.put("model_instance_name", instanceName);
      args.put("model_instance_device_id", Integer.toString(Math.max(device, 0)));
      args.put("model_repository", context.modelDirectory().toString());
      args.put("model_version", Long.toString(context.version()));
      args.put("model_name", context.name());
      Frame reply = stub.handshake(init);
      if (!"ready".equals(reply.op())) {
        throw stub.failure(reply, "initialize failed");
      }
    } catch (RuntimeException e) {
      stub.kill();
      stub.cleanUp();
      throw e;
    }
    stub.reader = Thread.ofPlatform().daemon().name("nereid-python-" + instanceName).start(stub::readLoop);
    return stub;
  }

  /** Runs the model's static {@code auto_complete_config} in a stub of its own; returns the config as JSON. */
  static String autoComplete(ModelContext context, String configJson, PythonSettings settings) {
    Stub stub = launch(context, context.name() + "_autocomplete", settings);
    try {
      ObjectNode message = stub.firstMessage("auto_complete");
      message.put("config", configJson);
      Frame reply = stub.handshake(message);
      if (!"auto_complete_done".equals(reply.op())) {
        throw stub.failure(reply, "auto_complete_config failed");
      }
      return reply.header().path("config").asText();
    } finally {
      try {
        stub.process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stub.kill();
      stub.cleanUp();
    }
  }

  private ObjectNode firstMessage(String op) {
    ObjectNode m = FrameChannel.JSON.createObjectNode();
    m.put("op", op);
    m.put("model_file", context.modelFile(PythonBackend.MODEL_FILE).toString());
    m.put("model_name", context.name());
    m.put("shm_folder", shm.folder().toString());
    m.put("shm_prefix", shm.prefix());
    return m;
  }

  private Frame handshake(ObjectNode message) {
    try {
      channel.write(message);
      while (true) {
        Frame frame = channel.read();
        switch (frame.op()) {
          case "ready", "failed", "auto_complete_done" -> {
            return frame;
          }
          // initialize may log, register metrics and call other models before it is done
          default -> dispatch(frame);
        }
      }
    } catch (IOException e) {
      throw new NereidException.Unavailable(exitReason("the Python stub exited while loading the model"), e);
    }
  }

  private NereidException failure(Frame reply, String what) {
    if ("failed".equals(reply.op())) {
      String traceback = reply.header().path("traceback").asText();
      log.warn("model '{}' ({}): {}:\n{}", context.name(), label, what, traceback);
      return new NereidException.Unavailable("model '" + context.name() + "': " + what + " in the Python stub: "
          + reply.header().path("error").asText());
    }
    return new NereidException.Internal("model '" + context.name() + "': the Python stub answered '" + reply.op() + "'");
  }

  private static Stub launch(ModelContext context, String label, PythonSettings settings) {
    Path dir;
    try {
      dir = Files.createTempDirectory("nereid-py");
    } catch (IOException e) {
      throw new NereidException.Internal("cannot create a folder for the Python stub's socket: " + e.getMessage(), e);
    }
    Path socket = dir.resolve("s");
    Process process = null;
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      server.configureBlocking(false);
      ProcessBuilder builder = new ProcessBuilder(settings.interpreter(), StubScripts.stub().toString(), socket.toString(), label)
          .redirectErrorStream(true);
      builder.environment().put("PYTHONUNBUFFERED", "1");
      builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new NereidException.Unavailable("model '" + context.name() + "': cannot start the Python interpreter '"
            + settings.interpreter() + "' (" + e.getMessage() + "); the python backend needs python3 with numpy, "
            + "or an interpreter named by --backend-config python,interpreter=<path> or the model's "
            + PythonSettings.EXECUTION_ENV_PATH + " parameter", e);
      }
      StubOutput output = new StubOutput(process, MODEL_LOG, label);
      long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
      SocketChannel accepted;
      while ((accepted = server.accept()) == null) {
        if (!process.isAlive()) {
          String last = output.lastLine();
          String hint = last.contains("No module named 'numpy'") ? " (the python backend needs numpy in '"
              + settings.interpreter() + "')" : "";
          throw new NereidException.Unavailable("model '" + context.name() + "': the Python stub ('"
              + settings.interpreter() + "') exited with code " + process.exitValue() + " before it started: " + last + hint);
        }
        if (System.nanoTime() - deadline > 0) {
          throw new NereidException.Unavailable("model '" + context.name() + "': the Python stub did not connect within "
              + CONNECT_TIMEOUT.toSeconds() + " s");
        }
        Thread.sleep(2);
      }
      accepted.configureBlocking(true);
      // The server's process id in the name tells an operator (and a test) whose segments are in /dev/shm.
      SharedMemory shm = new SharedMemory(settings.shmFolder(),
          "nereid-py-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
      return new Stub(context, label, settings, process, new FrameChannel(accepted), output, shm);
    } catch (IOException e) {
      if (process != null) process.destroyForcibly();
      throw new NereidException.Unavailable("model '" + context.name() + "': cannot start the Python stub: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      if (process != null) process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new NereidException.Unavailable("interrupted while starting the Python stub", e);
    } catch (RuntimeException e) {
      if (process != null) process.destroyForcibly();
      throw e;
    } finally {
      try {
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // A temp file left behind is harmless.
      }
    }
  }

  boolean dead() {
    return dead;
  }

  // ---- execute

  /** Sends a batch to the stub; the returned handle says when {@code execute} may return. */
  InFlight submit(List<BackendRequest> requests) throws IOException {
    long id = batchIds.incrementAndGet();
    List<ByteBuffer> payload = new ArrayList<>();
    List<SharedMemory.Segment> segments = new ArrayList<>();
    TensorWire.Writer writer = new TensorWire.Writer(shm, payload, segments);
    ObjectNode header = FrameChannel.JSON.createObjectNode();
    header.put("op", "execute");
    header.put("batch", id);
    var list = header.putArray("requests");
    InFlight batch = new InFlight(id, requests, segments);
    try {
      for (BackendRequest r : requests) {
        ObjectNode o = list.addObject();
        if (!r.id().isEmpty()) o.put("id", r.id());
        Object corr = r.correlationId();
        if (corr instanceof Long l) o.put("corr", l);
        else if (corr != null) o.put("corr", corr.toString());
        int flags = (r.sequenceStart() ? 1 : 0) | (r.sequenceEnd() ? 2 : 0);
        if (flags != 0) o.put("flags", flags);
        if (!r.parameters().isEmpty()) o.set("params", FrameChannel.JSON.valueToTree(r.parameters()));
        if (!r.requestedOutputs().isEmpty()) {
          var outs = o.putArray("outputs");
          r.requestedOutputs().forEach(outs::add);
        }
        writer.encode(o.putArray("inputs"), r.inputs());
      }
    } catch (IOException | RuntimeException e) {
      segments.forEach(shm::release);
      throw e;
    }
    inFlight.put(id, batch);
    if (dead) {
      batch.failRemaining(deathError());
    } else {
      channel.write(header, payload);
    }
    return batch;
  }

  /** A batch sent to the stub, until every request has its final response and the stub's execute returned. */
  final class InFlight {
    private final long id;
    private final List<BackendRequest> requests;
    private final List<SharedMemory.Segment> segments;
    /** Completes when the instance's execute may return: the stub finished it, yielded it, or died. */
    final CompletableFuture<Void> returned = new CompletableFuture<>();
    private volatile boolean executeDone;
    private final AtomicBoolean released = new AtomicBoolean();

    InFlight(long id, List<BackendRequest> requests, List<SharedMemory.Segment> segments) {
      this.id = id;
      this.requests = requests;
      this.segments = segments;
    }

    List<BackendRequest> requests() {
      return requests;
    }

    void executeDone(ObjectNode header, ByteBuffer payload) {
      JsonNode error = header.get("error");
      if (error != null && !error.isNull()) {
        failRemaining(new NereidException.Internal("Failed to process the request(s) for model '" + context.name()
            + "' (instance '" + label + "'): " + error.asText()));
      } else {
        JsonNode responses = header.get("responses");
        if (responses != null) {
          for (int i = 0; i < responses.size() && i < requests.size(); i++) {
            respond(i, responses.get(i), payload, true);
          }
        }
      }
      executeDone = true;
      returned.complete(null);
      maybeRelease();
    }

    void respond(int index, JsonNode response, ByteBuffer payload, boolean isFinal) {
      BackendRequest request = requests.get(index);
      JsonNode error = response.get("error");
      try {
        if (error != null && !error.isNull()) {
          request.responder().fail(NereidException.of(errorCode(error.path("code").asInt(1)),
              error.path("message").asText()));
        } else {
          Map<String, Tensor> outputs = new LinkedHashMap<>();
          for (JsonNode desc : response.path("outputs")) {
            outputs.put(desc.path("name").asText(), TensorWire.decode(desc, payload, shm, true));
            freeIfStubs(desc);
          }
          Map<String, Object> parameters = parameters(response.get("params"));
          if (outputs.isEmpty() && parameters.isEmpty() && isFinal && PythonModel.decoupled(context.config())) {
            request.responder().complete();
          } else {
            request.responder().send(outputs, parameters, isFinal ? ResponseFlag.FINAL : ResponseFlag.MORE);
          }
        }
      } catch (IOException | RuntimeException e) {
        request.responder().fail(new NereidException.Internal("model '" + context.name()
            + "': cannot read a response of the Python stub: " + e.getMessage(), e));
      }
      if (isFinal) maybeRelease();
    }

    void failRemaining(NereidException error) {
      for (BackendRequest r : requests) {
        if (!r.responder().isComplete()) r.responder().fail(error);
      }
      maybeRelease();
    }

    private void maybeRelease() {
      if (!executeDone && !dead) return;
      for (BackendRequest r : requests) {
        if (!r.responder().isComplete()) return;
      }
      if (released.compareAndSet(false, true)) {
        inFlight.remove(id);
        segments.forEach(shm::release);
      }
    }
  }

  private static ErrorCode errorCode(int code) {
    ErrorCode[] codes = ErrorCode.values();
    return code >= 0 && code < codes.length ? codes[code] : ErrorCode.INTERNAL;
  }

  private static Map<String, Object> parameters(JsonNode params) {
    if (params == null || !params.isObject() || params.isEmpty()) return Map.of();
    Map<String, Object> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isBoolean()) out.put(e.getKey(), v.booleanValue());
      else if (v.isIntegralNumber()) out.put(e.getKey(), v.longValue());
      else if (v.isNumber()) out.put(e.getKey(), v.doubleValue());
      else out.put(e.getKey(), v.isTextual() ? v.textValue() : v.toString());
    }
    return out;
  }

  private void freeIfStubs(JsonNode desc) throws IOException {
    if (desc.has("shm") && !shm.owns(desc.get("shm").asText())) {
      ObjectNode free = FrameChannel.JSON.createObjectNode();
      free.put("op", "free");
      free.put("path", desc.get("shm").asText());
      channel.write(free);
    }
  }

  // ---- what the stub sends

  private void readLoop() {
    try {
      while (true) {
        Frame frame = channel.read();
        try {
          dispatch(frame);
        } catch (IOException | RuntimeException e) {
          log.warn("model '{}' ({}): cannot handle the stub's '{}' message", context.name(), label, frame.op(), e);
        }
      }
    } catch (IOException e) {
      died();
    }
  }

  private void dispatch(Frame frame) throws IOException {
    ObjectNode h = frame.header();
    switch (frame.op()) {
      case "execute_done" -> {
        InFlight b = inFlight.get(h.path("batch").asLong());
        if (b != null) b.executeDone(h, frame.payload());
      }
      case "response" -> {
        InFlight b = inFlight.get(h.path("batch").asLong());
        if (b != null) b.respond(h.path("req").asInt(), h, frame.payload(), h.path("final").asBoolean());
      }
      case "bls" -> bls(h, frame.payload());
      case "is_cancelled" -> {
        InFlight b = inFlight.get(h.path("batch").asLong());
        int index = h.path("req").asInt();
        boolean cancelled = b == null || b.requests().get(index).isCancelled();
        reply(h, FrameChannel.JSON.getNodeFactory().booleanNode(cancelled));
      }
      case "log" -> log(h.path("level").asText(), h.path("msg").asText());
      case "metric_new" -> metricNew(h);
      case "metric" -> metric(h);
      case "free" -> shm.release(h.path("path").asText());
      case "finalize_done" -> finalized.complete(null);
      default -> log.warn("model '{}' ({}): unknown message '{}' from the stub", context.name(), label, frame.op());
    }
  }

  private void reply(ObjectNode call, JsonNode value) throws IOException {
    ObjectNode r = FrameChannel.JSON.createObjectNode();
    r.put("op", "reply");
    r.put("call", call.path("call").asLong());
    r.set("value", value);
    channel.write(r);
  }

  private void log(String level, String message) {
    switch (level) {
      case "ERROR" -> MODEL_LOG.error("[{}] {}", context.name(), message);
      case "WARNING" -> MODEL_LOG.warn("[{}] {}", context.name(), message);
      case "VERBOSE" -> MODEL_LOG.debug("[{}] {}", context.name(), message);
      default -> MODEL_LOG.info("[{}] {}", context.name(), message);
    }
  }

  /** Creates a metric for {@code pb_utils.MetricFamily.Metric()}; answers null, or the error pb_utils raises. */
  private void metricNew(ObjectNode h) throws IOException {
    try {
      Labelled m = labelled(h);
      JsonNode buckets = h.get("buckets");
      MetricFamily.Metric metric;
      if (buckets != null && buckets.isArray()) {
        List<Double> bounds = new ArrayList<>();
        buckets.forEach(b -> bounds.add(b.asDouble()));
        metric = m.family().histogram(bounds, m.values());
      } else {
        metric = m.family().metric(m.values());
      }
      metrics.put(metricKey(h), metric);
      reply(h, FrameChannel.JSON.nullNode());
    } catch (RuntimeException e) {
      // Answered whatever went wrong: the model's thread waits for this reply.
      replyError(h, e);
    }
  }

  /** Updates a metric (unanswered: pb_utils already refused what is wrong for the kind), or reads its value. */
  private void metric(ObjectNode h) throws IOException {
    String action = h.path("action").asText();
    try {
      MetricFamily.Metric metric = metrics.get(metricKey(h));
      if (metric == null) {
        throw new NereidException.NotFound("metric family '" + h.path("family").asText() + "' has no metric with labels "
            + h.path("labels") + " in this instance");
      }
      double value = h.path("value").asDouble();
      switch (action) {
        case "increment" -> metric.increment(value);
        case "set" -> metric.set(value);
        case "observe" -> metric.observe(value);
        default -> reply(h, FrameChannel.JSON.getNodeFactory().numberNode(metric.value()));
      }
    } catch (RuntimeException e) {
      if ("value".equals(action)) {
        replyError(h, e);
      } else {
        log.warn("model '{}' ({}): metric '{}' {}: {}", context.name(), label, h.path("family").asText(), action,
            e.getMessage());
      }
    }
  }

  /** The family's name and the labels as pb_utils sends them (sorted by name), which name one metric. */
  private static String metricKey(ObjectNode h) {
    return h.path("family").asText() + h.path("labels");
  }

  private record Labelled(MetricFamily family, String[] values) {}

  private Labelled labelled(ObjectNode h) {
    String name = h.path("family").asText();
    List<String> labelNames = new ArrayList<>();
    List<String> labelValues = new ArrayList<>();
    h.path("labels").fields().forEachRemaining(e -> {
      labelNames.add(e.getKey());
      labelValues.add(e.getValue().asText());
    });
    MetricFamily.Kind kind = MetricFamily.Kind.valueOf(h.path("kind").asText().toUpperCase(Locale.ROOT));
    MetricFamily family = metricFamilies.computeIfAbsent(name, n -> context.server().metricFamily(
        kind, n, h.path("description").asText(), labelNames.toArray(String[]::new)));
    if (family.kind() != kind || !family.labelNames().equals(labelNames)) {
      throw new NereidException.AlreadyExists("metric family '" + name + "' exists as a "
          + family.kind().name().toLowerCase(Locale.ROOT) + " with labels " + family.labelNames()
          + ", got a " + kind.name().toLowerCase(Locale.ROOT) + " with labels " + labelNames);
    }
    return new Labelled(family, labelValues.toArray(String[]::new));
  }

  private void replyError(ObjectNode call, RuntimeException e) throws IOException {
    ObjectNode error = FrameChannel.JSON.createObjectNode();
    error.put("error", e.getMessage());
    reply(call, error);
  }

  // ---- business logic scripting: a model's InferenceRequest.exec() through the in-process API

  /**
   * The timeline a BLS request continues: the received request the model named with
   * {@code trace=request.trace()}, else the first traced request of the batch the model was executing.
   */
  private RequestTimeline parentTimeline(ObjectNode h) {
    JsonNode trace = h.get("trace");
    if (trace != null && trace.isArray() && trace.size() == 2) {
      InFlight batch = inFlight.get(trace.get(0).asLong());
      int index = trace.get(1).asInt();
      if (batch != null && index >= 0 && index < batch.requests().size()) return batch.requests().get(index).timeline();
      return RequestTimeline.NONE;
    }
    JsonNode caller = h.get("caller");
    InFlight batch = caller == null ? null : inFlight.get(caller.asLong());
    if (batch == null) return RequestTimeline.NONE;
    for (BackendRequest r : batch.requests()) {
      if (r.timeline() != RequestTimeline.NONE) return r.timeline();
    }
    return RequestTimeline.NONE;
  }

  private void bls(ObjectNode h, ByteBuffer payload) {
    long call = h.path("call").asLong();
    if (h.has("yield")) {
      // The stub's main thread now waits for this call, serving further batches while it waits: let the
      // instance take them, so a model that calls itself (or is called back) does not deadlock.
      InFlight waiting = inFlight.get(h.get("yield").asLong());
      if (waiting != null) waiting.returned.complete(null);
    }
    List<String> stubSegments = new ArrayList<>();
    Runnable free = () -> {
      for (String path : stubSegments) {
        try {
          ObjectNode m = FrameChannel.JSON.createObjectNode();
          m.put("op", "free");
          m.put("path", path);
          channel.write(m);
        } catch (IOException ignored) {
          // The stub is gone, and its segments with it.
        }
      }
    };
    String modelName = h.path("model").asText();
    InferenceRequest request;
    try {
      InferenceRequest.Builder b = InferenceRequest.builder();
      if (!h.path("id").asText().isEmpty()) b.requestId(h.path("id").asText());
      JsonNode corr = h.get("corr");
      if (corr != null && corr.isIntegralNumber()) b.correlationId(corr.asLong());
      else if (corr != null && corr.isTextual()) b.correlationId(corr.asText());
      int flags = h.path("flags").asInt();
      b.sequenceStart((flags & 1) != 0).sequenceEnd((flags & 2) != 0);
      long timeout = h.path("timeout").asLong();
      if (timeout > 0) b.timeoutMicros(timeout);
      parameters(h.get("params")).forEach((k, v) -> {
        switch (v) {
          case Long l -> b.parameter(k, l);
          case Double d -> b.parameter(k, d);
          case Boolean bool -> b.parameter(k, bool);
          default -> b.parameter(k, v.toString());
        }
      });
      for (JsonNode o : h.path("outputs")) b.output(o.asText());
      for (JsonNode desc : h.path("inputs")) {
        b.input(desc.path("name").asText(), TensorWire.decode(desc, payload, shm, false));
        if (desc.has("shm")) stubSegments.add(desc.get("shm").asText());
      }
      b.releaseCallback(free);
      b.timeline(parentTimeline(h).child());
      request = b.build();
    } catch (IOException | RuntimeException e) {
      free.run();
      sendBlsError(call, e instanceof NereidException ne ? ne
          : new NereidException.InvalidArgument("BLS request to model '" + modelName + "': " + e.getMessage(), e));
      return;
    }
    Model model;
    try {
      model = context.server().model(modelName, h.path("version").asLong(-1));
    } catch (NereidException e) {
      free.run();
      sendBlsError(call, e);
      return;
    }
    if (h.path("decoupled").asBoolean()) {
      model.inferStream(request).subscribe(new Flow.Subscriber<>() {
        @Override public void onSubscribe(Flow.Subscription s) {
          s.request(Long.MAX_VALUE);
        }

        @Override public void onNext(InferenceResponse r) {
          sendBlsResponse(call, r);
        }

        @Override public void onError(Throwable t) {
          sendBlsError(call, asNereid(t));
        }

        @Override public void onComplete() {}
      });
    } else {
      model.inferAsync(request).whenComplete((r, t) -> {
        if (t != null) sendBlsError(call, asNereid(t));
        else sendBlsResponse(call, r);
      });
    }
  }

  private static NereidException asNereid(Throwable t) {
    Throwable cause = t instanceof CompletionException || t instanceof ExecutionException ? t.getCause() : t;
    return cause instanceof NereidException ne ? ne : new NereidException.Internal(String.valueOf(cause.getMessage()), cause);
  }

  private void sendBlsError(long call, NereidException error) {
    ObjectNode h = FrameChannel.JSON.createObjectNode();
    h.put("op", "bls_response");
    h.put("call", call);
    h.put("final", true);
    ObjectNode e = h.putObject("error");
    e.put("message", error.getMessage());
    e.put("code", error.code().ordinal());
    try {
      channel.write(h);
    } catch (IOException ignored) {
      // The stub is gone: nobody waits for this answer.
    }
  }

  private void sendBlsResponse(long call, InferenceResponse response) {
    if (response.error().isPresent()) {
      sendBlsError(call, response.error().get());
      return;
    }
    ObjectNode h = FrameChannel.JSON.createObjectNode();
    h.put("op", "bls_response");
    h.put("call", call);
    h.put("final", response.isFinal());
    if (!response.parameters().isEmpty()) h.set("params", FrameChannel.JSON.valueToTree(response.parameters()));
    List<ByteBuffer> payload = new ArrayList<>();
    List<SharedMemory.Segment> segments = new ArrayList<>();
    try {
      new TensorWire.Writer(shm, payload, segments).encode(h.putArray("outputs"), response.outputs());
      channel.write(h, payload);
    } catch (IOException | RuntimeException e) {
      segments.forEach(shm::release);
      if (!dead) sendBlsError(call, new NereidException.Internal("cannot pass a BLS response to the stub: " + e.getMessage(), e));
    }
  }

  // ---- the end

  private void died() {
    dead = true;
    finalized.complete(null);
    if (closing.get() && inFlight.isEmpty()) return;
    NereidException error = deathError();
    log.warn("{}", error.getMessage());
    for (InFlight b : List.copyOf(inFlight.values())) {
      b.failRemaining(error);
      b.returned.complete(null);
    }
  }

  private NereidException deathError() {
    return new NereidException.Internal(exitReason("the Python stub of model '" + context.name() + "' (instance '" + label
        + "') exited while running requests; the instance restarts its stub for the next requests"));
  }

  private String exitReason(String what) {
    String code;
    try {
      code = process.waitFor(2, TimeUnit.SECONDS) ? describeExit(process.exitValue()) : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = "unknown";
    }
    String last = output.lastLine();
    return what + " (" + code + ")" + (last.isEmpty() ? "" : ": " + last);
  }

  private static String describeExit(int code) {
    return code > 128 ? "killed by signal " + (code - 128) : "exit code " + code;
  }

  /** Kills the process at once; requests in flight get their error from the reader thread. */
  void kill() {
    process.destroyForcibly();
  }

  /**
   * Runs the model's {@code finalize} and waits for the stub to exit, for at most the server's exit
   * timeout; then kills it. Never hangs on a stuck stub.
   */
  @Override
  public void close() {
    closing.set(true);
    if (!dead) {
      try {
        ObjectNode m = FrameChannel.JSON.createObjectNode();
        m.put("op", "finalize");
        channel.write(m);
        finalized.get(settings.exitTimeout().toMillis(), TimeUnit.MILLISECONDS);
        process.waitFor(Math.min(2000, settings.exitTimeout().toMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn("model '{}' ({}): finalize did not end within {} ms; killing the stub", context.name(), label,
            settings.exitTimeout().toMillis());
      } catch (IOException | ExecutionException e) {
        log.debug("model '{}' ({}): the stub went away before finalize", context.name(), label, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    kill();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      if (reader != null) reader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    died();
    cleanUp();
  }

  private void cleanUp() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing a socket whose peer is gone.
    }
    shm.close();
  }
}
