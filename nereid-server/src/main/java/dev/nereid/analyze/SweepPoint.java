package dev.nereid.analyze;

import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelDynamicBatching;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.proto.ModelParameter;
import java.util.Locale;

/**
 * One configuration the analyzer tries: how the model's own config is changed for the measurement.
 *
 * @param instances model instances (one CPU instance group of this count)
 * @param intraOpThreads the backend's intra-op thread count; 0 leaves the config's setting alone
 * @param maxBatchSize the config's {@code max_batch_size}; 0 for a model that does not batch
 * @param queueDelayMicros dynamic batching's {@code max_queue_delay_microseconds}; -1 for no dynamic batching
 * @param preferredBatchSize dynamic batching's one {@code preferred_batch_size}; 0 for none
 */
public record SweepPoint(int instances, int intraOpThreads, int maxBatchSize, long queueDelayMicros,
    int preferredBatchSize) {

  public SweepPoint {
    if (instances < 1) throw new IllegalArgumentException("instances must be at least 1, got " + instances);
    if (intraOpThreads < 0) throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
    if (maxBatchSize < 0) throw new IllegalArgumentException("max batch size must be >= 0, got " + maxBatchSize);
    if (queueDelayMicros >= 0 && maxBatchSize == 0) {
      throw new IllegalArgumentException("dynamic batching needs a max batch size above 0");
    }
  }

  /** Whether this point turns dynamic batching on. */
  public boolean dynamicBatching() {
    return queueDelayMicros >= 0;
  }

  /**
   * The base config changed as this point says. Everything else the config holds (inputs, outputs,
   * other parameters, the response cache) stays as it is, so the winner is the user's config tuned.
   *
   * @throws NereidException.InvalidArgument when the point sets threads on a backend without such a setting
   */
  public ModelConfig applyTo(ModelConfig base) {
    ModelConfig.Builder b = base.toBuilder()
        .setMaxBatchSize(maxBatchSize)
        .clearInstanceGroup()
        .addInstanceGroup(ModelInstanceGroup.newBuilder().setCount(instances).setKind(ModelInstanceGroup.Kind.KIND_CPU));
    if (dynamicBatching()) {
      ModelDynamicBatching.Builder batching = base.getDynamicBatching().toBuilder()
          .setMaxQueueDelayMicroseconds(queueDelayMicros)
          .clearPreferredBatchSize();
      if (preferredBatchSize > 0) batching.addPreferredBatchSize(preferredBatchSize);
      b.setDynamicBatching(batching);
    } else {
      b.clearDynamicBatching();
    }
    if (intraOpThreads > 0) {
      b.putParameters(ThreadSetting.of(base).key(),
          ModelParameter.newBuilder().setStringValue(Integer.toString(intraOpThreads)).build());
    }
    return b.build();
  }

  /** A short label for tables and charts, e.g. {@code 2x1 b8 d100}. */
  public String label() {
    StringBuilder s = new StringBuilder();
    s.append(instances).append('x').append(intraOpThreads == 0 ? "-" : Integer.toString(intraOpThreads));
    s.append(" b").append(maxBatchSize);
    s.append(dynamicBatching() ? " d" + queueDelayMicros : " nodb");
    if (preferredBatchSize > 0) s.append(" p").append(preferredBatchSize);
    return s.toString();
  }

  /** The parameter name each backend reads its intra-op thread count from. */
  enum ThreadSetting {
    ONNXRUNTIME("intra_op_thread_count"),
    PYTORCH("INTRA_OP_THREAD_COUNT"),
    TENSORFLOW("TF_NUM_INTRA_THREADS");

    private final String key;

    ThreadSetting(String key) {
      this.key = key;
    }

    String key() {
      return key;
    }

    static ThreadSetting of(ModelConfig config) {
      String backend = config.getBackend().isEmpty() ? config.getPlatform() : config.getBackend();
      String b = backend.toLowerCase(Locale.ROOT);
      if (b.startsWith("onnxruntime")) return ONNXRUNTIME;
      if (b.startsWith("pytorch")) return PYTORCH;
      if (b.startsWith("tensorflow")) return TENSORFLOW;
      throw new NereidException.InvalidArgument("model '" + config.getName() + "' uses backend '" + backend
          + "', which has no intra-op thread setting to sweep: leave out --intra-op-threads");
    }
  }
}
