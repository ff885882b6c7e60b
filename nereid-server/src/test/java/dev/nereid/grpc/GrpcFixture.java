package dev.nereid.grpc;

import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.health.HealthGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A started {@link Server} on a model repository, its gRPC front end on a free loopback port, and a
 * client channel to it: what every gRPC test talks to.
 */
final class GrpcFixture implements AutoCloseable {
  static final Path EXAMPLES = Path.of("..", "examples", "models");

  final Server server;
  final GrpcFrontend frontend;
  final ManagedChannel channel;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;
  final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;
  final HealthGrpc.HealthBlockingStub health;

  private GrpcFixture(Server server, GrpcFrontend frontend) {
    this.server = server;
    this.frontend = frontend;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", frontend.port())
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .build();
    this.blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    this.async = GRPCInferenceServiceGrpc.newStub(channel);
    this.health = HealthGrpc.newBlockingStub(channel);
  }

  /** The example repository, every model loaded, default front end options on a free port. */
  static GrpcFixture examples() {
    return start(ServerOptions.of(EXAMPLES), o -> o);
  }

  static GrpcFixture start(ServerOptions serverOptions, UnaryOperator<GrpcFrontend.Options> frontendOptions) {
    Server server = new Server(serverOptions).start().awaitReady(Duration.ofSeconds(30));
    try {
      GrpcFrontend frontend = GrpcFrontend.start(server,
          frontendOptions.apply(GrpcFrontend.Options.defaults().withPort(0).withShutdownTimeout(Duration.ofSeconds(5))));
      return new GrpcFixture(server, frontend);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    frontend.close();
    server.close();
  }
}
