package dev.nereid.grpc;

import dev.nereid.ModelFilter;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelStatistics;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.grpc.proto.*;
import dev.nereid.UnloadOption;
import dev.nereid.sharedmemory.SystemSharedMemory;
import dev.nereid.tracing.Tracing;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService} over an embedded {@link Server}. Calls arrive on the
 * front end's event loops. {@code ModelInfer} is {@link ModelInferCall}'s (decoded and submitted on the
 * loop, answered on it when the core completes); every other call but the stream moves to the blocking
 * executor first, since model loads, metadata and statistics may wait on the server.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private static final String NO_CUDA = "CUDA shared memory is not supported: Nereid serves tensors from host memory;"
      + " register the tensors as system shared memory (SystemSharedMemoryRegister) instead";

  private final Server server;
  private final Executor blocking;
  private final SystemSharedMemory regions;
  private final Tracing tracing;

  InferenceService(Server server, Executor blocking, SystemSharedMemory regions, Tracing tracing) {
    this.server = server;
    this.blocking = blocking;
    this.regions = regions;
    this.tracing = tracing;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    reply(out, () -> ServerLiveResponse.newBuilder().setLive(server.live()).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    reply(out, () -> ServerReadyResponse.newBuilder().setReady(server.ready()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    // As in Triton, an unknown model is simply not ready rather than an error.
    reply(out, () -> ModelReadyResponse.newBuilder()
        .setReady(server.model(request.getName(), ModelVersions.parse(request.getVersion())).ready())
        .build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    reply(out, () -> Messages.serverMetadata(server.metadata()));
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    reply(out, () -> Messages.modelMetadata(
        server.model(request.getName(), ModelVersions.parse(request.getVersion())).metadata()));
  }

  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    reply(out, () -> ModelConfigResponse.newBuilder()
        .setConfig(server.model(request.getName(), ModelVersions.parse(request.getVersion())).config())
        .build());
  }

  @Override
  public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    reply(out, () -> {
      long version = ModelVersions.parse(request.getVersion());
      List<ModelStatistics> stats = request.getName().isEmpty()
          ? server.statistics() : server.model(request.getName(), version).statistics();
      ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
      stats.forEach(s -> b.addModelStats(Messages.statistics(s)));
      return b.build();
    });
  }

  @Override
  public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    reply(out, () -> {
      requireNoRepositoryName(request.getRepositoryName());
      RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
      for (ModelIndexEntry e : server.models(request.getReady() ? ModelFilter.READY : ModelFilter.ALL).values()) {
        b.addModels(Messages.indexEntry(e));
      }
      return b.build();
    });
  }

  @Override
  public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    reply(out, () -> {
      requireNoRepositoryName(request.getRepositoryName());
      Map<String, Object> parameters = new LinkedHashMap<>();
      request.getParametersMap().forEach((key, p) -> parameters.put(key, switch (p.getParameterChoiceCase()) {
        case STRING_PARAM -> p.getStringParam();
        case BYTES_PARAM -> p.getBytesParam().toByteArray();
        case BOOL_PARAM -> p.getBoolParam();
        case INT64_PARAM -> p.getInt64Param();
        case PARAMETERCHOICE_NOT_SET ->
            throw new NereidException.InvalidArgument("load parameter '" + key + "' has no value");
      }));
      server.load(request.getModelName(), parameters);
      return RepositoryModelLoadResponse.getDefaultInstance();
    });
  }

  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    reply(out, () -> {
      requireNoRepositoryName(request.getRepositoryName());
      UnloadOption[] options = {};
      for (Map.Entry<String, ModelRepositoryParameter> e : request.getParametersMap().entrySet()) {
        if (!e.getKey().equals("unload_dependents")) {
          throw new NereidException.InvalidArgument("failed to unload '" + request.getModelName()
              + "': unknown unload parameter '" + e.getKey() + "'");
        }
        if (e.getValue().getParameterChoiceCase() != ModelRepositoryParameter.ParameterChoiceCase.BOOL_PARAM) {
          throw new NereidException.InvalidArgument("invalid value type for 'unload_dependents' parameter, expected bool_param.");
        }
        options = e.getValue().getBoolParam() ? new UnloadOption[] {UnloadOption.DEPENDENTS} : new UnloadOption[0];
      }
      server.unload(request.getModelName(), options);
      return RepositoryModelUnloadResponse.getDefaultInstance();
    });
  }

  private static void requireNoRepositoryName(String name) {
    if (!name.isEmpty()) {
      throw new NereidException.Unsupported("'repository_name' specification is not supported");
    }
  }

  // --- inference

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
    return new StreamInferCall(server, regions, tracing, StreamHeaders.CURRENT.get(),
        (ServerCallStreamObserver<ModelStreamInferResponse>) out);
  }

  // --- shared memory: system regions from the registry the HTTP front end shares; no CUDA regions

  @Override
  public void systemSharedMemoryStatus(
      SystemSharedMemoryStatusRequest request, StreamObserver<SystemSharedMemoryStatusResponse> out) {
    reply(out, () -> {
      SystemSharedMemoryStatusResponse.Builder b = SystemSharedMemoryStatusResponse.newBuilder();
      for (SystemSharedMemory.RegionStatus r : regions.status(request.getName())) {
        b.putRegions(r.name(), SystemSharedMemoryStatusResponse.RegionStatus.newBuilder()
            .setName(r.name()).setKey(r.key()).setOffset(r.offset()).setByteSize(r.byteSize()).build());
      }
      return b.build();
    });
  }

  @Override
  public void systemSharedMemoryRegister(
      SystemSharedMemoryRegisterRequest request, StreamObserver<SystemSharedMemoryRegisterResponse> out) {
    reply(out, () -> {
      regions.register(request.getName(), request.getKey(), unsigned("offset", request.getOffset()),
          unsigned("byte_size", request.getByteSize()));
      return SystemSharedMemoryRegisterResponse.getDefaultInstance();
    });
  }

  @Override
  public void systemSharedMemoryUnregister(
      SystemSharedMemoryUnregisterRequest request, StreamObserver<SystemSharedMemoryUnregisterResponse> out) {
    reply(out, () -> {
      if (request.getName().isEmpty()) regions.unregisterAll(); else regions.unregister(request.getName());
      return SystemSharedMemoryUnregisterResponse.getDefaultInstance();
    });
  }

  /** A uint64 field as a Java long; past Long.MAX_VALUE it cannot name a real region. */
  private static long unsigned(String field, long value) {
    if (value < 0) {
      throw new NereidException.InvalidArgument("'" + field + "' " + Long.toUnsignedString(value) + " is too large");
    }
    return value;
  }

  @Override
  public void cudaSharedMemoryStatus(
      CudaSharedMemoryStatusRequest request, StreamObserver<CudaSharedMemoryStatusResponse> out) {
    reply(out, () -> {
      if (!request.getName().isEmpty()) {
        throw new NereidException.NotFound("Unable to find cuda shared memory region: '" + request.getName() + "'");
      }
      return CudaSharedMemoryStatusResponse.getDefaultInstance();
    });
  }

  @Override
  public void cudaSharedMemoryRegister(
      CudaSharedMemoryRegisterRequest request, StreamObserver<CudaSharedMemoryRegisterResponse> out) {
    unsupported(out, NO_CUDA);
  }

  @Override
  public void cudaSharedMemoryUnregister(
      CudaSharedMemoryUnregisterRequest request, StreamObserver<CudaSharedMemoryUnregisterResponse> out) {
    reply(out, CudaSharedMemoryUnregisterResponse::getDefaultInstance); // none can be registered
  }

  // --- not supported: a clear status instead of the generic one

  @Override
  public void traceSetting(TraceSettingRequest request, StreamObserver<TraceSettingResponse> out) {
    reply(out, () -> TraceSettingMessages.respond(tracing, request));
  }

  @Override
  public void logSettings(LogSettingsRequest request, StreamObserver<LogSettingsResponse> out) {
    reply(out, () -> LogSettingsMessages.respond(request));
  }

  private static void unsupported(StreamObserver<?> out, String message) {
    out.onError(Status.UNIMPLEMENTED.withDescription(message).asRuntimeException());
  }

  /**
   * Answers a unary call with the supplier's message, or with the status its exception maps to; the
   * supplier runs on the blocking executor.
   */
  private <T> void reply(StreamObserver<T> out, Supplier<T> body) {
    blocking.execute(() -> replyNow(out, body));
  }

  private static <T> void replyNow(StreamObserver<T> out, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (RuntimeException e) {
      out.onError(Statuses.toException(e));
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
