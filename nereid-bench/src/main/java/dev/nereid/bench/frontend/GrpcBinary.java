package dev.nereid.bench.frontend;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.nereid.grpc.AliasingMarshaller;
import dev.nereid.grpc.PlaintextTransport;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The gRPC half of the 64 MiB comparison: one FP32 tensor to the identity model as
 * {@code raw_input_contents} and back as {@code raw_output_contents}, against a gRPC server process
 * pinned apart from this client, as {@link HttpThroughput}'s {@code binary} mode does for HTTP. The
 * channel uses the server's own transport settings ({@link PlaintextTransport#onChannel}); with
 * {@code -Dnereid.bench.mergingClient=true} it is grpc-java's stock plaintext channel instead.
 */
final class GrpcBinary {
  private GrpcBinary() {}

  /** Reads a response to its end without parsing it: the message stands for "it arrived". */
  private static final class DrainedResponses implements MethodDescriptor.Marshaller<ModelInferResponse> {
    @Override
    public InputStream stream(ModelInferResponse value) {
      throw new UnsupportedOperationException("responses only");
    }

    @Override
    public ModelInferResponse parse(InputStream stream) {
      try {
        stream.skipNBytes(stream.available());
        if (stream.read() != -1) throw new IOException("the response is longer than it said");
        return ModelInferResponse.getDefaultInstance();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * @param client how the client reads responses: {@code aliasing} (parsed, the tensor copied once into
   *     a fresh array) or {@code drain} (read and discarded unparsed, as the HTTP client does); the
   *     first round trip, a warm-up, is parsed and checked either way
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
    MethodDescriptor.Marshaller<ModelInferResponse> aliasing =
        AliasingMarshaller.of(stock.getResponseMarshaller(), ModelInferResponse.parser());
    MethodDescriptor.Marshaller<ModelInferResponse> responses = switch (client) {
      case "aliasing" -> aliasing;
      case "drain" -> new DrainedResponses();
      default -> throw new IllegalArgumentException("client must be aliasing or drain, got " + client);
    };
    MethodDescriptor<ModelInferRequest, ModelInferResponse> method =
        stock.toBuilder(stock.getRequestMarshaller(), responses).build();
    MethodDescriptor<ModelInferRequest, ModelInferResponse> checked =
        stock.toBuilder(stock.getRequestMarshaller(), aliasing).build();
    try (HttpThroughput.ServerProcess server = HttpThroughput.ServerProcess.start(cpus, "grpc")) {
      NettyChannelBuilder builder = NettyChannelBuilder.forAddress("127.0.0.1", server.port)
          .maxInboundMessageSize(Integer.MAX_VALUE);
      ManagedChannel channel = (composing ? PlaintextTransport.onChannel(builder) : builder.usePlaintext()).build();
      try {
        System.out.printf(Locale.ROOT, "identity FP32 %d MiB as gRPC raw contents in and out, one channel, server cpus %s,"
            + " %s client%n", mib, cpus, client);
        RoundTrips trips = new RoundTrips(bytes);
        for (int i = 0; i < roundTrips + 2; i++) {
          long cpu = server.cpuNanos()[0];
          long start = System.nanoTime();
          ModelInferResponse response = ClientCalls.blockingUnaryCall(channel, i == 0 ? checked : method,
              CallOptions.DEFAULT, request);
          double seconds = (System.nanoTime() - start) / 1e9;
          double cpuMillis = (server.cpuNanos()[0] - cpu) / 1e6;
          if (i == 0 && !response.getRawOutputContents(0).equals(raw)) {
            throw new IOException("the output tensor differs from the input");
          }
          trips.add(i, seconds, cpuMillis);
        }
        trips.printSummary();
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
