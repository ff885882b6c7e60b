package dev.nereid.cli;

import dev.nereid.ModelControlMode;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.frontend.ApiCategory;
import dev.nereid.frontend.RestrictedApis;
import dev.nereid.grpc.GrpcFrontend;
import dev.nereid.http.HttpFrontend;
import dev.nereid.logging.LogFormat;
import dev.nereid.logging.LogSettings;
import dev.nereid.logging.NereidLogging;
import dev.nereid.metrics.MetricsFrontend;
import dev.nereid.s3.CloudRepository;
import dev.nereid.tracing.Tracing;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nereid serve}: a Triton-compatible server process. Starts a {@link Server} over the model
 * repositories and the KServe v2 front ends on their ports, prints the bound ports, and on SIGTERM or
 * SIGINT stops accepting, lets requests in flight finish within the exit timeout, stops the server and
 * exits 0. Flag names follow {@code tritonserver}'s.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve model repositories over KServe v2 HTTP/REST (and gRPC) with Prometheus metrics.")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model-repository", paramLabel = "DIR",
      description = "A model repository; repeat for several. Default: the bundled examples/models.")
  List<Path> modelRepositories = new ArrayList<>();

  @Option(names = "--http-port", defaultValue = "8000", description = "HTTP port; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--grpc-port", defaultValue = "8001", description = "gRPC port; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--metrics-port", defaultValue = "8002",
      description = "Metrics port; 0 picks a free one (default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--address", defaultValue = "127.0.0.1",
      description = "Address to bind; 0.0.0.0 exposes the server (default ${DEFAULT-VALUE}).")
  String address;

  @Option(names = "--model-control-mode", defaultValue = "none", converter = ControlModeConverter.class,
      description = "none, poll or explicit (default ${DEFAULT-VALUE}).")
  ModelControlMode modelControlMode;

  @Option(names = "--load-model", paramLabel = "NAME",
      description = "In explicit mode, a model to load at start ('*' for all); repeatable.")
  List<String> loadModels = new ArrayList<>();

  @Option(names = "--strict-model-config", arity = "0..1", fallbackValue = "true", defaultValue = "false",
      description = "Require complete model configs instead of auto-completing them (default ${DEFAULT-VALUE}).")
  boolean strictModelConfig;

  @Option(names = "--exit-timeout-secs", defaultValue = "30",
      description = "How long shutdown waits for requests in flight (default ${DEFAULT-VALUE}).")
  int exitTimeoutSecs;

  @Option(names = "--id", defaultValue = "triton", description = "Server id reported in server metadata.")
  String id;

  @Option(names = "--allow-http", arity = "1", defaultValue = "true", description = "Serve HTTP/REST (true|false).")
  boolean allowHttp;

  @Option(names = "--allow-grpc", arity = "1", defaultValue = "true", description = "Serve gRPC (true|false).")
  boolean allowGrpc;

  @Option(names = "--allow-metrics", arity = "1", defaultValue = "true", description = "Serve metrics (true|false).")
  boolean allowMetrics;

  @Option(names = "--http-restricted-api", paramLabel = "API[,API...]:HEADER=VALUE",
      description = "Require a header for API categories (health, metadata, inference, shared-memory, model-config,"
          + " model-repository, statistics, trace, logging) on HTTP only; repeatable. It does not restrict gRPC:"
          + " restrict gRPC with --grpc-restricted-api, as tritonserver does.")
  List<String> httpRestrictedApis = new ArrayList<>();

  @Option(names = "--grpc-restricted-api", paramLabel = "API[,API...]:KEY=VALUE",
      description = "Require a metadata key for API categories (the same names as --http-restricted-api) on gRPC"
          + " only; repeatable. It does not restrict HTTP: restrict HTTP with --http-restricted-api.")
  List<String> grpcRestrictedApis = new ArrayList<>();

  @Option(names = {"--max-request-size", "--http-max-input-size"}, paramLabel = "BYTES", defaultValue = "67108864",
      description = "Largest HTTP request body accepted (default ${DEFAULT-VALUE}).")
  int maxRequestSize;

  @Option(names = "--http-thread-count", description = "HTTP event-loop threads (default: the number of processors).")
  Integer httpThreadCount;

  @Option(names = "--repository-poll-secs", defaultValue = "0",
      description = "In poll mode, seconds between repository polls; 0 polls only on request.")
  int repositoryPollSecs;

  @Option(names = "--log-verbose", description = "Verbose logging level: 0 none, 1 debug, 2 and above trace.")
  Integer logVerbose;

  @Option(names = "--log-info", arity = "1", paramLabel = "BOOL", description = "Write info lines (true|false).")
  Boolean logInfo;

  @Option(names = "--log-warning", arity = "1", paramLabel = "BOOL", description = "Write warnings (true|false).")
  Boolean logWarning;

  @Option(names = "--log-error", arity = "1", paramLabel = "BOOL", description = "Write errors (true|false).")
  Boolean logError;

  @Option(names = "--log-format", paramLabel = "FORMAT", description = "Line format: default (glog) or ISO8601.")
  String logFormat;

  @Option(names = "--log-file", paramLabel = "FILE", description = "Append log lines to FILE instead of stderr.")
  String logFile;

  @Option(names = "--trace-config", paramLabel = "[MODE,]SETTING=VALUE",
      description = "Tracing, as tritonserver takes it: level=OFF|TIMESTAMPS|TENSORS, rate=N, count=N, log-frequency=N,"
          + " file=PATH, mode=triton|opentelemetry, triton,file=PATH, opentelemetry,url=URL,"
          + " opentelemetry,resource=KEY=VALUE; repeatable.")
  List<String> traceConfig = new ArrayList<>();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** The object-store repositories mirrored for this run, closed when it stops. */
  private final List<CloudRepository> mirrors = new ArrayList<>();

  /** Runs {@code serve} as a program: {@code java -cp ... dev.nereid.cli.ServeCommand [flags]}. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ServeCommand()).execute(args));
  }

  @Override
  public Integer call() {
    try {
      configureLogging();
    } catch (NereidException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Logger log = LoggerFactory.getLogger(ServeCommand.class);
    RestrictedApis httpRestricted;
    RestrictedApis grpcRestricted;
    ServerOptions serverOptions;
    try {
      httpRestricted = RestrictedApis.parse(httpRestrictedApis);
      grpcRestricted = RestrictedApis.parse(grpcRestrictedApis);
      serverOptions = serverOptions(log);
      new Tracing().configure(traceConfig); // checked before anything starts: a bad value is a usage error
    } catch (NereidException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Duration exitTimeout = Duration.ofSeconds(exitTimeoutSecs);
    Running running = new Running(log, exitTimeout);
    PrintWriter out = spec.commandLine().getOut();
    try {
      running.server = new Server(serverOptions).start();
      Tracing.of(running.server).configure(traceConfig);
      if (allowHttp) {
        HttpFrontend.Options.Builder http = HttpFrontend.Options.builder().address(address).port(httpPort)
            .maxRequestSize(maxRequestSize).restrictedApis(httpRestricted);
        if (httpThreadCount != null) http.threadCount(httpThreadCount);
        running.http = HttpFrontend.start(running.server, http.build());
        out.println("Started HTTPService at " + address + ":" + running.http.port());
      }
      if (allowGrpc) {
        GrpcFrontend.Options grpc = GrpcFrontend.Options.defaults().withAddress(address).withPort(grpcPort)
            .withShutdownTimeout(exitTimeout.plus(Running.DELIVERY_GRACE));
        for (Map.Entry<ApiCategory, RestrictedApis.Restriction> r : grpcRestricted.asMap().entrySet()) {
          grpc = grpc.withRestrictedApi(List.of(r.getKey().flagName()), r.getValue().header(), r.getValue().value());
        }
        running.grpc = GrpcFrontend.start(running.server, grpc);
        out.println("Started GRPCInferenceService at " + address + ":" + running.grpc.port());
      }
      if (allowMetrics) {
        running.metrics = MetricsFrontend.start(running.server, new MetricsFrontend.Options(address, metricsPort));
        out.println("Started Metrics Service at " + address + ":" + running.metrics.port());
      }
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("nereid serve failed to start: " + e.getMessage());
      running.stop();
      mirrors.forEach(CloudRepository::close);
      return 1;
    }
    out.println("nereid serve is ready; send SIGTERM or press Ctrl-C to stop");
    out.flush();
    running.awaitTermination();
    mirrors.forEach(CloudRepository::close);
    out.println("nereid serve stopped");
    out.flush();
    return 0;
  }

  private ServerOptions serverOptions(Logger log) {
    List<Path> repositories = modelRepositories.isEmpty() ? List.of(defaultRepository()) : modelRepositories;
    List<Path> local = new ArrayList<>();
    for (Path r : repositories) {
      String text = r.toString();
      // A Path folds s3://bucket into s3:/bucket: the URL is mended before the store is opened.
      local.add(CloudRepository.isCloud(text) ? mirror(text.replaceFirst(":/+", "://"), log) : r);
    }
    repositories = local;
    ServerOptions.Builder b = ServerOptions.builder().modelRepositories(repositories).modelControlMode(modelControlMode)
        .strictModelConfig(strictModelConfig).exitTimeout(Duration.ofSeconds(exitTimeoutSecs)).serverId(id)
        .repositoryPollInterval(Duration.ofSeconds(repositoryPollSecs));
    if (!loadModels.isEmpty() && modelControlMode != ModelControlMode.EXPLICIT) {
      log.warn("--load-model is ignored in model control mode {}; it applies to explicit mode", modelControlMode);
    }
    loadModels.forEach(b::startupModel);
    return b.build();
  }

  /**
   * Mirrors a repository in object storage into a new local folder, which the server loads from; in
   * POLL mode the mirror is refreshed at the poll interval, so the server's polls see the store's changes.
   */
  private Path mirror(String url, Logger log) {
    Path cache;
    try {
      cache = Files.createTempDirectory("nereid-repository-");
    } catch (java.io.IOException e) {
      throw new NereidException.Internal("cannot create a local folder for " + url + ": " + e.getMessage(), e);
    }
    try {
      CloudRepository repository = CloudRepository.open(url, cache);
      mirrors.add(repository);
      if (modelControlMode == ModelControlMode.POLL) repository.syncEvery(Math.max(1, repositoryPollSecs));
      log.info("serving {} from its local copy in {}", url, repository.cache());
      return repository.cache();
    } catch (RuntimeException e) {
      try {
        Files.deleteIfExists(cache); // still empty: nothing was mirrored into it
      } catch (java.io.IOException ignored) {
        // A stray empty folder under the temporary directory; the error that matters is e.
      }
      throw e;
    }
  }

  /** The bundled examples: under {@code nereid.home} when the launcher sets it, else ./examples/models. */
  static Path defaultRepository() {
    String home = System.getProperty("nereid.home");
    return home == null ? Path.of("examples", "models") : Path.of(home, "examples", "models");
  }

  /**
   * Applies the --log-* options over the settings the CLI started with (warnings, or info with
   * --verbose); the logging extension may change them later.
   */
  private void configureLogging() {
    LogSettings s = NereidLogging.settings();
    if (logInfo != null) s = s.withInfo(logInfo);
    if (logWarning != null) s = s.withWarning(logWarning);
    if (logError != null) s = s.withError(logError);
    if (logVerbose != null) {
      if (logVerbose < 0) throw new NereidException.InvalidArgument("--log-verbose must be >= 0, got " + logVerbose);
      s = s.withVerboseLevel(logVerbose);
    }
    if (logFormat != null) s = s.withFormat(LogFormat.parse(logFormat));
    if (logFile != null) s = s.withLogFile(logFile);
    NereidLogging.apply(s);
  }

  /** What a running {@code serve} holds, and its orderly stop. */
  private static final class Running {
    /** How long past the exit timeout the front ends wait for the server's cancellations to be delivered. */
    static final Duration DELIVERY_GRACE = Duration.ofSeconds(2);
    private final Logger log;
    private final Duration exitTimeout;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();
    Server server;
    HttpFrontend http;
    GrpcFrontend grpc;
    MetricsFrontend metrics;

    Running(Logger log, Duration exitTimeout) {
      this.log = log;
      this.exitTimeout = exitTimeout;
    }

    void awaitTermination() {
      if (!TerminationSignals.onTermination(this::signalled)) {
        log.warn("cannot handle SIGTERM in this JVM; stopping from a shutdown hook instead");
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "nereid-shutdown"));
      }
      try {
        stopRequested.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stop();
    }

    private void signalled() {
      if (signals.incrementAndGet() == 1) {
        log.info("stopping: no new connections; waiting up to {} s for requests in flight", exitTimeout.toSeconds());
        stopRequested.countDown();
      } else {
        log.warn("second stop signal: exiting without waiting");
        Runtime.getRuntime().halt(1);
      }
    }

    /**
     * The front ends and the server stop side by side, so the whole stop takes about the exit timeout
     * (not the front ends' drain and then the server's): the front ends stop accepting and answer new
     * requests 503, the server lets inference in flight finish within the exit timeout and then
     * cancels what is left, and the front ends, draining a little longer than that, deliver those
     * cancellations as answers. Whatever is still unanswered then gets a 503 (HTTP) or is cancelled
     * (gRPC) before the connections close.
     */
    synchronized void stop() {
      List<CompletableFuture<Void>> stopping = new ArrayList<>();
      HttpFrontend h = http;
      GrpcFrontend g = grpc;
      Server s = server;
      Duration drain = exitTimeout.plus(DELIVERY_GRACE);
      if (h != null) stopping.add(CompletableFuture.runAsync(() -> h.close(drain)));
      if (g != null) stopping.add(CompletableFuture.runAsync(g::close));
      if (s != null) stopping.add(CompletableFuture.runAsync(s::stop));
      stopping.forEach(CompletableFuture::join);
      http = null;
      grpc = null;
      server = null;
      if (metrics != null) {
        metrics.close();
        metrics = null;
      }
      if (s != null) {
        Tracing.of(s).close(); // writes the trace file, exports the last spans
      }
    }
  }

  /** Reads none|poll|explicit in any case. */
  static final class ControlModeConverter implements CommandLine.ITypeConverter<ModelControlMode> {
    @Override
    public ModelControlMode convert(String value) {
      try {
        return ModelControlMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a model control mode; use none, poll or explicit");
      }
    }
  }
}
