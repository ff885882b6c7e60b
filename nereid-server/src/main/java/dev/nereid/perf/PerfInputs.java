package dev.nereid.perf;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds the request a perf run sends: inputs given as values are used as they are; the others get
 * random data shaped by the config (a variable dimension takes its size from {@code shapes}, or 1),
 * with the batch dimension in front for batching models.
 */
public final class PerfInputs {
  private PerfInputs() {}

  public static InferenceRequest request(ModelConfig config, Map<String, Object> given, Map<String, long[]> shapes,
      int batchSize, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    InferenceRequest.Builder b = InferenceRequest.builder();
    for (ModelInput input : config.getInputList()) {
      DataType type = DataType.fromConfigNumber(input.getDataTypeValue());
      Object value = given.get(input.getName());
      if (value != null) {
        b.input(input.getName(), Tensor.fromArray(value, type));
        continue;
      }
      if (input.getOptional() && !given.isEmpty()) {
        continue;
      }
      long[] dims = shapes.containsKey(input.getName()) ? shapes.get(input.getName())
          : input.getDimsList().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
      long[] shape = dims;
      if (config.getMaxBatchSize() > 0) {
        shape = new long[dims.length + 1];
        shape[0] = batchSize;
        System.arraycopy(dims, 0, shape, 1, dims.length);
      }
      b.input(input.getName(), random(type, shape, random));
    }
    for (String name : given.keySet()) {
      if (config.getInputList().stream().noneMatch(i -> i.getName().equals(name))) {
        throw new NereidException.InvalidArgument("model '" + config.getName() + "' has no input '" + name + "'");
      }
    }
    return b.build();
  }

  private static Tensor random(DataType type, long[] shape, SplittableRandom random) {
    long n = 1;
    for (long d : shape) n *= d;
    if (type == DataType.BYTES) {
      String[] s = new String[(int) n];
      for (int i = 0; i < s.length; i++) s[i] = Integer.toString(random.nextInt(1_000_000));
      return Tensor.of(s, shape);
    }
    ByteBuffer data = ByteBuffer.allocateDirect((int) (n * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case BOOL -> data.put((byte) random.nextInt(2));
        case INT8, UINT8 -> data.put((byte) random.nextInt(100));
        case INT16, UINT16 -> data.putShort((short) random.nextInt(100));
        case INT32, UINT32 -> data.putInt(random.nextInt(100));
        case INT64, UINT64 -> data.putLong(random.nextInt(100));
        case FP16 -> data.putShort(Float.floatToFloat16((float) random.nextDouble()));
        case BF16 -> data.putShort((short) (Float.floatToIntBits((float) random.nextDouble()) >>> 16));
        case FP32 -> data.putFloat((float) random.nextDouble());
        case FP64 -> data.putDouble(random.nextDouble());
        case BYTES -> throw new IllegalStateException();
      }
    }
    return Tensor.of(type, shape, data.flip());
  }
}
