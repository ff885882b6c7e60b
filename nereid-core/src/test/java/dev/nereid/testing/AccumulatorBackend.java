package dev.nereid.testing;

import dev.nereid.Tensor;
import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.nio.IntBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stateful test model: OUTPUT = STATE_IN + INPUT, and STATE_OUT is the same sum, so with implicit
 * state the server threads a running total through a sequence. It also echoes the control inputs it
 * saw (START, END, READY, CORRID) and the index of the instance that ran it, so tests can check what
 * the sequence batcher fed it. Batched requests arrive as one tensor per input ([batch, 1]).
 */
public final class AccumulatorBackend implements Backend {
  @Override
  public String name() {
    return "accumulator";
  }

  @Override
  public BackendModel load(ModelContext context) {
    boolean batching = context.config().getMaxBatchSize() > 0;
    return new BackendModel() {
      @Override
      public BackendInstance createInstance(InstanceContext instance) {
        return batch -> {
          int rows = (int) batch.batchSize();
          long[] shape = batching ? new long[] {rows, 1} : new long[] {1};
          int[] in = ints(batch.input("INPUT"));
          int[] state = ints(batch.input("STATE_IN"));
          int[] sum = new int[rows];
          for (int i = 0; i < rows; i++) sum[i] = in[i] + state[i];
          int[] where = new int[rows];
          java.util.Arrays.fill(where, instance.index());
          Map<String, Tensor> out = new LinkedHashMap<>();
          out.put("OUTPUT", Tensor.of(sum, shape));
          out.put("STATE_OUT", Tensor.of(sum.clone(), shape));
          out.put("SEEN_START", batch.input("START"));
          out.put("SEEN_END", batch.input("END"));
          out.put("SEEN_READY", batch.input("READY"));
          out.put("SEEN_CORRID", batch.input("CORRID"));
          out.put("INSTANCE", Tensor.of(where, shape));
          out.values().removeIf(java.util.Objects::isNull);
          batch.respond(out);
        };
      }
    };
  }

  private static int[] ints(Tensor t) {
    IntBuffer b = t.data().asIntBuffer();
    int[] out = new int[b.remaining()];
    b.get(out);
    return out;
  }
}
