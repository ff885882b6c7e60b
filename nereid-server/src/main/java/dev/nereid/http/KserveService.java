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

  KserveService(Server server, RestrictedApis restrictedApis, Executor workers) {
    this.restrictedApis = restrictedApis;
    this.info = new InfoEndpoints(server);
    this.infer = new InferEndpoint(server, workers);
    this.generate = new GenerateEndpoint(server, workers);
    this.repository = new RepositoryEndpoints(server, workers);
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
