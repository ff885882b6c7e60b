package dev.nereid.testing.javamodels;

import dev.nereid.MetricFamily;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.proto.DataType;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import dev.nereid.proto.ModelOutput;
import dev.nereid.spi.Batch;
import java.util.Map;

/**
 * Y = X * factor (config parameter {@code factor}, default 2), FP32 of any shape, batched through the
 * batch helpers. Counts the requests it ran in a custom counter, reports its lifecycle to
 * {@link JavaModelEvents}, and completes a config that declares no tensors.
 */
public final class ScaleModel implements JavaModel {
  private float factor;
  private MetricFamily.Metric requests;
  private String key;

  /** Adds X and Y when the config declares no inputs. */
  public static ModelConfig autoCompleteConfig(ModelConfig config) {
    if (config.getInputCount() > 0) return config;
    return config.toBuilder()
        .addInput(ModelInput.newBuilder().setName("X").setDataType(DataType.TYPE_FP32).addDims(-1))
        .addOutput(ModelOutput.newBuilder().setName("Y").setDataType(DataType.TYPE_FP32).addDims(-1))
        .build();
  }

  @Override
  public void initialize(JavaModelContext context) {
    factor = Float.parseFloat(context.parameter("factor").orElse("2"));
    requests = context.metricFamily(MetricFamily.Kind.COUNTER, "java_test_model_requests",
        "Requests run by Java test models", "model", "instance").metric(context.modelName(), context.instanceName());
    key = context.modelName() + "/" + context.modelVersion() + "/" + context.instanceName();
    context.logger().info("scale model {} initialized with factor {}", key, factor);
    JavaModelEvents.initialized(key);
  }

  @Override
  public void execute(Batch batch) {
    Tensor x = batch.input("X");
    float[] values = x.toFloatArray();
    for (int i = 0; i < values.length; i++) values[i] *= factor;
    batch.respond(Map.of("Y", Tensor.of(values, x.shape())));
    requests.increment(batch.requests().size());
  }

  @Override
  public void finalizeModel() {
    JavaModelEvents.finalized(key);
  }
}
