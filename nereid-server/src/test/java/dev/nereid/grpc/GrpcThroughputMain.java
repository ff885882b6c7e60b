package dev.nereid.grpc;

import com.google.protobuf.ByteString;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelInferResponse;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A rough measurement, not a test: gRPC ModelInfer throughput on identity FP32 [1,16] with 32
 * concurrent calls, and the time of a 64 MiB FP32 raw round trip. Client and server share this JVM
 * and machine, so the figures are a floor. Run with the test classpath:
 * {@code java -cp <test classpath> dev.nereid.grpc.GrpcThroughputMain [seconds]}.
 */
public final class GrpcThroughputMain {
  private GrpcThroughputMain() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    try (GrpcFixture fx = GrpcFixture.examples()) {
      if (seconds > 0) {
        smallRequests(fx, 32, 3, false);
        double rps = smallRequests(fx, 32, seconds, true);
        System.out.printf("identity FP32 [1,16], 32 concurrent calls: %.0f req/s%n", rps);
      }
      largeTensor(fx);
    }
  }

  private static double smallRequests(GrpcFixture fx, int concurrency, int seconds, boolean report) throws Exception {
    float[] values = new float[16];
    for (int i = 0; i < values.length; i++) values[i] = i;
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, 16))
        .addRawInputContents(Wire.fp32s(values))
        .build();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = fx.blocking;
    AtomicBoolean running = new AtomicBoolean(true);
    LongAdder done = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        while (running.get()) {
          ModelInferResponse r = stub.modelInfer(request);
          if (r.getRawOutputContents(0).size() != 64) throw new AssertionError("bad response");
          done.increment();
        }
      }));
    }
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    running.set(false);
    long count = done.sum();
    double elapsed = (System.nanoTime() - start) / 1e9;
    for (Thread t : threads) t.join();
    return count / elapsed;
  }

  private static void largeTensor(GrpcFixture fx) {
    int bytes = 64 * 1024 * 1024;
    ByteBuffer data = Wire.le(bytes);
    for (int i = 0; i < bytes / 4; i++) data.putFloat(i);
    ByteString raw = ByteString.copyFrom(data.flip());
    ModelInferRequest request = ModelInferRequest.newBuilder()
        .setModelName("identity")
        .addInputs(Wire.input("fp32_input", "FP32", 1, bytes / 4))
        .addRawInputContents(raw)
        .build();
    MethodDescriptor<ModelInferRequest, ModelInferResponse> stock = GRPCInferenceServiceGrpc.getModelInferMethod();
    // The same call with the response parsed as the server parses requests: no copies of bytes fields.
    MethodDescriptor<ModelInferRequest, ModelInferResponse> aliasing = stock.toBuilder(stock.getRequestMarshaller(),
        AliasingMarshaller.of(stock.getResponseMarshaller(), ModelInferResponse.parser())).build();
    for (var method : List.of(stock, aliasing)) {
      for (int i = 0; i < 3; i++) call(fx, method, request, bytes); // warm-up
      int rounds = 10;
      long cpuStart = cpuNanos();
      long start = System.nanoTime();
      for (int i = 0; i < rounds; i++) call(fx, method, request, bytes);
      double perRound = (System.nanoTime() - start) / 1e9 / rounds;
      double cpuPerRound = (cpuNanos() - cpuStart) / 1e6 / rounds;
      double mb = bytes / 1e6;
      System.out.printf("64 MiB FP32 raw round trip (%s client parsing): %.1f ms (%.0f ms CPU, client and server); "
          + "%.0f MB/s of tensor, %.0f MB/s counting both directions%n", method == stock ? "stock" : "aliasing",
          perRound * 1000, cpuPerRound, mb / perRound, 2 * mb / perRound);
    }
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void call(GrpcFixture fx, MethodDescriptor<ModelInferRequest, ModelInferResponse> method,
      ModelInferRequest request, int bytes) {
    ModelInferResponse r = ClientCalls.blockingUnaryCall(fx.channel, method, CallOptions.DEFAULT, request);
    if (r.getRawOutputContents(0).size() != bytes) throw new AssertionError("bad response");
  }
}
