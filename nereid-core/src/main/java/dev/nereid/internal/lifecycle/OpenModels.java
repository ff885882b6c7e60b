package dev.nereid.internal.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every loaded model not yet closed, serving or retiring. Whoever claims one from here closes it:
 * its retirement, or the server's stop; so each is closed once, and none is missed. Once the server
 * is stopping, a model that finishes loading is refused, and its loader closes it.
 */
final class OpenModels {
  private final Set<LoadedModel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;

  /**
   * Adds a model that just loaded. Returns false when the server is stopping and may have gathered
   * the open models before this one existed: the caller then closes it and reports the load failed.
   */
  boolean add(LoadedModel model) {
    open.add(model);
    return !(stopping && open.remove(model));
  }

  /** Takes a model over for closing; false when someone else already has. */
  boolean claim(LoadedModel model) {
    return open.remove(model);
  }

  /** The server stops: refuses models loaded from now on. */
  void stopping() {
    stopping = true;
  }

  boolean isStopping() {
    return stopping;
  }

  /** Requests in flight on every open model, at the moment each is read. */
  int inFlightCount() {
    int n = 0;
    for (LoadedModel m : open) n += m.inFlightCount();
    return n;
  }

  /** Takes over every open model for closing. */
  List<LoadedModel> claimAll() {
    List<LoadedModel> claimed = new ArrayList<>();
    for (LoadedModel m : List.copyOf(open)) {
      if (open.remove(m)) claimed.add(m);
    }
    return claimed;
  }
}
