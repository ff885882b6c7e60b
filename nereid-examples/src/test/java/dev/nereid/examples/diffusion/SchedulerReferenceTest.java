package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Each scheduler against numbers from generate_tiny_diffusion.py's numpy re-statement of diffusers'
 * schedulers: timesteps, sigmas, input scales, and a run of update steps on given noise predictions.
 */
class SchedulerReferenceTest {
  private static final JsonNode REFERENCE = TestFiles.json("scheduler_reference.json");

  @Test
  void trainingScheduleIsScaledLinear() {
    REFERENCE.get("alphas_cumprod").properties().forEach(e ->
        assertThat(NoiseSchedule.alphaCumprod(Integer.parseInt(e.getKey())))
            .as("alpha-bar at %s", e.getKey()).isCloseTo(e.getValue().asDouble(), within(1e-12)));
  }

  @ParameterizedTest
  @EnumSource(SchedulerKind.class)
  void matchesTheReference(SchedulerKind kind) {
    for (JsonNode run : REFERENCE.get(kind.id())) {
      int steps = run.get("steps").intValue();
      Scheduler scheduler = kind.create(steps);
      String what = kind.id() + " with " + steps + " steps";
      assertThat(scheduler.steps()).isEqualTo(steps);
      double[] timesteps = TestFiles.doubles(run.get("timesteps"));
      double[] scales = TestFiles.doubles(run.get("input_scales"));
      for (int i = 0; i < steps; i++) {
        assertThat(scheduler.timestep(i)).as("%s: timestep %d", what, i).isCloseTo(timesteps[i], within(1e-9));
        assertThat(scheduler.inputScale(i)).as("%s: input scale %d", what, i).isCloseTo(scales[i], within(1e-9));
      }
      assertThat(scheduler.initNoiseSigma()).as("%s: initial sigma", what)
          .isCloseTo(run.get("init_noise_sigma").asDouble(), within(1e-9));
      if (!run.get("sigmas").isNull()) {
        double[] sigmas = TestFiles.doubles(run.get("sigmas"));
        SigmaScheduler table = (SigmaScheduler) scheduler;
        for (int i = 0; i <= steps; i++) {
          assertThat(table.sigma(i)).as("%s: sigma %d", what, i).isCloseTo(sigmas[i], within(1e-9));
        }
      }
      float[] sample = TestFiles.floats(run.get("sample"));
      int i = 0;
      for (JsonNode step : run.get("trace")) {
        scheduler.step(TestFiles.floats(step.get("model_output")), i, sample);
        float[] expected = TestFiles.floats(step.get("prev_sample"));
        for (int k = 0; k < sample.length; k++) {
          float tolerance = 2e-5f * Math.max(1, Math.abs(expected[k]));
          assertThat(sample[k]).as("%s: element %d after step %d", what, k, i).isCloseTo(expected[k], Offset.offset(tolerance));
        }
        i++;
      }
      assertThat(i).as("%s: steps traced", what).isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void lmsCoefficientsOfOneStepSumToTheSigmaStep() {
    // The Lagrange basis sums to 1, so the weights of one step add up to sigma_i+1 - sigma_i.
    LmsScheduler lms = (LmsScheduler) SchedulerKind.LMS.create(10);
    for (int i = 3; i < 10; i++) {
      double sum = 0;
      for (int back = 0; back < LmsScheduler.ORDER; back++) sum += lms.coefficient(LmsScheduler.ORDER, i, back);
      assertThat(sum).isCloseTo(lms.sigma(i + 1) - lms.sigma(i), within(1e-9));
    }
  }

  @Test
  void stepCountsAreChecked() {
    assertThatThrownBy(() -> SchedulerKind.LMS.create(0)).hasMessage("the lms scheduler takes 1 to 1000 steps, got 0");
    assertThatThrownBy(() -> SchedulerKind.DDIM.create(1000)).hasMessage("the ddim scheduler takes 1 to 999 steps, got 1000");
    assertThat(SchedulerKind.EULER.create(1000).timestep(999)).isZero();
    assertThat(SchedulerKind.DDIM.create(999).timestep(0)).isEqualTo(999);
    assertThatThrownBy(() -> SchedulerKind.parse("pndm")).hasMessage("unknown scheduler 'pndm'; choose one of [lms, ddim, euler]");
    assertThat(SchedulerKind.parse(" Euler ")).isEqualTo(SchedulerKind.EULER);
  }
}
