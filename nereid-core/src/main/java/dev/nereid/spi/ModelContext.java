package dev.nereid.spi;

import dev.nereid.Server;
import dev.nereid.proto.ModelConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a backend knows of the model version it loads.
 *
 * @param name the model's name
 * @param version the version being loaded
 * @param config the model's config (auto-completed, except when passed to auto-complete itself)
 * @param modelDirectory the model's folder in the repository
 * @param backendConfig the server's settings for this backend ({@code --backend-config})
 * @param server the server loading the model: how a model calls other models (business logic
 *     scripting) through the same in-process API applications use
 */
public record ModelContext(
    String name, long version, ModelConfig config, Path modelDirectory, Map<String, String> backendConfig,
    Server server) {
  public ModelContext {
    backendConfig = Map.copyOf(backendConfig);
  }

  /** The version's folder: {@code <model>/<version>}. */
  public Path versionDirectory() {
    return modelDirectory.resolve(Long.toString(version));
  }

  /**
   * The model file in the version folder: the config's {@code default_model_filename}, or this
   * backend's default name.
   */
  public Path modelFile(String backendDefault) {
    String configured = config.getDefaultModelFilename();
    return versionDirectory().resolve(configured.isEmpty() ? backendDefault : configured);
  }

  /** A {@code parameters} entry of the config, as its string value. */
  public Optional<String> parameter(String key) {
    var p = config.getParametersMap().get(key);
    return p == null ? Optional.empty() : Optional.of(p.getStringValue());
  }

  /** The same context with another config. */
  public ModelContext withConfig(ModelConfig newConfig) {
    return new ModelContext(name, version, newConfig, modelDirectory, backendConfig, server);
  }
}
