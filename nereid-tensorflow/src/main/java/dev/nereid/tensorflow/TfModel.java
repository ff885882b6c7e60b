package dev.nereid.tensorflow;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.MetaGraphDef;

/**
 * One loaded version of a SavedModel or GraphDef: its checked signature and its sessions. As in
 * Triton, each instance gets a session of its own unless {@code MAX_SESSION_SHARE_COUNT} lets that many
 * share one. Sessions are closed with the model, after every instance.
 *
 * <p>A SavedModel is loaded by TensorFlow's own loader ({@code SavedModelBundle}) unless the config
 * feeds it an input of a type TensorFlow Java cannot make tensors of (INT8, INT16, UINT32, UINT64): then
 * as a {@link TfImportedSavedModel}, whose graph is rewritten to take such inputs through carriers.
 */
final class TfModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(TfModel.class);

  private final ModelContext context;
  private final TfSettings settings;
  /** Opens one more session of the model, for instances past the ones the open sessions take. */
  private final Supplier<TfSession> opener;
  private final List<TfSession> sessions = new ArrayList<>();
  private int instancesOnLast;

  private TfModel(ModelContext context, TfSettings settings, Supplier<TfSession> opener) {
    this.context = context;
    this.settings = settings;
    this.opener = opener;
  }

  /** Loads the model once, checks the config against its signature, and keeps the session. */
  static TfModel load(ModelContext context, TfFormat format, Path file) {
    TfSettings settings = TfSettings.of(context.name(), context.config());
    if (format == TfFormat.GRAPH_DEF) return loadGraphDef(context, file, settings);
    return feedsCarriedInputs(context.config()) ? loadImported(context, file, settings)
        : loadBundle(context, file, settings);
  }

  /** Whether the config feeds a tensor of a type TensorFlow Java cannot make: an input or a sequence input. */
  private static boolean feedsCarriedInputs(ModelConfig config) {
    return TfSession.inputs(config).stream().anyMatch(t -> TfTypes.carried(t.type()));
  }

  private static TfModel loadBundle(ModelContext context, Path file, TfSettings settings) {
    String name = context.name();
    SavedModelBundle first = open(name, file, settings);
    try {
      TfSignature signature = TfSignature.of(name, first, settings.signatureDef());
      signature.check(name, context.config());
      TfModel model = new TfModel(context, settings, () -> {
        SavedModelBundle bundle = open(name, file, settings);
        return session(bundle, () -> new TfSession(name, bundle.session(), bundle.graph(), bundle, signature,
            context.config()));
      });
      model.sessions.add(new TfSession(name, first.session(), first.graph(), first, signature, context.config()));
      first = null;
      return model;
    } finally {
      if (first != null) first.close();
    }
  }

  private static TfModel loadImported(ModelContext context, Path file, TfSettings settings) {
    String name = context.name();
    MetaGraphDef meta = TfImportedSavedModel.metaGraph(name, file, settings.graphTag());
    TfSignature signature = TfSignature.of(name, meta, settings.signatureDef());
    signature.check(name, context.config());
    log.info("model '{}': {} takes {}, which TensorFlow Java cannot make tensors of; loading its graph with "
        + "carrier placeholders", name, signature.source(), carriedInputs(context.config()));
    // Later sessions read the meta graph again rather than keeping a possibly large GraphDef for the model's life.
    TfModel model = new TfModel(context, settings, () -> importedSession(context, file, settings,
        TfImportedSavedModel.metaGraph(name, file, settings.graphTag()), signature));
    model.sessions.add(importedSession(context, file, settings, meta, signature));
    return model;
  }

  private static List<String> carriedInputs(ModelConfig config) {
    return TfSession.inputs(config).stream().filter(t -> TfTypes.carried(t.type()))
        .map(t -> t.name() + " " + t.type().configName()).toList();
  }

  private static TfSession importedSession(ModelContext context, Path file, TfSettings settings, MetaGraphDef meta,
      TfSignature signature) {
    TfImportedSavedModel imported = TfImportedSavedModel.open(context.name(), file, meta, settings);
    return session(imported, () -> new TfSession(context.name(), imported.session(), imported.graph(), imported,
        signature, context.config()));
  }

  private static TfModel loadGraphDef(ModelContext context, Path file, TfSettings settings) {
    String name = context.name();
    TfGraphDef first = TfGraphDef.open(name, file, settings);
    try {
      TfSignature signature = TfSignature.ofGraphDef(name, file.getFileName().toString(), first.original(),
          first.graph(), context.config());
      signature.check(name, context.config());
      TfModel model = new TfModel(context, settings, () -> {
        TfGraphDef graphDef = TfGraphDef.open(name, file, settings);
        return session(graphDef, () -> new TfSession(name, graphDef.session(), graphDef.graph(), graphDef, signature,
            context.config()));
      });
      model.sessions.add(new TfSession(name, first.session(), first.graph(), first, signature, context.config()));
      first = null;
      return model;
    } finally {
      if (first != null) first.close();
    }
  }

  /** The session {@code make} builds over {@code owner}, or {@code owner} closed when it fails. */
  private static TfSession session(AutoCloseable owner, Supplier<TfSession> make) {
    try {
      return make.get();
    } catch (RuntimeException e) {
      try {
        owner.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
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
      sessions.add(opener.get());
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
