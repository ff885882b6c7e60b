package dev.nereid.internal.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The batcher's decisions from a learned cost curve: split across instances, or wait to fill a batch. */
class CostCurveTest {
  private static final long MS = 1_000_000;

  @Test
  void withoutObservationsNothingIsKnownAndWorkSplitsEvenly() {
    CostCurve curve = new CostCurve(64);
    assertThat(curve.hasEvidence()).isFalse();
    assertThat(curve.shareOf(16, 16)).isEqualTo(1);
    assertThat(curve.shareOf(64, 16)).isEqualTo(4);
    assertThat(curve.shareOf(9, 2)).isEqualTo(5);
  }

  @Test
  void aCpuLikeCurveSplitsWorkAcrossInstancesAndNeverWaits() {
    CostCurve curve = new CostCurve(64);
    // 34 ms per row, as the BERT-like encoder on one core; batches cost slightly more per row.
    for (int i = 0; i < 10; i++) {
      curve.record(1, 34 * MS);
      curve.record(16, 16 * 38 * MS);
    }
    assertThat(curve.hasEvidence()).isTrue();
    assertThat(curve.shareOf(16, 16)).isEqualTo(1);
    assertThat(curve.shareOf(64, 16)).isEqualTo(4);
    assertThat(curve.largerBatchPays(1, 64)).isFalse();
    assertThat(curve.estimate(8)).isBetween(8 * 34.0 * MS, 8 * 38.0 * MS);
  }

  @Test
  void aGpuLikeCurveKeepsOneLargeBatchAndWaitsToFillIt() {
    CostCurve curve = new CostCurve(64);
    // Nearly flat: a batch of 32 costs 1.05 times a batch of one.
    for (int i = 0; i < 10; i++) {
      curve.record(1, 10 * MS);
      curve.record(32, 105 * MS / 10);
    }
    assertThat(curve.shareOf(16, 4)).isEqualTo(16);
    assertThat(curve.largerBatchPays(1, 64)).isTrue();
    assertThat(curve.largerBatchPays(32, 64)).isFalse();
  }

  @Test
  void oneSizeSeenOftenEnoughIsEvidence() {
    CostCurve curve = new CostCurve(8);
    for (int i = 1; i < CostCurve.SINGLE_SIZE_EVIDENCE; i++) curve.record(1, MS);
    assertThat(curve.hasEvidence()).isFalse();
    curve.record(1, MS);
    assertThat(curve.hasEvidence()).isTrue();
    // Beyond what was seen, the cost per row is assumed to stay: a larger batch does not pay.
    assertThat(curve.largerBatchPays(1, 8)).isFalse();
    assertThat(curve.estimate(4)).isEqualTo(4.0 * MS);
  }
}
