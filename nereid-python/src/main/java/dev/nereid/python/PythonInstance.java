package dev.nereid.python;

import dev.nereid.NereidException;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.InstanceContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of a Python model: a stub process, restarted for the next batch when it has died (as
 * Triton restarts an unhealthy stub).
 */
final class PythonInstance implements BackendInstance {
  private static final Logger log = LoggerFactory.getLogger(PythonInstance.class);

  private final InstanceContext context;
  private final PythonSettings settings;
  private Stub stub;

  PythonInstance(InstanceContext context, PythonSettings settings) {
    this.context = context;
    this.settings = settings;
    this.stub = start();
  }

  private Stub start() {
    return Stub.start(context.model(), context.name(), context.kind(), context.device(), settings);
  }

  @Override
  public void execute(Batch batch) throws Exception {
    if (stub.dead()) {
      log.warn("model '{}' instance '{}': restarting its Python stub", context.model().name(), context.name());
      stub.close();
      try {
        stub = start();
      } catch (NereidException e) {
        throw new NereidException.Unavailable("model '" + context.model().name() + "' instance '" + context.name()
            + "': its Python stub died and could not be restarted: " + e.getMessage(), e);
      }
    }
    Stub running = stub;
    Stub.InFlight inFlight = running.submit(batch.requests());
    while (true) {
      try {
        inFlight.returned.get(200, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (abandoned(inFlight)) {
          // The server answered these requests itself (a stop whose exit timeout ran out): the stub is
          // stuck on work nobody waits for. Kill it, so the instance's thread (and the unload) can end.
          log.warn("model '{}' instance '{}': its requests were abandoned while the Python stub ran them; killing the stub",
              context.model().name(), context.name());
          running.kill();
        }
      }
    }
  }

  private static boolean abandoned(Stub.InFlight inFlight) {
    boolean cancelled = false;
    for (BackendRequest r : inFlight.requests()) {
      if (!r.responder().isComplete()) return false;
      cancelled |= r.isCancelled();
    }
    return cancelled;
  }

  @Override
  public void close() {
    stub.close();
  }
}
