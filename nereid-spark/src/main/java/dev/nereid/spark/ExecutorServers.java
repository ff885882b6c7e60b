package dev.nereid.spark;

import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Nereid servers of this JVM: one per model repository, started on first use, shared by
 * every task the executor runs, and stopped when the JVM exits. Models load once, on first use, in
 * EXPLICIT mode, so a repository holding many models costs only the ones a job runs.
 */
public final class ExecutorServers {
  private static final Logger log = LoggerFactory.getLogger(ExecutorServers.class);
  private static final Map<Path, Entry> SERVERS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ExecutorServers::closeAll, "nereid-spark-shutdown"));
  }

  private ExecutorServers() {}

  /**
   * The model, loaded in this JVM's server for its repository (started if needed).
   *
   * @param version the version, or -1 for the latest ready one
   */
  static Model model(Path repository, String name, long version) {
    Entry entry = SERVERS.computeIfAbsent(repository, Entry::new);
    return entry.model(name, version);
  }

  /**
   * Stops every embedded server of this JVM; the next task starts them again. Executors do this at
   * exit by themselves; a driver running {@code local[N]} may call it when its jobs are done.
   */
  public static void closeAll() {
    for (Path repository : Set.copyOf(SERVERS.keySet())) {
      Entry entry = SERVERS.remove(repository);
      if (entry != null) {
        entry.close();
      }
    }
  }

  /** One repository's server; started lazily under its own lock so other repositories are not held up. */
  private static final class Entry implements AutoCloseable {
    private final Path repository;
    private final Set<String> loaded = new HashSet<>();
    private Server server;

    Entry(Path repository) {
      this.repository = repository;
    }

    synchronized Model model(String name, long version) {
      if (server == null) {
        log.info("starting an embedded Nereid server on {}", repository);
        server = new Server(ServerOptions.builder()
            .modelRepository(repository)
            .modelControlMode(ModelControlMode.EXPLICIT)
            .build()).start();
      }
      if (loaded.add(name)) {
        try {
          server.load(name);
        } catch (RuntimeException e) {
          loaded.remove(name);
          throw e;
        }
        log.info("loaded model '{}' from {}", name, repository);
      }
      return server.model(name, version);
    }

    @Override
    public synchronized void close() {
      if (server != null) {
        log.info("stopping the embedded Nereid server on {}", repository);
        server.close();
        server = null;
      }
    }
  }
}
