package dev.nereid;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link Server} is set up: its model repositories and how models in them are loaded.
 * Immutable; build with {@link #builder()}. The defaults match Triton's in-process server.
 */
public final class ServerOptions {
  private final List<Path> modelRepositories;
  private final ModelControlMode modelControlMode;
  private final Set<String> startupModels;
  private final boolean strictModelConfig;
  private final Duration exitTimeout;
  private final int modelLoadThreadCount;
  private final Duration repositoryPollInterval;
  private final String serverId;
  private final Map<String, Map<String, String>> backendConfig;
  private final int defaultMaxQueueSize;
  private final long responseCacheByteSize;
  private final boolean rateLimiting;
  private final Map<String, Long> rateLimiterResources;

  private ServerOptions(Builder b) {
    this.modelRepositories = List.copyOf(b.modelRepositories);
    this.modelControlMode = b.modelControlMode;
    this.startupModels = Collections.unmodifiableSet(new LinkedHashSet<>(b.startupModels));
    this.strictModelConfig = b.strictModelConfig;
    this.exitTimeout = b.exitTimeout;
    this.modelLoadThreadCount = b.modelLoadThreadCount;
    this.repositoryPollInterval = b.repositoryPollInterval;
    this.serverId = b.serverId;
    Map<String, Map<String, String>> copy = new LinkedHashMap<>();
    b.backendConfig.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
    this.backendConfig = Collections.unmodifiableMap(copy);
    this.defaultMaxQueueSize = b.defaultMaxQueueSize;
    this.responseCacheByteSize = b.responseCacheByteSize;
    this.rateLimiting = b.rateLimiting;
    this.rateLimiterResources = Collections.unmodifiableMap(new LinkedHashMap<>(b.rateLimiterResources));
  }

  /** A builder with Triton's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Options for one repository and defaults for everything else. */
  public static ServerOptions of(Path modelRepository) {
    return builder().modelRepository(modelRepository).build();
  }

  /** A builder preset with these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.modelRepositories.addAll(modelRepositories);
    b.modelControlMode = modelControlMode;
    b.startupModels.addAll(startupModels);
    b.strictModelConfig = strictModelConfig;
    b.exitTimeout = exitTimeout;
    b.modelLoadThreadCount = modelLoadThreadCount;
    b.repositoryPollInterval = repositoryPollInterval;
    b.serverId = serverId;
    backendConfig.forEach((k, v) -> b.backendConfig.put(k, new LinkedHashMap<>(v)));
    b.defaultMaxQueueSize = defaultMaxQueueSize;
    b.responseCacheByteSize = responseCacheByteSize;
    b.rateLimiting = rateLimiting;
    b.rateLimiterResources.putAll(rateLimiterResources);
    return b;
  }

  /** The model repositories, searched in order. */
  public List<Path> modelRepositories() {
    return modelRepositories;
  }

  /** How models are loaded: NONE (default), POLL or EXPLICIT. */
  public ModelControlMode modelControlMode() {
    return modelControlMode;
  }

  /** Models loaded at start in EXPLICIT mode; {@code "*"} means all. */
  public Set<String> startupModels() {
    return startupModels;
  }

  /** Whether configs must be complete (true) or are auto-completed from the model (false, the default). */
  public boolean strictModelConfig() {
    return strictModelConfig;
  }

  /** How long {@link Server#stop()} waits for requests in flight before cancelling them (default 30 s). */
  public Duration exitTimeout() {
    return exitTimeout;
  }

  /** Threads that load models in parallel (default 4). */
  public int modelLoadThreadCount() {
    return modelLoadThreadCount;
  }

  /** In POLL mode, how often the repositories are polled; zero (the default) polls only on request. */
  public Duration repositoryPollInterval() {
    return repositoryPollInterval;
  }

  /** The server's id, reported as its name in server metadata (default {@code "triton"}). */
  public String serverId() {
    return serverId;
  }

  /** Settings per backend name, as Triton's {@code --backend-config=name,key=value}. */
  public Map<String, Map<String, String>> backendConfig() {
    return backendConfig;
  }

  /**
   * The most requests a model queues when its config sets no {@code max_queue_size} (default 16384);
   * a request beyond it is rejected as UNAVAILABLE rather than left to grow the heap.
   */
  public int defaultMaxQueueSize() {
    return defaultMaxQueueSize;
  }

  /**
   * Bytes of the server's response cache, shared by the models that enable {@code response_cache};
   * 0 (the default) means no cache, as Triton without {@code --cache-config}.
   */
  public long responseCacheByteSize() {
    return responseCacheByteSize;
  }

  /**
   * Whether instances wait for the rate-limiter resources their {@code instance_group} declares
   * (Triton's {@code --rate-limit=execution_count}); off by default.
   */
  public boolean rateLimiting() {
    return rateLimiting;
  }

  /** Counts of rate-limiter resources; a resource not listed gets the largest count any instance needs. */
  public Map<String, Long> rateLimiterResources() {
    return rateLimiterResources;
  }

  /** Builds {@link ServerOptions}. */
  public static final class Builder {
    private final List<Path> modelRepositories = new ArrayList<>();
    private ModelControlMode modelControlMode = ModelControlMode.NONE;
    private final Set<String> startupModels = new LinkedHashSet<>();
    private boolean strictModelConfig = false;
    private Duration exitTimeout = Duration.ofSeconds(30);
    private int modelLoadThreadCount = 4;
    private Duration repositoryPollInterval = Duration.ZERO;
    private String serverId = "triton";
    private final Map<String, Map<String, String>> backendConfig = new LinkedHashMap<>();
    private int defaultMaxQueueSize = 16384;
    private long responseCacheByteSize;
    private boolean rateLimiting;
    private final Map<String, Long> rateLimiterResources = new LinkedHashMap<>();

    Builder() {}

    /** Adds a model repository. */
    public Builder modelRepository(Path path) {
      modelRepositories.add(Objects.requireNonNull(path, "path"));
      return this;
    }

    /** Adds model repositories. */
    public Builder modelRepositories(List<Path> paths) {
      paths.forEach(this::modelRepository);
      return this;
    }

    /** Sets the model control mode. */
    public Builder modelControlMode(ModelControlMode mode) {
      this.modelControlMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Adds a model to load at start in EXPLICIT mode ({@code "*"} for all). */
    public Builder startupModel(String name) {
      startupModels.add(Objects.requireNonNull(name, "name"));
      return this;
    }

    /** Requires complete configs (true) or auto-completes them (false). */
    public Builder strictModelConfig(boolean strict) {
      this.strictModelConfig = strict;
      return this;
    }

    /** Sets how long {@link Server#stop()} waits for requests in flight. */
    public Builder exitTimeout(Duration timeout) {
      if (timeout.isNegative()) throw new IllegalArgumentException("exit timeout must not be negative");
      this.exitTimeout = timeout;
      return this;
    }

    /** Sets how many models load in parallel. */
    public Builder modelLoadThreadCount(int count) {
      if (count < 1) throw new IllegalArgumentException("model load thread count must be >= 1, got " + count);
      this.modelLoadThreadCount = count;
      return this;
    }

    /** Sets the POLL-mode polling interval; zero polls only on {@link Server#pollModelRepository()}. */
    public Builder repositoryPollInterval(Duration interval) {
      if (interval.isNegative()) throw new IllegalArgumentException("poll interval must not be negative");
      this.repositoryPollInterval = interval;
      return this;
    }

    /** Sets the server id. */
    public Builder serverId(String id) {
      this.serverId = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Sets one backend setting, as {@code --backend-config=backend,key=value}. */
    public Builder backendConfig(String backend, String key, String value) {
      backendConfig.computeIfAbsent(backend, k -> new LinkedHashMap<>()).put(key, value);
      return this;
    }

    /** Sets the queue bound used when a model's config gives none. */
    public Builder defaultMaxQueueSize(int size) {
      if (size < 1) throw new IllegalArgumentException("queue size must be >= 1, got " + size);
      this.defaultMaxQueueSize = size;
      return this;
    }

    /** Sets the response cache size in bytes (0: no cache). */
    public Builder responseCacheByteSize(long bytes) {
      if (bytes < 0) throw new IllegalArgumentException("cache size must be >= 0, got " + bytes);
      this.responseCacheByteSize = bytes;
      return this;
    }

    /** Turns rate limiting on or off. */
    public Builder rateLimiting(boolean enabled) {
      this.rateLimiting = enabled;
      return this;
    }

    /** Declares how many of a rate-limiter resource the server has, as {@code --rate-limit-resource}. */
    public Builder rateLimiterResource(String name, long count) {
      if (count < 0) throw new IllegalArgumentException("resource count must be >= 0, got " + count);
      rateLimiterResources.put(Objects.requireNonNull(name, "name"), count);
      return this;
    }

    /** Builds the options. */
    public ServerOptions build() {
      return new ServerOptions(this);
    }
  }
}
