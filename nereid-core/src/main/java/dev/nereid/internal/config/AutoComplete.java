package dev.nereid.internal.config;

import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.internal.backend.BackendRegistry;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.proto.ModelTransactionPolicy;
import dev.nereid.spi.Backend;
import dev.nereid.spi.ModelContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Completes a config as Triton does: the backend from the platform or the model files (always), then,
 * unless the config is strict, whatever the backend can read from the model itself; then Triton's
 * normalization (always): default version policy, transaction policy and instance groups.
 */
public final class AutoComplete {
  private AutoComplete() {}

  /**
   * Completes {@code raw} for the model in {@code modelDirectory}.
   *
   * @param latestVersion the version folder a backend reads the model from, or -1 if there is none
   */
  public static ModelConfig complete(
      ModelConfig raw,
      String name,
      Path modelDirectory,
      long latestVersion,
      BackendRegistry backends,
      boolean strict,
      Map<String, Map<String, String>> backendConfig,
      Server server) {
    ModelConfig.Builder b = raw.toBuilder();
    if (b.getName().isEmpty()) {
      b.setName(name);
    }
    Optional<Backend> backend = resolveBackend(b, modelDirectory, latestVersion, backends);
    backend.ifPresent(found -> {
      if (b.getBackend().isEmpty() && !"ensemble".equals(b.getPlatform())) b.setBackend(found.name());
    });
    ModelConfig completed = b.build();
    if (!strict && backend.isPresent() && latestVersion >= 0) {
      Backend found = backend.get();
      ModelContext context = new ModelContext(name, latestVersion, completed, modelDirectory,
          backendConfig.getOrDefault(found.name(), Map.of()), server);
      try {
        completed = found.autoCompleteConfig(context);
      } catch (NereidException e) {
        throw e;
      } catch (Exception e) {
        throw new NereidException.InvalidArgument(
            "model '" + name + "': backend '" + found.name() + "' failed to auto-complete the config: " + e.getMessage(), e);
      }
    }
    return normalized(completed);
  }

  private static Optional<Backend> resolveBackend(
      ModelConfig.Builder b, Path modelDirectory, long latestVersion, BackendRegistry backends) {
    if (!b.getBackend().isEmpty()) {
      return backends.byName(b.getBackend());
    }
    if (!b.getPlatform().isEmpty()) {
      return backends.byPlatform(b.getPlatform());
    }
    if (latestVersion < 0) {
      return Optional.empty();
    }
    return backends.byModelFile(modelDirectory.resolve(Long.toString(latestVersion)), b.getDefaultModelFilename());
  }

  /**
   * Triton's normalization, done whether or not the config is strict: the default version policy
   * (latest 1), a transaction policy, and instance groups with a name, kind and count. The first
   * group is named after the model when the server added it, else {@code <model>_<position>}.
   */
  private static ModelConfig normalized(ModelConfig config) {
    ModelConfig.Builder b = config.toBuilder();
    if (!b.hasVersionPolicy()) {
      b.getVersionPolicyBuilder().getLatestBuilder().setNumVersions(1);
    }
    if (!b.hasModelTransactionPolicy()) {
      b.setModelTransactionPolicy(ModelTransactionPolicy.getDefaultInstance());
    }
    if (b.getInstanceGroupCount() == 0) {
      b.addInstanceGroup(ModelInstanceGroup.newBuilder().setName(config.getName()));
    }
    for (int i = 0; i < b.getInstanceGroupCount(); i++) {
      ModelInstanceGroup.Builder group = b.getInstanceGroupBuilder(i);
      if (group.getName().isEmpty()) {
        group.setName(config.getName() + "_" + i);
      }
      // A negative count is left for validation to reject: it is a typo, not a request for the default.
      if (group.getCount() == 0) {
        group.setCount(1);
      }
      // No GPU is used by the built-in backends; AUTO resolves to CPU, as Triton does without GPUs.
      if (group.getKind() == ModelInstanceGroup.Kind.KIND_AUTO) {
        group.setKind(ModelInstanceGroup.Kind.KIND_CPU);
      }
    }
    return b.build();
  }
}
