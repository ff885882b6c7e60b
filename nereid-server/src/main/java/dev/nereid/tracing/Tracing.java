package dev.nereid.tracing;

import dev.nereid.NereidException;
import dev.nereid.Server;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's tracing: the trace settings (server-wide and per model), which requests to trace, and
 * where finished traces go. One per {@link Server} ({@link #of}), shared by its front ends; configured
 * from {@code nereid serve --trace-config} ({@link #configure}) and changed at run time through the
 * trace extension ({@link #update}).
 *
 * <p>With tracing off, {@link #start} costs one volatile read and returns null: untraced requests
 * carry {@link dev.nereid.RequestTimeline#NONE}.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);
  private static final Map<Server, Tracing> BY_SERVER = new WeakHashMap<>();
  static final String DEFAULT_URL = "http://localhost:4318/v1/traces";

  private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };

  /** Which requests a settings holder traces: every {@code rate}-th, while {@code remaining} lasts. */
  private static final class Sampler {
    final AtomicLong seen = new AtomicLong();
    final AtomicInteger remaining;

    Sampler(int count) {
      remaining = new AtomicInteger(count);
    }

    boolean take(int rate) {
      if (rate == 0 || seen.getAndIncrement() % rate != 0) return false;
      while (true) {
        int left = remaining.get();
        if (left == -1) return true;
        if (left == 0) return false;
        if (remaining.compareAndSet(left, left - 1)) return true;
      }
    }
  }

  /** A model's own settings: null fields follow the server-wide ones. */
  private record ModelSettings(Boolean timestamps, Boolean tensors, Integer rate, Integer count, Integer logFrequency,
      Sampler sampler) {}

  private final AtomicLong ids = new AtomicLong();
  private final TritonTraceFile tritonFile = new TritonTraceFile();
  private final Map<String, ModelSettings> models = new ConcurrentHashMap<>();
  private volatile TraceSettings configured = TraceSettings.defaults();
  private volatile TraceSettings global = TraceSettings.defaults();
  private volatile Sampler globalSampler = new Sampler(-1);
  private volatile TraceMode mode = TraceMode.TRITON;
  private final Map<String, String> openTelemetryOptions = new LinkedHashMap<>();
  private volatile boolean active;
  private SpanExporter exporterOverride;
  private SdkTracerProvider provider;
  private volatile Tracer tracer;

  /** A tracing of its own, off; front ends use {@link #of}. */
  public Tracing() {}

  /** The tracing of a server, which its HTTP and gRPC front ends share. */
  public static Tracing of(Server server) {
    Objects.requireNonNull(server, "server");
    synchronized (BY_SERVER) {
      return BY_SERVER.computeIfAbsent(server, s -> new Tracing());
    }
  }

  /**
   * Applies {@code --trace-config} values as tritonserver takes them: {@code level=OFF|TIMESTAMPS|TENSORS},
   * {@code rate=N}, {@code count=N}, {@code log-frequency=N}, {@code file=PATH}, {@code mode=triton|opentelemetry},
   * and per mode {@code triton,file=PATH}, {@code triton,log-frequency=N}, {@code opentelemetry,url=URL},
   * {@code opentelemetry,resource=KEY=VALUE}. These become the settings a {@code null} update restores.
   *
   * @throws NereidException.InvalidArgument naming the value it cannot use
   */
  public synchronized void configure(List<String> options) {
    TraceSettings s = configured;
    boolean ts = s.timestamps();
    boolean tensors = s.tensors();
    for (String option : options) {
      String section = "";
      String setting = option;
      int comma = option.indexOf(',');
      int equals = option.indexOf('=');
      if (comma >= 0 && (equals < 0 || comma < equals)) {
        section = option.substring(0, comma);
        setting = option.substring(comma + 1);
        equals = setting.indexOf('=');
      }
      if (equals <= 0) throw invalid("--trace-config " + option + ": expected [mode,]setting=value");
      String key = setting.substring(0, equals);
      String value = setting.substring(equals + 1);
      switch (section) {
        case "" -> {
          switch (key) {
            case "level" -> {
              switch (value) {
                case "OFF" -> { ts = false; tensors = false; }
                case "TIMESTAMPS" -> ts = true;
                case "TENSORS" -> tensors = true;
                default -> throw invalid("--trace-config level=" + value + ": expected OFF, TIMESTAMPS or TENSORS");
              }
            }
            case "rate" -> s = s.withRate(integer("rate", value));
            case "count" -> s = s.withCount(integer("count", value));
            case "log-frequency", "log_frequency" -> s = s.withLogFrequency(integer("log-frequency", value));
            case "file" -> s = s.withFile(value);
            case "mode" -> mode = TraceMode.parse(value);
            default -> throw invalid("--trace-config " + option + ": unknown setting '" + key + "'");
          }
        }
        case "triton" -> {
          switch (key) {
            case "file" -> s = s.withFile(value);
            case "log-frequency", "log_frequency" -> s = s.withLogFrequency(integer("log-frequency", value));
            default -> throw invalid("--trace-config " + option + ": unknown triton setting '" + key + "'");
          }
        }
        case "opentelemetry" -> {
          if (key.equals("resource")) {
            int eq = value.indexOf('=');
            if (eq <= 0) throw invalid("--trace-config " + option + ": expected resource=KEY=VALUE");
          } else if (!key.equals("url") && !key.startsWith("bsp_")) {
            throw invalid("--trace-config " + option + ": unknown opentelemetry setting '" + key + "'");
          }
          openTelemetryOptions.merge(key, value, key.equals("resource") ? (a, b) -> a + "," + b : (a, b) -> b);
        }
        default -> throw invalid("--trace-config " + option + ": unknown mode '" + section + "'");
      }
    }
    configured = s.withLevels(ts, tensors);
    global = configured;
    globalSampler = new Sampler(configured.count());
    closeProvider();
    recompute();
  }

  /**
   * Sends {@code opentelemetry} mode's spans to this exporter instead of OTLP/HTTP (an application
   * with its own exporter, or a test's in-memory one); each span is exported as it ends.
   */
  public synchronized void exportTo(SpanExporter exporter) {
    this.exporterOverride = Objects.requireNonNull(exporter, "exporter");
    closeProvider();
  }

  /** Where traces go. */
  public TraceMode mode() {
    return mode;
  }

  /** The {@code opentelemetry} mode's endpoint. */
  public String url() {
    return openTelemetryOptions.getOrDefault("url", DEFAULT_URL);
  }

  /** The server-wide settings. */
  public TraceSettings settings() {
    TraceSettings g = global;
    return g.withCount(globalSampler.remaining.get());
  }

  /** The settings in effect for a model: its own where it has them, the server-wide ones elsewhere. */
  public TraceSettings settings(String model) {
    TraceSettings g = settings();
    ModelSettings m = models.get(model);
    if (m == null) return g;
    return new TraceSettings(m.timestamps() != null ? m.timestamps() : g.timestamps(),
        m.tensors() != null ? m.tensors() : g.tensors(), m.rate() != null ? m.rate() : g.rate(),
        m.count() != null ? m.sampler().remaining.get() : g.count(),
        m.logFrequency() != null ? m.logFrequency() : g.logFrequency(), g.file());
  }

  /**
   * Changes settings as the trace extension asks: {@code changes} maps Triton's setting names to their
   * values (strings, as the protocol sends them; a list for {@code trace_level}); a null value clears
   * a model's own setting (back to the server-wide one) or resets a server-wide one to its configured
   * value. {@code model} empty changes the server-wide settings. Checked whole before anything changes.
   *
   * @return the settings now in effect for {@code model} (or server-wide)
   * @throws NereidException.Unsupported for {@code trace_file} and {@code trace_mode} changes, which Triton
   *     refuses over the network
   * @throws NereidException.InvalidArgument for values it cannot parse, with Triton's messages
   */
  public synchronized TraceSettings update(String model, Map<String, List<String>> changes) {
    if (changes.containsKey("trace_file")) {
      throw new NereidException.Unsupported("trace file location can not be updated through network protocol");
    }
    if (changes.containsKey("trace_mode") && changes.get("trace_mode") != null
        && !changes.get("trace_mode").equals(List.of(mode.tritonName()))) {
      throw new NereidException.Unsupported("trace mode can not be updated through network protocol");
    }
    Boolean ts = null;
    Boolean tensors = null;
    boolean clearLevel = false;
    if (changes.containsKey("trace_level")) {
      List<String> levels = changes.get("trace_level");
      if (levels == null) {
        clearLevel = true;
      } else {
        ts = false;
        tensors = false;
        for (String l : levels) {
          switch (l) {
            case "OFF" -> {
              if (levels.size() != 1) throw invalid("Expect only one trace level 'OFF' is specified");
            }
            case "TIMESTAMPS" -> ts = true;
            case "TENSORS" -> tensors = true;
            default -> throw invalid("Unable to parse 'trace_level', got: " + l
                + "; expected OFF, TIMESTAMPS or TENSORS");
          }
        }
      }
    }
    Integer rate = number(changes, "trace_rate", 1);
    Integer count = number(changes, "trace_count", -1);
    Integer frequency = number(changes, "log_frequency", 0);
    if (model.isEmpty()) {
      TraceSettings s = global;
      if (clearLevel) s = s.withLevels(configured.timestamps(), configured.tensors());
      if (ts != null) s = s.withLevels(ts, tensors);
      if (cleared(changes, "trace_rate")) s = s.withRate(configured.rate());
      if (rate != null) s = s.withRate(rate);
      if (cleared(changes, "log_frequency")) s = s.withLogFrequency(configured.logFrequency());
      if (frequency != null) s = s.withLogFrequency(frequency);
      global = s;
      if (cleared(changes, "trace_count")) globalSampler = new Sampler(configured.count());
      if (count != null) globalSampler = new Sampler(count);
    } else {
      ModelSettings m = models.getOrDefault(model, new ModelSettings(null, null, null, null, null, null));
      Boolean mts = clearLevel ? null : ts != null ? ts : m.timestamps();
      Boolean mt = clearLevel ? null : tensors != null ? tensors : m.tensors();
      Integer mr = cleared(changes, "trace_rate") ? null : rate != null ? rate : m.rate();
      Integer mc = cleared(changes, "trace_count") ? null : count != null ? count : m.count();
      Integer mf = cleared(changes, "log_frequency") ? null : frequency != null ? frequency : m.logFrequency();
      Sampler sampler = count != null ? new Sampler(count) : mc == null ? null : m.sampler();
      if (mts == null && mt == null && mr == null && mc == null && mf == null) {
        models.remove(model);
      } else {
        models.put(model, new ModelSettings(mts, mt, mr, mc, mf, sampler));
      }
    }
    recompute();
    return model.isEmpty() ? settings() : settings(model);
  }

  private static boolean cleared(Map<String, List<String>> changes, String key) {
    return changes.containsKey(key) && changes.get(key) == null;
  }

  private static Integer number(Map<String, List<String>> changes, String key, int min) {
    List<String> values = changes.get(key);
    if (values == null) return null;
    if (values.size() != 1) throw invalid("Unable to parse '" + key + "', expected one value, got: " + values);
    String text = values.get(0);
    int value;
    try {
      value = Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw invalid("Unable to parse '" + key + "', got: " + text);
    }
    if (value < min) {
      throw invalid("Unable to parse '" + key + "'. Expecting value >= " + min + ", got:" + text);
    }
    return value;
  }

  private void recompute() {
    boolean on = live(settings());
    for (String model : models.keySet()) on |= live(settings(model));
    active = on;
  }

  /** Whether requests may be traced: sampled ones while the count lasts, continued ones in opentelemetry mode. */
  private boolean live(TraceSettings s) {
    return mode == TraceMode.OPENTELEMETRY ? s.timestamps() || s.tensors() : s.on();
  }

  /** Whether any request may be traced: front ends read the time of receipt only then. */
  public boolean active() {
    return active;
  }

  /**
   * Decides whether to trace a request the front end received, and if so starts its trace.
   *
   * @param protocol {@code HTTP} or {@code GRPC}: the prefix of the front end's timestamps
   * @param receivedNanos when the front end started reading it ({@link System#nanoTime()})
   * @param headers the request's headers or metadata by (lower-case) name: a W3C {@code traceparent}
   *     there continues the caller's trace, and in {@code opentelemetry} mode has the request traced
   *     whatever the rate and count, as Triton does; may be null
   * @return the trace to attach to the request, or null when it is not traced
   */
  public Trace start(String model, String protocol, long receivedNanos, Function<String, String> headers) {
    if (!active) return null;
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
    if (!chosen(model, parent)) return null;
    Trace trace = new Trace(this, nextId(), null, protocol, parent, settings(model));
    trace.received(receivedNanos, System.nanoTime());
    return trace;
  }

  /**
   * A timeline for a request made through the in-process API ({@code InferenceRequest.Builder#timeline}):
   * traced under the same settings as requests from the front ends, continuing {@code parent}'s trace
   * (an OpenTelemetry context, {@code Context.current()} say), and ending with the final response.
   *
   * @return the request's trace, or {@link dev.nereid.RequestTimeline#NONE} when it is not traced
   */
  public dev.nereid.RequestTimeline inProcess(String model, Context parent) {
    if (!active || !chosen(model, Objects.requireNonNull(parent, "parent"))) return dev.nereid.RequestTimeline.NONE;
    return new Trace(this, nextId(), null, null, Objects.requireNonNull(parent, "parent"), settings(model));
  }

  /**
   * Whether to trace a request: one that continues a caller's trace in {@code opentelemetry} mode
   * whenever the model's level is on (Triton 24.01 on: rate 0 then traces only those), others as the
   * rate and count sample them.
   */
  private boolean chosen(String model, Context parent) {
    if (mode == TraceMode.OPENTELEMETRY && Span.fromContext(parent).getSpanContext().isValid()) {
      TraceSettings s = settings(model);
      return s.timestamps() || s.tensors();
    }
    return sample(model);
  }

  private boolean sample(String model) {
    ModelSettings m = models.get(model);
    TraceSettings s = m == null ? global : settings(model);
    if (!(s.timestamps() || s.tensors())) return false;
    Sampler sampler = m != null && m.sampler() != null ? m.sampler() : globalSampler;
    return sampler.take(s.rate());
  }

  long nextId() {
    return ids.incrementAndGet();
  }

  /** A traced request was answered: its tree goes to the trace file or out as spans. */
  void finished(Trace trace) {
    try {
      if (mode == TraceMode.OPENTELEMETRY) {
        OpenTelemetrySpans.emit(tracer(), trace);
      } else {
        TraceSettings s = settings(trace.model());
        tritonFile.add(trace, s.file(), s.logFrequency());
      }
    } catch (RuntimeException e) {
      log.warn("cannot record trace {}: {}", trace.id(), e.getMessage());
    }
  }

  private Tracer tracer() {
    Tracer t = tracer;
    if (t != null) return t;
    synchronized (this) {
      if (tracer == null) {
        AttributesBuilder attributes = Attributes.builder().put(AttributeKey.stringKey("service.name"), "triton");
        String resources = openTelemetryOptions.get("resource");
        if (resources != null) {
          for (String kv : resources.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) attributes.put(AttributeKey.stringKey(kv.substring(0, eq)), kv.substring(eq + 1));
          }
        }
        SpanExporter exporter = exporterOverride;
        provider = SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(attributes.build())))
            .addSpanProcessor(exporter != null ? SimpleSpanProcessor.create(exporter)
                : BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(url()).build()).build())
            .build();
        tracer = provider.get("dev.nereid");
      }
      return tracer;
    }
  }

  /** Writes the gathered traces ({@code triton} mode's file) or exports the pending spans now. */
  public synchronized void flush() {
    tritonFile.flush(global.file());
    if (provider != null) provider.forceFlush().join(10, TimeUnit.SECONDS);
  }

  private void closeProvider() {
    if (provider != null) {
      provider.shutdown().join(10, TimeUnit.SECONDS);
      provider = null;
      tracer = null;
    }
  }

  /** Writes what is gathered and stops exporting. */
  @Override
  public synchronized void close() {
    flush();
    closeProvider();
  }

  private static int integer(String name, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw invalid("--trace-config " + name + "=" + value + ": not an integer");
    }
  }

  private static NereidException invalid(String message) {
    return new NereidException.InvalidArgument(message);
  }
}
