package dev.nereid.model;

import dev.nereid.InferenceRequest;
import dev.nereid.MetricFamily;
import dev.nereid.Model;
import dev.nereid.Server;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link JavaModel} instance knows of itself and the server: its config, parameters, folders,
 * version and instance, a logger, custom metrics, and the other models it may call.
 */
public final class JavaModelContext {
  private final InstanceContext instance;
  private final Logger logger;
  private final Map<String, String> parameters;

  /** The context of one instance, as the {@code java} backend creates it. */
  public JavaModelContext(InstanceContext instance) {
    this.instance = Objects.requireNonNull(instance, "instance");
    this.logger = LoggerFactory.getLogger("dev.nereid.model." + instance.model().name());
    Map<String, String> p = new LinkedHashMap<>();
    instance.model().config().getParametersMap().forEach((k, v) -> p.put(k, v.getStringValue()));
    this.parameters = java.util.Collections.unmodifiableMap(p);
  }

  /** The model's name. */
  public String modelName() {
    return modelContext().name();
  }

  /** The version being served. */
  public long modelVersion() {
    return modelContext().version();
  }

  /** The model's config, after auto-complete. */
  public ModelConfig config() {
    return modelContext().config();
  }

  /** Whether the model is decoupled: it may send any number of responses per request. */
  public boolean decoupled() {
    return config().getModelTransactionPolicy().getDecoupled();
  }

  /** The config's {@code parameters} as their string values, in the config's order. */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** One entry of the config's {@code parameters}. */
  public Optional<String> parameter(String key) {
    return Optional.ofNullable(parameters.get(key));
  }

  /** The model's folder in the repository. */
  public Path modelDirectory() {
    return modelContext().modelDirectory();
  }

  /** The version's folder, {@code <model>/<version>}: where its files (and its {@code model.jar}) are. */
  public Path versionDirectory() {
    return modelContext().versionDirectory();
  }

  /** This instance's name, {@code <group name>_<index in group>}. */
  public String instanceName() {
    return instance.name();
  }

  /** This instance's index among all instances of the model, from 0. */
  public int instanceIndex() {
    return instance.index();
  }

  /** The instance group kind: {@code KIND_CPU}, {@code KIND_GPU}, ... */
  public String instanceKind() {
    return instance.kind();
  }

  /** The GPU id of a GPU instance, or -1. */
  public int deviceId() {
    return instance.device();
  }

  /** A logger named {@code dev.nereid.model.<model name>}. */
  public Logger logger() {
    return logger;
  }

  /**
   * Creates or returns a custom metric family, shown in {@link Server#metrics()} beside the server's
   * own; see {@link Server#metricFamily}.
   */
  public MetricFamily metricFamily(MetricFamily.Kind kind, String name, String description, String... labelNames) {
    return server().metricFamily(kind, name, description, labelNames);
  }

  /** The server serving this model. */
  public Server server() {
    return modelContext().server();
  }

  /**
   * A handle on another model, latest ready version, for business logic scripting: {@code infer}
   * blocks until responses arrive, {@code inferAsync} returns a future, {@code inferStream} publishes
   * the responses of a decoupled model. Calling a model that has a single instance is safe: no lock is
   * held while this model's {@code execute} runs.
   */
  public Model model(String name) {
    return server().model(name);
  }

  /** A handle on one version of another model (-1: the latest ready version). */
  public Model model(String name, long version) {
    return server().model(name, version);
  }

  /**
   * A request builder for a call made on behalf of {@code parent}: preset with the parent's request
   * id, priority and queue timeout, so that the call is traced and scheduled like the request that
   * caused it. Use {@link InferenceRequest#builder()} for a call that inherits nothing.
   */
  public InferenceRequest.Builder childRequest(BackendRequest parent) {
    return InferenceRequest.builder()
        .requestId(parent.id())
        .priority(parent.priority())
        .timeoutMicros(parent.timeoutMicros());
  }

  private ModelContext modelContext() {
    return instance.model();
  }
}
