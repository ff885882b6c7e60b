package dev.nereid.testing.javamodels;

import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.util.Map;

/** Answers every request with what its context says, as INFO (BYTES): one "key=value" per element. */
public final class ContextInfoModel implements JavaModel {
  private String[] info;

  @Override
  public void initialize(JavaModelContext context) {
    info = new String[] {
        "name=" + context.modelName(),
        "version=" + context.modelVersion(),
        "instance=" + context.instanceName(),
        "index=" + context.instanceIndex(),
        "kind=" + context.instanceKind(),
        "device=" + context.deviceId(),
        "greeting=" + context.parameter("greeting").orElse("-"),
        "parameters=" + context.parameters().keySet(),
        "versionDirectory=" + context.versionDirectory(),
        "modelDirectory=" + context.modelDirectory(),
        "decoupled=" + context.decoupled(),
        "logger=" + context.logger().getName(),
        "maxBatchSize=" + context.config().getMaxBatchSize(),
    };
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest r : batch.requests()) {
      r.responder().send(Map.of("INFO", Tensor.of(info, info.length)), ResponseFlag.FINAL);
    }
  }
}
