package dev.nereid.http;

import dev.nereid.Server;
import dev.nereid.frontend.RestrictedApis;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.status.LatencyHistograms;
import dev.nereid.tracing.Tracing;
import java.util.concurrent.Executor;

/** The endpoints of one HTTP front end, shared by its connections. */
final class KserveService {
  private final RestrictedApis restrictedApis;
  private final InfoEndpoints info;
  private final InferEndpoint infer;
  private final GenerateEndpoint generate;
  private final RepositoryEndpoints repository;
  private final SharedMemoryEndpoints sharedMemory;
  private final LoggingEndpoint logging = new LoggingEndpoint();
  private final TraceEndpoint trace;
  private final StatusPage statusPage;

  /**
   * @param blocking runs work that waits (repository file access, model loads)
   * @param heavy runs work that burns CPU and memory (parsing and writing large bodies); bounded
   */
  KserveService(Server server, RestrictedApis restrictedApis, Executor blocking, Executor heavy,
      SystemSharedMemory regions, Tracing tracing, int maxRequestSize) {
    this.restrictedApis = restrictedApis;
    this.info = new InfoEndpoints(server);
    LatencyHistograms latency = LatencyHistograms.of(server);
    this.infer = new InferEndpoint(server, heavy, regions, tracing, latency, maxRequestSize);
    this.statusPage = new StatusPage(server, latency, restrictedApis);
    this.trace = new TraceEndpoint(tracing);
    this.sharedMemory = new SharedMemoryEndpoints(regions);
    this.generate = new GenerateEndpoint(server, heavy, tracing);
    this.repository = new RepositoryEndpoints(server, blocking);
  }

  RestrictedApis restrictedApis() {
    return restrictedApis;
  }

  void dispatch(Exchange exchange, Route route) {
    switch (route.kind()) {
      case INFER -> infer.handle(exchange, route);
      case GENERATE -> generate.handle(exchange, route, false);
      case GENERATE_STREAM -> generate.handle(exchange, route, true);
      case REPOSITORY_INDEX, REPOSITORY_LOAD, REPOSITORY_UNLOAD -> repository.handle(exchange, route);
      case SHM_STATUS, SHM_REGISTER, SHM_UNREGISTER, CUDA_SHM_STATUS, CUDA_SHM_REGISTER, CUDA_SHM_UNREGISTER ->
          sharedMemory.handle(exchange, route);
      case LOGGING -> logging.handle(exchange);
      case TRACE_SETTING -> trace.handle(exchange, route);
      case STATUS_PAGE, STATUS_LATENCY -> statusPage.handle(exchange, route);
      default -> info.handle(exchange, route);
    }
  }
}
