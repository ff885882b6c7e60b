package dev.nereid.perf;

import com.google.protobuf.ByteString;
import dev.nereid.InferenceRequest;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.grpc.proto.GRPCInferenceServiceGrpc;
import dev.nereid.grpc.proto.InferStatistics;
import dev.nereid.grpc.proto.ModelConfigRequest;
import dev.nereid.grpc.proto.ModelInferRequest;
import dev.nereid.grpc.proto.ModelStatisticsRequest;
import dev.nereid.grpc.proto.StatisticDuration;
import dev.nereid.proto.ModelConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Drives a model of a remote server over KServe v2 gRPC, sending tensors as raw contents. */
public final class GrpcTarget implements PerfTarget {
  private final ManagedChannel channel;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub async;
  private final String model;
  private final String version;
  private ModelInferRequest request;
  private int batchSize = 1;

  /** Connects to {@code host:port}; nothing is sent until {@link #config()} or a request. */
  public GrpcTarget(String hostPort, String model, long version) {
    this.channel = ManagedChannelBuilder.forTarget(hostPort).usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE).build();
    this.blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    this.async = GRPCInferenceServiceGrpc.newFutureStub(channel);
    this.model = model;
    this.version = version < 0 ? "" : Long.toString(version);
  }

  /** The model's config, as the server reports it. */
  public ModelConfig config() {
    try {
      return blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
          .modelConfig(ModelConfigRequest.newBuilder().setName(model).setVersion(version).build()).getConfig();
    } catch (StatusRuntimeException e) {
      throw new NereidException.Unavailable("cannot read the config of model '" + model + "' over gRPC: "
          + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e);
    }
  }

  /** Sets the request every call sends. */
  public GrpcTarget request(InferenceRequest inference, int batch) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version)
        .setId(inference.requestId());
    inference.inputs().forEach((name, value) -> {
      Tensor t = (Tensor) value;
      b.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(t.dataType().kserveName())
          .addAllShape(java.util.Arrays.stream(t.shape()).boxed().toList()));
      b.addRawInputContents(ByteString.copyFrom(t.data()));
    });
    this.request = b.build();
    this.batchSize = batch;
    return this;
  }

  @Override
  public void infer() {
    blocking.modelInfer(request);
  }

  @Override
  public CompletableFuture<?> inferAsync() {
    CompletableFuture<Object> done = new CompletableFuture<>();
    var future = async.modelInfer(request);
    future.addListener(() -> {
      try {
        done.complete(future.get());
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    }, Runnable::run);
    return done;
  }

  @Override
  public Optional<ModelStatistics.InferenceStats> statistics() {
    try {
      var response = blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
          .modelStatistics(ModelStatisticsRequest.newBuilder().setName(model).setVersion(version).build());
      ModelStatistics.InferenceStats total = InProcessTarget.empty();
      for (var s : response.getModelStatsList()) total = InProcessTarget.sum(total, convert(s.getInferenceStats()));
      return Optional.of(total);
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  private static ModelStatistics.InferenceStats convert(InferStatistics s) {
    return new ModelStatistics.InferenceStats(d(s.getSuccess()), d(s.getFail()), d(s.getQueue()),
        d(s.getComputeInput()), d(s.getComputeInfer()), d(s.getComputeOutput()), d(s.getCacheHit()),
        d(s.getCacheMiss()));
  }

  private static ModelStatistics.Duration d(StatisticDuration d) {
    return new ModelStatistics.Duration(d.getCount(), d.getNs());
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
