/**
 * The {@code nereid} command line and the network front ends: KServe v2 HTTP/REST (Netty), KServe v2 /
 * Triton gRPC (grpc-java), Prometheus metrics, tracing, logging settings and the status page.
 *
 * <p>It reads the core's {@code internal.config} ({@code config.pbtxt} and its JSON form, for
 * {@code nereid analyze} and {@code nereid perf}), which the core exports to this module by name.
 *
 * <p>grpc-netty-shaded is not required here: its jar carries a stray module descriptor (that of netty's
 * tcnative, {@code io.netty.internal.tcnative}, exporting nothing), so as a module it would hide the very
 * classes this module uses. It stays on the class path and this module reads it through
 * {@code --add-reads dev.nereid.server=ALL-UNNAMED} (nereid-server's pom).
 */
module dev.nereid.server {
  requires dev.nereid;
  requires dev.nereid.s3;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires io.grpc;
  requires io.grpc.protobuf;
  requires io.grpc.stub;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.compression;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.exporter.otlp;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.common;
  requires io.opentelemetry.sdk.trace;
  requires info.picocli;
  requires java.desktop;
  requires java.net.http;
  requires jdk.management;
  requires jdk.unsupported;

  exports dev.nereid.analyze;
  exports dev.nereid.cli;
  exports dev.nereid.frontend;
  exports dev.nereid.grpc;
  exports dev.nereid.grpc.proto;
  exports dev.nereid.grpc.proto.health;
  exports dev.nereid.http;
  exports dev.nereid.logging;
  exports dev.nereid.metrics;
  exports dev.nereid.perf;
  exports dev.nereid.sharedmemory;
  exports dev.nereid.status;
  exports dev.nereid.tracing;

  // picocli reads the commands' annotated fields reflectively.
  opens dev.nereid.cli to info.picocli;

  provides org.slf4j.spi.SLF4JServiceProvider with dev.nereid.logging.NereidLoggerProvider;
}
