package dev.nereid.tensorflow;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import dev.nereid.NereidException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TString;

/**
 * A SavedModel with an input TensorFlow Java cannot make tensors of (INT8, INT16, UINT32, UINT64), loaded
 * by hand because a {@code SavedModelBundle}'s graph cannot be rewired: the meta graph of the tag set is
 * read from {@code saved_model.pb}, its GraphDef {@linkplain TfCarriers rewritten} so that such
 * placeholders are fed through carriers, and imported into a graph of its own; then, as TensorFlow's own
 * SavedModel loader does, the variables are restored by running the saver's restore op with
 * {@code variables/variables} fed, and the model's init op (signature {@code __saved_model_init_op},
 * else collection {@code saved_model_main_op}, else {@code legacy_init_op}) is run, asset files fed to both.
 *
 * @param graph the rewritten graph
 * @param session a restored and initialised session over it, with the settings' thread options
 */
record TfImportedSavedModel(Graph graph, Session session) implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TfImportedSavedModel.class);
  /** The key of the signature whose output names a SavedModel's init op (TensorFlow 2), not one to serve. */
  static final String INIT_OP_SIGNATURE = "__saved_model_init_op";
  private static final String MAIN_OP_COLLECTION = "saved_model_main_op";
  private static final String LEGACY_INIT_OP_COLLECTION = "legacy_init_op";
  private static final String ASSETS_COLLECTION = "saved_model_assets";

  /** A string fed to a graph tensor for the restore and init runs: a file path. */
  private record PathFeed(String tensor, String path) {}

  /**
   * The meta graph whose tag set is exactly {@code {tag}} (as TensorFlow's loader matches tag sets), from
   * {@code saved_model.pb}, or {@code saved_model.pbtxt} when there is no binary one.
   *
   * @throws NereidException.Unavailable when neither can be read or no meta graph has that tag set
   */
  static MetaGraphDef metaGraph(String model, Path directory, String tag) {
    Path binary = directory.resolve("saved_model.pb");
    Path text = directory.resolve("saved_model.pbtxt");
    Path file = Files.exists(binary) || !Files.exists(text) ? binary : text;
    String where = directory.getFileName() + "/" + file.getFileName();
    SavedModel saved;
    try {
      if (file == binary) {
        try (InputStream in = Files.newInputStream(binary)) {
          saved = SavedModel.parseFrom(in);
        }
      } else {
        SavedModel.Builder b = SavedModel.newBuilder();
        try (Reader in = Files.newBufferedReader(text, StandardCharsets.UTF_8)) {
          TextFormat.merge(in, b);
        }
        saved = b.build();
      }
    } catch (InvalidProtocolBufferException | TextFormat.ParseException e) {
      throw new NereidException.Unavailable("model '" + model + "': " + where + " is not a SavedModel: "
          + e.getMessage(), e);
    } catch (IOException e) {
      throw new NereidException.Unavailable("model '" + model + "': cannot read " + where + ": " + e, e);
    }
    List<List<String>> tagSets = new ArrayList<>();
    for (MetaGraphDef meta : saved.getMetaGraphsList()) {
      List<String> tags = meta.getMetaInfoDef().getTagsList();
      if (new HashSet<>(tags).equals(Set.of(tag))) return meta;
      tagSets.add(tags);
    }
    throw new NereidException.Unavailable("model '" + model + "': " + directory.getFileName()
        + " has no meta graph tagged exactly '" + tag + "' (its tag sets: " + tagSets
        + "); parameter TF_GRAPH_TAG names the one to load");
  }

  /** Imports {@code meta}'s graph with carriers, opens a session on it, restores the variables and runs the init op. */
  static TfImportedSavedModel open(String model, Path directory, MetaGraphDef meta, TfSettings settings) {
    TfRuntime.require();
    String what = directory.getFileName() + " (tag '" + settings.graphTag() + "')";
    Graph graph = new Graph();
    Session session = null;
    try {
      try {
        graph.importGraphDef(TfCarriers.withCarriers(meta.getGraphDef()));
      } catch (RuntimeException e) {
        throw new NereidException.Unavailable("model '" + model + "': TensorFlow cannot import the graph of "
            + what + ": " + e.getMessage(), e);
      }
      session = new Session(graph, settings.sessionConfig());
      // TensorFlow Java takes an imported graph's ops named Init* (its own variables' initializers) as
      // initializers to run before the session's first run: that run must not be an inference, after the
      // restore, or it would reset the restored variables. Run them first.
      session.initialize();
      List<PathFeed> assets = assets(model, directory, meta);
      restore(model, what, graph, session, directory, meta, assets);
      String init = initOp(model, what, meta);
      if (init != null) run(model, what, graph, session, init, assets);
      TfImportedSavedModel loaded = new TfImportedSavedModel(graph, session);
      graph = null;
      session = null;
      return loaded;
    } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
      throw new NereidException.Unavailable("model '" + model + "': TensorFlow cannot load " + what + ": "
          + e.getMessage(), e);
    } finally {
      if (session != null) session.close();
      if (graph != null) graph.close();
    }
  }

  /** The saver's restore op with the variables' path fed, unless there are no variables (as TensorFlow's loader). */
  private static void restore(String model, String what, Graph graph, Session session, Path directory,
      MetaGraphDef meta, List<PathFeed> assets) {
    if (!meta.hasSaverDef()) return;
    Path variables = directory.resolve("variables");
    if (!Files.exists(variables.resolve("variables.index"))) {
      log.info("model '{}': {} has no variables/variables.index; no variables restored", model, what);
      return;
    }
    List<PathFeed> feeds = new ArrayList<>(assets);
    feeds.add(new PathFeed(meta.getSaverDef().getFilenameTensorName(), variables.resolve("variables").toString()));
    run(model, what, graph, session, meta.getSaverDef().getRestoreOpName(), feeds);
  }

  /** Runs op {@code target} (a name, or a tensor name of it) once with these file paths fed. */
  private static void run(String model, String what, Graph graph, Session session, String target,
      List<PathFeed> feeds) {
    String opName = target.replaceFirst(":\\d+$", "");
    GraphOperation op = graph.operation(opName);
    if (op == null) {
      throw new NereidException.Unavailable("model '" + model + "': " + what + " names op '" + opName
          + "' to run at load, which its graph does not have");
    }
    List<TString> tensors = new ArrayList<>(feeds.size());
    try {
      Session.Runner runner = session.runner().addTarget(op);
      for (PathFeed feed : feeds) {
        TString path = TString.scalarOf(feed.path());
        tensors.add(path);
        runner.feed(feed.tensor(), path);
      }
      runner.run().close();
      log.debug("model '{}': ran {} of {}", model, opName, what);
    } finally {
      tensors.forEach(TString::close);
    }
  }

  /** The init op TensorFlow's loader runs after the restore, or null for none. */
  private static String initOp(String model, String what, MetaGraphDef meta) {
    SignatureDef signature = meta.getSignatureDefMap().get(INIT_OP_SIGNATURE);
    if (signature != null) {
      TensorInfo op = signature.getOutputsMap().get(INIT_OP_SIGNATURE);
      if (op == null) {
        throw new NereidException.Unavailable("model '" + model + "': signature " + INIT_OP_SIGNATURE + " of "
            + what + " has no output " + INIT_OP_SIGNATURE);
      }
      return op.getName();
    }
    CollectionDef collection = meta.getCollectionDefMap().get(MAIN_OP_COLLECTION);
    String key = MAIN_OP_COLLECTION;
    if (collection == null) {
      collection = meta.getCollectionDefMap().get(LEGACY_INIT_OP_COLLECTION);
      key = LEGACY_INIT_OP_COLLECTION;
    }
    if (collection == null) return null;
    if (collection.getNodeList().getValueCount() != 1) {
      throw new NereidException.Unavailable("model '" + model + "': collection " + key + " of " + what
          + " must name exactly one op, it names " + collection.getNodeList().getValueList());
    }
    return collection.getNodeList().getValue(0);
  }

  /**
   * Each asset file's tensor and its path under {@code assets/}, as TensorFlow's loader feeds them: from
   * the meta graph's {@code asset_file_def}, else (SavedModels of TensorFlow 1) collection
   * {@code saved_model_assets}.
   */
  private static List<PathFeed> assets(String model, Path directory, MetaGraphDef meta) {
    List<AssetFileDef> defs = new ArrayList<>(meta.getAssetFileDefList());
    CollectionDef collection = meta.getCollectionDefMap().get(ASSETS_COLLECTION);
    if (defs.isEmpty() && collection != null) {
      for (Any any : collection.getAnyList().getValueList()) {
        try {
          defs.add(AssetFileDef.parseFrom(any.getValue()));
        } catch (InvalidProtocolBufferException e) {
          throw new NereidException.Unavailable("model '" + model + "': collection " + ASSETS_COLLECTION + " of "
              + directory.getFileName() + " holds something that is not an AssetFileDef: " + e.getMessage(), e);
        }
      }
    }
    List<PathFeed> feeds = new ArrayList<>();
    for (AssetFileDef asset : defs) {
      feeds.add(new PathFeed(asset.getTensorInfo().getName(),
          directory.resolve("assets").resolve(asset.getFilename()).toString()));
    }
    return feeds;
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
