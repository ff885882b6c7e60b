package dev.nereid.http;

import dev.nereid.Server;
import dev.nereid.frontend.RestrictedApis;
import java.util.concurrent.Executor;

/** The endpoints of one HTTP front end, shared by its connections. */
final class KserveService {
  private final RestrictedApis restrictedApis;
  private final InfoEndpoints info;
  private final InferEndpoint infer;
  private final GenerateEndpoint generate;
  private final RepositoryEndpoints repository;

  /**
   * @param blocking runs work that waits (repository file access, model loads)
   * @param heavy runs work that burns CPU and memory (parsing and writing large bodies); bounded
   */
  KserveService(Server server, RestrictedApis restrictedApis, Executor blocking, Executor heavy, int maxRequestSize) {
    this.restrictedApis = restrictedApis;
    this.info = new InfoEndpoints(server);
    this.infer = new InferEndpoint(server, heavy, maxRequestSize);
    this.generate = new GenerateEndpoint(server, heavy);
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
      default -> info.handle(exchange, route);
    }
  }
}
