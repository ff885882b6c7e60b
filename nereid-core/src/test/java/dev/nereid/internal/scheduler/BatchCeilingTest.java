package dev.nereid.internal.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Trials of the batch ceiling against simulated models: each batch takes the queue's share (24 rows)
 * up to the ceiling, costs what the model's curve says plus noise, and finishes in the window it was
 * formed in.
 */
class BatchCeilingTest {
  private static final double NOISE = 0.04; // +-4 % per batch, as two instances on two busy cores show

  /** The simulated clock and the ceiling it drives; {@code share} rows are queued per batch. */
  private static final class Simulation {
    final BatchCeiling ceiling = new BatchCeiling("sim", 64, 0);
    final Random random = new Random(17);
    long now;
    long rowsRun;
    long smallBatches;

    void run(int batches, int share, IntToDoubleFunction microsPerBatch) {
      for (int i = 0; i < batches; i++) {
        int rows = Math.min(share, ceiling.limit());
        long window = ceiling.window();
        long nanos = (long) (microsPerBatch.applyAsDouble(rows) * 1000 * (1 + NOISE * (2 * random.nextDouble() - 1)));
        now += nanos / 2; // two instances
        ceiling.record(window, rows, nanos, now);
        rowsRun += rows;
        if (rows < share) smallBatches++;
      }
    }
  }

  /** A CPU model: cheapest per row at 4, 20 % dearer alone, 5 % dearer per doubling above 4. */
  private static double cpu(int rows) {
    double perRow = rows >= 4 ? 1000 * (1 + 0.05 * Math.log(rows / 4.0) / Math.log(2)) : rows == 1 ? 1200 : 1100;
    return perRow * rows;
  }

  /** A GPU model below saturation: a batch costs nearly the same whatever its rows. */
  private static double gpu(int rows) {
    return 10_000 + 200 * rows;
  }

  @Test
  void onACpuModelTheCeilingComesDownToTheCheapestSize() {
    Simulation sim = new Simulation();
    sim.run(20_000, 24, BatchCeilingTest::cpu);
    assertThat(sim.ceiling.settled()).isEqualTo(4);
  }

  @Test
  void onAGpuModelTheCeilingStaysAndTrialsFade() {
    Simulation sim = new Simulation();
    sim.run(2_000, 24, BatchCeilingTest::gpu);
    long early = sim.smallBatches;
    sim.run(100_000, 24, BatchCeilingTest::gpu);
    sim.smallBatches = 0;
    sim.run(100_000, 24, BatchCeilingTest::gpu);
    assertThat(sim.ceiling.settled()).isEqualTo(64);
    // Trials halve a batch in half of their windows; after a few that moved nothing, one window in
    // about 130 is a trial's.
    assertThat(early).isPositive();
    assertThat(sim.smallBatches).isLessThan(100_000 / 50);
  }

  @Test
  void whenLargerBatchesStartToPayTheCeilingGoesBackUp() {
    Simulation sim = new Simulation();
    sim.run(20_000, 24, BatchCeilingTest::cpu);
    assertThat(sim.ceiling.settled()).isEqualTo(4);
    sim.run(100_000, 24, BatchCeilingTest::gpu);
    assertThat(sim.ceiling.settled()).isGreaterThanOrEqualTo(32);
  }

  @Test
  void aModelOfMicrosecondsKeepsItsBatches() {
    // The CPU curve's shape at 1/100 of its time: a batch's hand-offs would cost more than its size saves.
    Simulation sim = new Simulation();
    sim.run(20_000, 24, rows -> cpu(rows) / 100);
    assertThat(sim.ceiling.settled()).isEqualTo(64);
    assertThat(sim.smallBatches).isZero();
  }

  @Test
  void aShallowQueueStartsNoTrial() {
    Simulation sim = new Simulation();
    sim.run(20_000, 1, BatchCeilingTest::cpu);
    assertThat(sim.ceiling.settled()).isEqualTo(64);
    assertThat(sim.smallBatches).isZero();
  }

  @Test
  void aBatchFormedInAnEarlierWindowIsNotCounted() {
    BatchCeiling ceiling = new BatchCeiling("sim", 64, 0);
    long stale = ceiling.window();
    for (int i = 0; i < BatchCeiling.WINDOW_BATCHES; i++) {
      ceiling.record(stale, 8, 1_000_000, BatchCeiling.WINDOW_NANOS * (i + 1));
    }
    assertThat(ceiling.window()).isEqualTo(stale + 1);
    // Batches formed before that window closed finish later: they count for no window.
    for (int i = 0; i < 2 * BatchCeiling.WINDOW_BATCHES; i++) {
      ceiling.record(stale, 8, 1_000_000, BatchCeiling.WINDOW_NANOS * (i + 10));
    }
    assertThat(ceiling.window()).isEqualTo(stale + 1);
  }
}
