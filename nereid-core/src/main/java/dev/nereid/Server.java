package dev.nereid;

import dev.nereid.internal.lifecycle.RealServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * An inference server running inside this JVM: it loads the models of one or more Triton-layout
 * model repositories and serves requests to them. It opens no network port; front ends for KServe
 * HTTP/gRPC are separate.
 *
 * <pre>{@code
 * try (Server server = new Server(ServerOptions.of(Path.of("models"))).start()) {
 *   for (InferenceResponse r : server.model("identity").infer(Map.of("string_input", new String[][] {{"hi"}}))) {
 *     String[][] out = r.output("string_output").toStringArray();
 *   }
 * }
 * }</pre>
 *
 * <p>Nothing happens until {@link #start()}; every other call on a server that is not started fails
 * with {@link NereidException.InvalidArgument}. A stopped server can be started again. All methods
 * are thread-safe.
 */
public final class Server implements AutoCloseable {
  private final ServerOptions options;
  private final Object lifecycleLock = new Object();
  private volatile RealServer real;
  /** The server being stopped, which still takes requests until its models retire (Triton's exit). */
  private volatile RealServer exiting;

  /** A server with these options, not yet started. */
  public Server(ServerOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** The options this server was made with. */
  public ServerOptions options() {
    return options;
  }

  /**
   * Starts the server: scans the repositories and loads models as the control mode says. Returns
   * once the initial loads have finished (models that failed are UNAVAILABLE with a reason).
   *
   * @throws NereidException.InvalidArgument when already started, or the options are unusable
   */
  public Server start() {
    synchronized (lifecycleLock) {
      if (real != null) {
        throw new NereidException.InvalidArgument("Server already started");
      }
      if (exiting != null) {
        throw new NereidException.InvalidArgument("Server is stopping: start it again once stop() has returned");
      }
      RealServer created = RealServer.create(options, this);
      // Published before models load: a model may use the server (metrics, other models) while loading.
      real = created;
      try {
        created.begin();
      } catch (RuntimeException e) {
        real = null;
        throw e;
      }
    }
    return this;
  }

  /**
   * Waits until the server is {@linkplain #ready() ready}: {@code new Server(options).start().awaitReady(timeout)}.
   *
   * @throws NereidException.Unavailable when it is not ready within the timeout
   * @throws NereidException.InvalidArgument when the server is not started
   */
  public Server awaitReady(Duration timeout) {
    running();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      if (System.nanoTime() - deadline > 0) {
        throw new NereidException.Unavailable("Timeout before ready");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NereidException.Unavailable("interrupted while waiting for the server to be ready", e);
      }
    }
    return this;
  }

  /**
   * Stops the server: it is no longer {@linkplain #live() live}; requests in flight finish within the
   * exit timeout, with every model serving until none is in flight (as in Triton, requests are still
   * taken meanwhile, so that an ensemble's next step, a model's call of another model or a sequence's
   * next request can complete what is in flight); then it cancels the rest (each still gets a final
   * response) and unloads every model. Never waits much longer than the exit timeout. Does nothing if
   * the server is not started.
   */
  public void stop() {
    RealServer running;
    synchronized (lifecycleLock) {
      running = real;
      real = null;
      if (running != null) exiting = running;
    }
    if (running != null) {
      try {
        running.stop();
      } finally {
        synchronized (lifecycleLock) {
          if (exiting == running) exiting = null;
        }
      }
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** Whether the server is started and not stopping. */
  public boolean live() {
    RealServer r = real;
    return r != null && r.live();
  }

  /** Whether the server is live and every model it tried to load is ready. */
  public boolean ready() {
    RealServer r = real;
    return r != null && r.ready();
  }

  /** The server's name, version and protocol extensions. */
  public ServerMetadata metadata() {
    return running().metadata();
  }

  /** The repository index: every model version the server knows, with state and reason. */
  public SortedMap<ModelKey, ModelIndexEntry> models() {
    return running().index(false);
  }

  /** The repository index: every version, or only the READY ones. */
  public SortedMap<ModelKey, ModelIndexEntry> models(ModelFilter filter) {
    return running().index(filter == ModelFilter.READY);
  }

  /**
   * A handle on a model, serving its latest ready version. The handle is cheap and checks nothing:
   * a model that does not exist fails when used.
   */
  public Model model(String name) {
    return model(name, -1);
  }

  /** A handle on one version of a model (-1 for the latest ready version). */
  public Model model(String name, long version) {
    running();
    return new Model(this, name, version);
  }

  /** Loads (or reloads) a model in EXPLICIT mode and returns a handle on it. */
  public Model load(String name) {
    return load(name, Map.of());
  }

  /**
   * Loads (or reloads) a model in EXPLICIT mode with overrides: {@code "config"} maps to a JSON model
   * config that replaces {@code config.pbtxt}, and {@code "file:<version>/<name>"} keys map to the
   * {@code byte[]} content of model files (which then need a {@code "config"} too).
   *
   * @throws NereidException.Unsupported when the control mode is not EXPLICIT
   * @throws NereidException.InvalidArgument when the model cannot be found or fails to load
   */
  public Model load(String name, Map<String, ?> parameters) {
    running().load(name, parameters);
    return new Model(this, name, -1);
  }

  /** Unloads a model in EXPLICIT mode, returning at once. */
  public void unload(String name) {
    running().unload(name, false, false);
  }

  /**
   * Unloads a model in EXPLICIT mode; requests in flight finish first. With {@link UnloadOption#DEPENDENTS}
   * the ensembles that use it are unloaded too; with {@link UnloadOption#WAIT} this returns only once
   * every version is unloaded.
   */
  public void unload(String name, UnloadOption... options) {
    java.util.EnumSet<UnloadOption> set = java.util.EnumSet.noneOf(UnloadOption.class);
    for (UnloadOption o : options) set.add(java.util.Objects.requireNonNull(o, "unload option"));
    running().unload(name, set.contains(UnloadOption.DEPENDENTS), set.contains(UnloadOption.WAIT));
  }

  /**
   * Adds a model repository in EXPLICIT mode. {@code nameMapping} maps a model folder name to the
   * name the model is served under (for repositories whose folder names clash).
   */
  public void registerModelRepository(Path path, Map<String, String> nameMapping) {
    running().registerRepository(path, nameMapping);
  }

  /** Removes a model repository added with {@link #registerModelRepository}; loaded models stay loaded. */
  public void unregisterModelRepository(Path path) {
    running().unregisterRepository(path);
  }

  /** In POLL mode, applies the repositories' changes now: new, changed and removed models. */
  public void pollModelRepository() {
    running().poll();
  }

  /** Statistics of every loaded version of every model, ordered by name then version. */
  public java.util.List<ModelStatistics> statistics() {
    return running().allStatistics();
  }

  /** The server's metrics in Prometheus text format. */
  public String metrics() {
    return running().metrics().scrape();
  }

  /**
   * Creates or returns a custom metric family that appears in {@link #metrics()}.
   *
   * @param labelNames the label names every metric of the family carries
   */
  public MetricFamily metricFamily(MetricFamily.Kind kind, String name, String description, String... labelNames) {
    return new MetricFamily(running().metrics().customFamily(kind, name, description, labelNames));
  }

  RealServer running() {
    RealServer r = real;
    if (r == null) r = exiting;
    if (r == null) {
      throw new NereidException.InvalidArgument("Server not started");
    }
    return r;
  }
}
