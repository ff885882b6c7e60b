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
 * One loaded version of a SavedModel or GraphDef: its checked signature and its sessions. As in
 * Triton, each instance gets a session of its own unless {@code MAX_SESSION_SHARE_COUNT} lets that many
 * share one. Sessions are closed with the model, after every instance.
 */
final class TfModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(TfModel.class);

  private final ModelContext context;
  private final TfFormat format;
  private final Path file;
  private final TfSettings settings;
  private final TfSignature signature;
  private final List<TfSession> sessions = new ArrayList<>();
  private int instancesOnLast;

  private TfModel(ModelContext context, TfFormat format, Path file, TfSettings settings, TfSignature signature) {
    this.context = context;
    this.format = format;
    this.file = file;
    this.settings = settings;
    this.signature = signature;
  }

  /** Loads the model once, checks the config against its signature, and keeps the session. */
  static TfModel load(ModelContext context, TfFormat format, Path file) {
    TfSettings settings = TfSettings.of(context.name(), context.config());
    String name = context.name();
    if (format == TfFormat.SAVED_MODEL) {
      SavedModelBundle first = open(name, file, settings);
      try {
        TfSignature signature = TfSignature.of(name, first, settings.signatureDef());
        signature.check(name, context.config(), format);
        TfModel model = new TfModel(context, format, file, settings, signature);
        model.sessions.add(new TfSession(name, first.session(), first.graph(), first, signature, context.config()));
        first = null;
        return model;
      } finally {
        if (first != null) first.close();
      }
    }
    TfGraphDef first = TfGraphDef.open(name, file, settings);
    try {
      TfSignature signature = TfSignature.ofGraphDef(name, file.getFileName().toString(), first.original(),
          first.graph(), context.config());
      signature.check(name, context.config(), format);
      TfModel model = new TfModel(context, format, file, settings, signature);
      model.sessions.add(new TfSession(name, first.session(), first.graph(), first, signature, context.config()));
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

  private TfSession openSession() {
    String name = context.name();
    if (format == TfFormat.SAVED_MODEL) {
      SavedModelBundle bundle = open(name, file, settings);
      try {
        return new TfSession(name, bundle.session(), bundle.graph(), bundle, signature, context.config());
      } catch (RuntimeException e) {
        bundle.close();
        throw e;
      }
    }
    TfGraphDef graphDef = TfGraphDef.open(name, file, settings);
    try {
      return new TfSession(name, graphDef.session(), graphDef.graph(), graphDef, signature, context.config());
    } catch (RuntimeException e) {
      graphDef.close();
      throw e;
    }
  }

  @Override
  public synchronized BackendInstance createInstance(InstanceContext instance) {
    if (instancesOnLast >= settings.maxSessionShareCount()) {
      sessions.add(openSession());
      instancesOnLast = 0;
      log.debug("model '{}': session {} for instance {}", context.name(), sessions.size(), instance.name());
    }
    instancesOnLast++;
    return new TfInstance(context, sessions.get(sessions.size() - 1));
  }

  @Override
  public synchronized void close() {
    for (TfSession s : sessions) {
      try {
        s.close();
      } catch (Exception e) {
        log.warn("model '{}': closing a TensorFlow session failed", context.name(), e);
      }
    }
    sessions.clear();
  }
}
