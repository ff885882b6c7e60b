package dev.nereid.grpc;

import dev.nereid.frontend.FrontendExtensions;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelMetadata;
import dev.nereid.ModelState;
import dev.nereid.ModelStatistics;
import dev.nereid.ServerMetadata;
import dev.nereid.grpc.proto.InferBatchStatistics;
import dev.nereid.grpc.proto.InferStatistics;
import dev.nereid.grpc.proto.ModelMetadataResponse;
import dev.nereid.grpc.proto.RepositoryIndexResponse;
import dev.nereid.grpc.proto.ServerMetadataResponse;
import dev.nereid.grpc.proto.StatisticDuration;

/** Converts the core's metadata, statistics and index records into their protocol messages. */
final class Messages {
  private Messages() {}

  static ServerMetadataResponse serverMetadata(ServerMetadata m) {
    return ServerMetadataResponse.newBuilder()
        .setName(m.name())
        .setVersion(m.version())
        .addAllExtensions(FrontendExtensions.of(m))
        .build();
  }

  static ModelMetadataResponse modelMetadata(ModelMetadata m) {
    ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder()
        .setName(m.name())
        .addAllVersions(m.versions())
        .setPlatform(m.platform());
    m.inputs().forEach(t -> b.addInputs(tensor(t)));
    m.outputs().forEach(t -> b.addOutputs(tensor(t)));
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensor(ModelMetadata.TensorMetadata t) {
    return ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.name())
        .setDatatype(t.datatype())
        .addAllShape(t.shape())
        .build();
  }

  static dev.nereid.grpc.proto.ModelStatistics statistics(ModelStatistics s) {
    ModelStatistics.InferenceStats i = s.inferenceStats();
    dev.nereid.grpc.proto.ModelStatistics.Builder b = dev.nereid.grpc.proto.ModelStatistics.newBuilder()
        .setName(s.name())
        .setVersion(s.version())
        .setLastInference(s.lastInference())
        .setInferenceCount(s.inferenceCount())
        .setExecutionCount(s.executionCount())
        .setInferenceStats(InferStatistics.newBuilder()
            .setSuccess(duration(i.success()))
            .setFail(duration(i.fail()))
            .setQueue(duration(i.queue()))
            .setComputeInput(duration(i.computeInput()))
            .setComputeInfer(duration(i.computeInfer()))
            .setComputeOutput(duration(i.computeOutput()))
            .setCacheHit(duration(i.cacheHit()))
            .setCacheMiss(duration(i.cacheMiss())));
    for (ModelStatistics.BatchStats batch : s.batchStats()) {
      b.addBatchStats(InferBatchStatistics.newBuilder()
          .setBatchSize(batch.batchSize())
          .setComputeInput(duration(batch.computeInput()))
          .setComputeInfer(duration(batch.computeInfer()))
          .setComputeOutput(duration(batch.computeOutput())));
    }
    return b.build();
  }

  private static StatisticDuration duration(ModelStatistics.Duration d) {
    return StatisticDuration.newBuilder().setCount(d.count()).setNs(d.ns()).build();
  }

  /** An index row: no version or state is sent for a model the server has never tried to load. */
  static RepositoryIndexResponse.ModelIndex indexEntry(ModelIndexEntry e) {
    return RepositoryIndexResponse.ModelIndex.newBuilder()
        .setName(e.name())
        .setVersion(e.version() < 0 ? "" : Long.toString(e.version()))
        .setState(e.state() == ModelState.UNKNOWN ? "" : e.state().name())
        .setReason(e.reason())
        .build();
  }
}
