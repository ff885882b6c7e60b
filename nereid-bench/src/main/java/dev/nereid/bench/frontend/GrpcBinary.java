package dev.nereid.bench.frontend;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.nereid.grpc.AliasingMarshaller;
import dev.nereid.grpc.ComposingPlaintext;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The gRPC half of the 64 MiB comparison: one FP32 tensor to the identity model as
 * {@code raw_input_contents} and back as {@code raw_output_contents}, against a gRPC server process
 * pinned apart from this client, as {@link HttpThroughput}'s {@code binary} mode does for HTTP.
 */
final class GrpcBinary {
  private GrpcBinary() {}

  /**
   * @param client how the client parses responses: {@code aliasing} (one copy, into a fresh array) or
   *     {@code detached} (no copy: views of the transport's buffers, given back after each round trip)
   */
  static void run(int mib, int roundTrips, String cpus, String client) throws Exception {
    boolean composing = !Boolean.getBoolean("nereid.bench.mergingClient");
    int bytes = mib << 20;
    ByteBuffer data = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < bytes / 4; i++) data.putFloat(i * 0.5f);
    ByteString raw = UnsafeByteOperations.unsafeWrap(data.array());
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
            .setName("fp32_input").setDatatype("FP32").addShape(1).addShape(bytes / 4))
        .addRawInputContents(raw)
        .build();
    MethodDescriptor<ModelInferRequest, ModelInferResponse> stock = GRPCInferenceServiceGrpc.getModelInferMethod();
    DetachedResponses detached = new DetachedResponses(stock.getResponseMarshaller());
    MethodDescriptor.Marshaller<ModelInferResponse> responses = switch (client) {
      case "aliasing" -> AliasingMarshaller.of(stock.getResponseMarshaller(), ModelInferResponse.parser());
      case "detached" -> detached;
      default -> throw new IllegalArgumentException("client must be aliasing or detached, got " + client);
    };
    MethodDescriptor<ModelInferRequest, ModelInferResponse> method =
        stock.toBuilder(stock.getRequestMarshaller(), responses).build();
    try (HttpThroughput.ServerProcess server = HttpThroughput.ServerProcess.start(cpus, "grpc")) {
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", server.port)
          .maxInboundMessageSize(Integer.MAX_VALUE);
      ManagedChannel channel = (composing ? ComposingPlaintext.onChannel(builder) : builder.usePlaintext()).build();
      try {
        System.out.printf(Locale.ROOT, "identity FP32 %d MiB as gRPC raw contents in and out, one channel, server cpus %s,"
            + " %s client%n", mib, cpus, client);
        for (int i = 0; i < roundTrips + 2; i++) {
          long cpu = server.cpuNanos()[0];
          long start = System.nanoTime();
          ModelInferResponse response = ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);
          double seconds = (System.nanoTime() - start) / 1e9;
          double cpuMillis = (server.cpuNanos()[0] - cpu) / 1e6;
          if (i == 0 && !response.getRawOutputContents(0).equals(raw)) {
            throw new IOException("the output tensor differs from the input");
          }
          detached.releaseAll();
          System.out.printf(Locale.ROOT, "%s %6.1f ms  %7.0f MB/s of tensor per round trip  server CPU %.1f ms%n",
              i < 2 ? "warm-up" : "round  ", seconds * 1e3, bytes / seconds / 1e6, cpuMillis);
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
