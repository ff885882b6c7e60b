package dev.nereid.internal.ensemble;

import dev.nereid.Model;
import dev.nereid.internal.scheduler.Continuations;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.util.List;
import java.util.Set;

/**
 * Serves {@code platform: "ensemble"}: each request runs through the ensemble's steps, calling the
 * composing models through the server's public API, as Triton's ensemble scheduler re-enters
 * {@code InferAsync}. An execution only arranges for the request's first calls to start once the
 * ensemble's instance is released, so that instance is never blocked waiting for its steps.
 *
 * <p>The server validates the graph before loading (it needs the composing models, and sets the
 * ensemble's decoupled policy from them); this backend builds it again from the same configs.
 */
public final class EnsembleBackend implements Backend {
  /** The platform name of ensembles. */
  public static final String PLATFORM = "ensemble";

  @Override
  public String name() {
    return PLATFORM;
  }

  @Override
  public Set<String> platforms() {
    return Set.of(PLATFORM);
  }

  @Override
  public BackendModel load(ModelContext context) {
    EnsembleGraph graph = EnsembleGraph.build(context.name(), context.config(),
        (model, version) -> context.server().model(model, version).config());
    List<Model> models = graph.steps().stream().map(s -> context.server().model(s.model(), s.version())).toList();
    StepThreads stepThreads = StepThreads.of(context.config());
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return batch -> {
          for (BackendRequest request : batch.requests()) {
            // Started once this instance is released, on this thread: the steps may then run here too.
            Continuations.execute(new EnsembleRun(context.name(), graph, models, stepThreads, request)::start);
          }
        };
      }
    };
  }
}
