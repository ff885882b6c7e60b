package dev.nereid.internal.lifecycle;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.internal.request.FinalOutcome;
import dev.nereid.internal.request.ModelSignature;
import dev.nereid.internal.request.PendingRequest;
import dev.nereid.internal.request.RequestOwner;
import dev.nereid.internal.request.RequestValidator;
import dev.nereid.internal.request.ResponseSink;
import dev.nereid.internal.scheduler.ModelInstance;
import dev.nereid.internal.tensor.ArrayCodec;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelWarmup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a config's {@code model_warmup} samples on every instance before the version is READY, as
 * Triton does. Warmup requests are not counted in statistics. A failing sample fails the load.
 */
final class Warmup {
  private Warmup() {}

  static void run(String model, ModelConfig config, Path modelDirectory, List<ModelInstance> instances) {
    if (config.getModelWarmupCount() == 0) {
      return;
    }
    ModelSignature signature = ModelSignature.of(config);
    for (ModelWarmup sample : config.getModelWarmupList()) {
      InferenceRequest request = request(model, config, modelDirectory, sample);
      Map<String, Tensor> inputs = RequestValidator.validate(signature, request);
      int count = Math.max(1, sample.getCount());
      for (ModelInstance instance : instances) {
        for (int i = 0; i < count; i++) {
          runOne(model, sample.getName(), config.getModelTransactionPolicy().getDecoupled(), instance, request, inputs);
        }
      }
    }
  }

  private static void runOne(String model, String sampleName, boolean decoupled, ModelInstance instance,
      InferenceRequest request, Map<String, Tensor> inputs) {
    AtomicReference<NereidException> error = new AtomicReference<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    ResponseSink sink = (InferenceResponse r) -> {
      r.error().ifPresent(error::set);
      if (r.isFinal()) done.countDown();
    };
    RequestOwner owner = new RequestOwner() {
      @Override public String modelName() { return model; }
      @Override public long modelVersion() { return 0; }
      @Override public boolean decoupled() { return decoupled; }
      @Override public void onFinal(PendingRequest r, FinalOutcome outcome) {}
      @Override public boolean removeQueued(PendingRequest r) { return false; }
    };
    instance.executeUncounted(List.of(new PendingRequest(owner, request, inputs, sink)));
    try {
      if (!done.await(5, java.util.concurrent.TimeUnit.MINUTES)) {
        throw new NereidException.Internal("warmup '" + sampleName + "' of model '" + model + "' never completed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NereidException.Unavailable("interrupted during warmup of model '" + model + "'", e);
    }
    if (error.get() != null) {
      throw new NereidException.InvalidArgument(
          "warmup '" + sampleName + "' of model '" + model + "' failed: " + error.get().getMessage(), error.get());
    }
  }

  private static InferenceRequest request(String model, ModelConfig config, Path modelDirectory, ModelWarmup sample) {
    InferenceRequest.Builder b = InferenceRequest.builder().requestId("warmup:" + sample.getName());
    sample.getInputsMap().forEach((name, spec) -> {
      DataType type = DataType.fromConfigNumber(spec.getDataTypeValue());
      long[] dims = spec.getDimsList().stream().mapToLong(Long::longValue).toArray();
      long[] shape = dims;
      if (config.getMaxBatchSize() > 0) {
        shape = new long[dims.length + 1];
        shape[0] = Math.max(1, sample.getBatchSize());
        System.arraycopy(dims, 0, shape, 1, dims.length);
      }
      long elements = 1;
      for (long d : shape) elements *= d;
      b.input(name, Tensor.of(type, shape, data(model, sample, name, spec, type, elements, modelDirectory)));
    });
    return b.build();
  }

  private static ByteBuffer data(String model, ModelWarmup sample, String input, ModelWarmup.Input spec, DataType type,
      long elements, Path modelDirectory) {
    if (spec.hasInputDataFile()) {
      Path file = modelDirectory.resolve("warmup").resolve(spec.getInputDataFile()).normalize();
      if (!file.startsWith(modelDirectory.resolve("warmup"))) {
        throw new NereidException.InvalidArgument("warmup '" + sample.getName() + "' of model '" + model
            + "': input_data_file must be inside the model's warmup folder");
      }
      try {
        byte[] bytes = Files.readAllBytes(file);
        return ArrayCodec.allocate(bytes.length).put(bytes).flip();
      } catch (IOException e) {
        throw new NereidException.InvalidArgument("warmup '" + sample.getName() + "' of model '" + model
            + "': cannot read input_data_file for input '" + input + "': " + e.getMessage(), e);
      }
    }
    boolean random = spec.hasRandomData() && spec.getRandomData();
    if (type == DataType.BYTES) {
      // Each element: a one-byte string (random letter, or a zero byte).
      ByteBuffer b = ArrayCodec.allocate(elements * 5);
      for (long i = 0; i < elements; i++) {
        b.putInt(1).put(random ? (byte) ('a' + ThreadLocalRandom.current().nextInt(26)) : 0);
      }
      return b.flip();
    }
    ByteBuffer b = ArrayCodec.allocate(elements * type.byteSize());
    if (random) {
      byte[] noise = new byte[b.capacity()];
      ThreadLocalRandom.current().nextBytes(noise);
      if (type == DataType.BOOL) {
        for (int i = 0; i < noise.length; i++) noise[i] &= 1;
      }
      b.put(noise).flip();
    }
    return b;
  }
}
