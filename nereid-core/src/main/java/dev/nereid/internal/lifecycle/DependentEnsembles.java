package dev.nereid.internal.lifecycle;

import dev.nereid.ModelIndexEntry;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ensembles in step with the models they use (directly or through other ensembles): after
 * those change, each ensemble is reloaded so that its steps are checked against them as they are
 * now, or, when one has no ready version, unloaded with the reason.
 */
final class DependentEnsembles {
  private static final Logger log = LoggerFactory.getLogger(DependentEnsembles.class);

  private final ModelTable models;
  private final ModelLoader loader;
  private final OpenModels open;

  DependentEnsembles(ModelTable models, ModelLoader loader, OpenModels open) {
    this.models = models;
    this.loader = loader;
    this.open = open;
  }

  /** Brings the ensembles that use any of these models up to date, each after those it uses. */
  void refresh(Set<String> changed) {
    if (open.isStopping()) return;
    for (String name : of(changed)) {
      ModelEntry entry = models.get(name);
      String missing = unavailableComposing(entry);
      if (missing == null) {
        String failure = loader.load(entry, entry.source(), entry.override(), entry.overrideDirectory(),
            ModelLoader.Trigger.COMPOSING_CHANGED);
        if (failure != null) loader.retireServing(entry, failure);
      } else {
        log.warn(missing);
        loader.retireServing(entry, missing);
      }
    }
  }

  /** The ensembles using any of these models, directly or not, each after the ensembles it uses. */
  List<String> of(Set<String> changed) {
    return ModelDependencies.dependents(changed, List.copyOf(models.names()), n -> {
      ModelEntry e = models.get(n);
      return e == null ? Set.of() : e.composing();
    });
  }

  /** Why an ensemble cannot serve: a composing model with no ready version; null if all have one. */
  private String unavailableComposing(ModelEntry ensemble) {
    for (String used : ensemble.composing()) {
      ModelEntry e = models.get(used);
      if (e == null || e.serving(-1) == null) {
        ModelIndexEntry s = models.state(used, -1);
        return "ensemble '" + ensemble.name + "' is unavailable: its composing model '" + used + "' is not available ("
            + s.state() + (s.reason().isEmpty() ? "" : ": " + s.reason()) + ")";
      }
    }
    return null;
  }
}
