package dev.nereid.fil;

import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of a tree model: the compiled forest its instances share, and, for {@code threads > 1},
 * the pool a batch is split across (closed with the model).
 */
final class FilModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(FilModel.class);

  private final String name;
  private final Predictor predictor;
  private final ExecutorService pool;

  private FilModel(String name, Predictor predictor, ExecutorService pool) {
    this.name = name;
    this.predictor = predictor;
    this.pool = pool;
  }

  static FilModel load(ModelContext context) throws IOException {
    FilSettings settings = FilSettings.of(context);
    Path file = context.modelFile(settings.modelType().defaultFile());
    TreeModel model = ModelFiles.read(settings.modelType(), file, context.name(), settings.layout());
    OutputKind kind = OutputKind.of(settings, model, context.name());
    FilSignature.check(context.name(), context.config(), model, kind);
    ExecutorService pool = settings.threads() > 1 ? pool(context.name(), settings.threads() - 1) : null;
    log.info("model '{}' version {}: {} ({} features, {} trees as {}, output {} x {}, {} thread(s) per batch)",
        context.name(), context.version(), model.format(), model.forest().numFeatures(), model.forest().numTrees(),
        model.forest().layout().description(), kind, kind.width(model), settings.threads());
    return new FilModel(context.name(), new Predictor(model, kind, settings.threshold(), pool, settings.threads()), pool);
  }

  private static ExecutorService pool(String model, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, "fil-" + model + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    return Executors.newFixedThreadPool(threads, factory);
  }

  @Override
  public BackendInstance createInstance(InstanceContext context) {
    return new FilInstance(name, predictor);
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
  }
}
