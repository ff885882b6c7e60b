package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;

/**
 * One loaded version of a SavedModel: its checked signature and its sessions. As in Triton, each
 * instance gets a session of its own unless {@code MAX_SESSION_SHARE_COUNT} lets that many share one.
 * Sessions are closed with the model, after every instance.
 */
final class TfModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(TfModel.class);

  private final ModelContext context;
  private final Path directory;
  private final TfSettings settings;
  private final TfSignature signature;
  private final List<SavedModelBundle> bundles = new ArrayList<>();
  private int instancesOnLast;

  private TfModel(ModelContext context, Path directory, TfSettings settings, TfSignature signature,
      SavedModelBundle first) {
    this.context = context;
    this.directory = directory;
    this.settings = settings;
    this.signature = signature;
    this.bundles.add(first);
  }

  /** Loads the SavedModel once, checks the config against its signature, and keeps the session. */
  static TfModel load(ModelContext context, Path directory) {
    TfSettings settings = TfSettings.of(context.name(), context.config());
    SavedModelBundle first = open(context.name(), directory, settings);
    try {
      TfSignature signature = TfSignature.of(context.name(), first, settings.signatureDef());
      signature.check(context.name(), context.config());
      TfModel model = new TfModel(context, directory, settings, signature, first);
      first = null;
      return model;
    } finally {
      if (first != null) first.close();
    }
  }

  /** Loads a SavedModel with the settings' tag and session options. */
  static SavedModelBundle open(String model, Path directory, TfSettings settings) {
    TfRuntime.require();
    try {
      return SavedModelBundle.loader(directory.toString()).withTags(settings.graphTag())
          .withConfigProto(settings.sessionConfig()).load();
    } catch (RuntimeException e) {
      throw new NereidException.Unavailable("model '" + model + "': TensorFlow cannot load "
          + directory.getFileName() + " (tag '" + settings.graphTag() + "'): " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized BackendInstance createInstance(InstanceContext instance) {
    if (instancesOnLast >= settings.maxSessionShareCount()) {
      bundles.add(open(context.name(), directory, settings));
      instancesOnLast = 0;
      log.debug("model '{}': session {} for instance {}", context.name(), bundles.size(), instance.name());
    }
    instancesOnLast++;
    return new TfInstance(context, signature, bundles.get(bundles.size() - 1).session());
  }

  @Override
  public synchronized void close() {
    for (SavedModelBundle b : bundles) {
      try {
        b.close();
      } catch (RuntimeException e) {
        log.warn("model '{}': closing a TensorFlow session failed", context.name(), e);
      }
    }
    bundles.clear();
  }
}
