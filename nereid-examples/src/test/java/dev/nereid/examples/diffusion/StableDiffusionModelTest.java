package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ErrorCode;
import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.ModelControlMode;
import dev.nereid.NereidException;
import dev.nereid.ResponseIterator;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import dev.nereid.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The stable_diffusion model of the example repository, served with the tiny ONNX models, end to end:
 * 64 x 64 images in 5 steps, compared with the images generate_tiny_diffusion.py's numpy/torch pipeline
 * made from the same models, prompt, seed and settings.
 */
class StableDiffusionModelTest {
  private static final String PROMPT = "butterfly in new york";
  private static Server server;
  private static Model model;

  @BeforeAll
  static void start() {
    server = new Server(ServerOptions.builder()
        .modelRepository(TestFiles.EXAMPLES)
        .modelControlMode(ModelControlMode.EXPLICIT)
        .startupModel("text_encoder").startupModel("unet").startupModel("vae_decoder").startupModel("stable_diffusion")
        .build()).start();
    model = server.model("stable_diffusion");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static InferenceRequest.Builder request(Map<String, Object> parameters) {
    InferenceRequest.Builder b = InferenceRequest.builder().input("prompt", Tensor.of(new String[] {PROMPT}))
        .parameter("steps", 5L).parameter("height", 64L).parameter("width", 64L).parameter("seed", 42L);
    parameters.forEach((k, v) -> {
      switch (v) {
        case Long l -> b.parameter(k, l);
        case Double d -> b.parameter(k, d);
        default -> b.parameter(k, v.toString());
      }
    });
    return b;
  }

  /** The final response of a request, after its progress responses. */
  static InferenceResponse last(Model model, InferenceRequest request) {
    InferenceResponse last = null;
    for (InferenceResponse response : model.infer(request)) last = response;
    return last;
  }

  static byte[] image(Map<String, Object> parameters) {
    return TestImages.bytes(last(model, request(parameters).build()).output("generated_image"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "pipeline_lms.png, lms, 7.5, ''",
      "pipeline_ddim.png, ddim, 7.5, ''",
      "pipeline_euler.png, euler, 7.5, ''",
      "pipeline_lms_unguided.png, lms, 1.0, ''",
      "pipeline_lms_negative.png, lms, 7.5, 'blurry, low quality'",
  })
  void matchesTheReferencePipeline(String reference, String scheduler, double guidance, String negative) {
    InferenceRequest.Builder b = request(Map.of("scheduler", scheduler, "guidance_scale", guidance));
    if (!negative.isEmpty()) b.input("negative_prompt", Tensor.of(new String[] {negative}));
    Tensor image = last(model, b.build()).output("generated_image");
    assertThat(image.shape()).containsExactly(64, 64, 3);
    byte[] expected = TestImages.reference(reference);
    // ONNX Runtime and torch round floats differently; a level of difference here and there is expected.
    assertThat(TestImages.maxDifference(TestImages.bytes(image), expected)).isLessThanOrEqualTo(2);
    assertThat(TestImages.meanDifference(TestImages.bytes(image), expected)).isLessThan(0.1);
  }

  @Test
  void settingsChangeTheImage() {
    byte[] lms = TestImages.reference("pipeline_lms.png");
    for (String other : List.of("pipeline_ddim.png", "pipeline_euler.png", "pipeline_lms_unguided.png",
        "pipeline_lms_negative.png")) {
      assertThat(TestImages.meanDifference(lms, TestImages.reference(other))).as(other).isGreaterThan(2);
    }
  }

  @Test
  void imageHasTheRequestedShape() {
    Tensor image = last(model, request(Map.of("height", 48L, "width", 80L, "steps", 2L)).build())
        .output("generated_image");
    assertThat(image.shape()).containsExactly(48, 80, 3);
  }

  @Test
  void sameSeedSameImageOtherSeedOtherImage() {
    byte[] first = image(Map.of("seed", 7L, "steps", 3L));
    byte[] again = image(Map.of("seed", 7L, "steps", 3L));
    byte[] other = image(Map.of("seed", 8L, "steps", 3L));
    byte[] highBits = image(Map.of("seed", 7L + (1L << 48), "steps", 3L)); // java.util.Random alone keeps 48 bits
    assertThat(again).isEqualTo(first);
    assertThat(TestImages.meanDifference(first, other)).isGreaterThan(5);
    assertThat(TestImages.meanDifference(first, highBits)).isGreaterThan(5);
  }

  @Test
  void withoutASeedTheResponseNamesTheOneUsed() {
    InferenceRequest request = InferenceRequest.builder().input("prompt", Tensor.of(new String[] {PROMPT}))
        .parameter("steps", 2L).parameter("height", 32L).parameter("width", 32L).build();
    InferenceResponse first = last(model, request);
    InferenceResponse second = last(model, request);
    assertThat(first.parameters().get("seed")).isInstanceOf(Long.class).isNotEqualTo(second.parameters().get("seed"));
    byte[] again = TestImages.bytes(last(model, request.toBuilder().parameter("seed", (Long) first.parameters().get("seed"))
        .build()).output("generated_image"));
    assertThat(again).isEqualTo(TestImages.bytes(first.output("generated_image")));
  }

  @Test
  void guidanceOneSkipsTheUnconditionalPass() {
    long encoded = inferences("text_encoder");
    long denoised = inferences("unet");
    image(Map.of("guidance_scale", 1.0, "steps", 3L));
    awaitInferences("text_encoder", encoded + 1);
    awaitInferences("unet", denoised + 3);
    image(Map.of("guidance_scale", 7.5, "steps", 3L));
    awaitInferences("text_encoder", encoded + 1 + 2);
    awaitInferences("unet", denoised + 3 + 6);
    // Guided steps run the two passes as one batch of 2, never as two calls.
    assertThat(server.model("unet").statistics().get(0).batchStats())
        .allSatisfy(s -> assertThat(s.batchSize()).isBetween(1L, 2L));
  }

  @Test
  void reportsProgressBeforeTheImage() {
    List<InferenceResponse> responses = new ArrayList<>();
    model.infer(request(Map.of("steps", 4L)).build()).forEach(responses::add);
    assertThat(responses).hasSize(4);
    for (int i = 0; i < 3; i++) {
      assertThat(responses.get(i).outputs()).isEmpty();
      assertThat(responses.get(i).isFinal()).isFalse();
      assertThat(responses.get(i).parameters()).containsEntry("progress", i + 1L).containsEntry("progress_total", 4L);
    }
    InferenceResponse last = responses.get(3);
    assertThat(last.isFinal()).isTrue();
    assertThat(last.parameters()).containsEntry("progress", 4L).containsEntry("progress_total", 4L)
        .containsEntry("seed", 42L);
    assertThat(last.outputs()).containsOnlyKeys("generated_image");
  }

  @Test
  void cancellingStopsTheDenoisingLoop() {
    long denoised = inferences("unet");
    ResponseIterator responses = model.infer(request(Map.of("steps", 999L)).build()).raiseOnError(false);
    InferenceResponse first = responses.next();
    assertThat(first.parameters()).containsEntry("progress", 1L);
    responses.cancel();
    InferenceResponse last = first;
    while (responses.hasNext()) last = responses.next();
    assertThat(last.error()).get().extracting(NereidException::code).isEqualTo(ErrorCode.CANCELLED);
    assertThat(last.error().get()).hasMessageContaining("cancelled after step").hasMessageContaining("of 999");
    assertThat(inferences("unet") - denoised).isLessThan(900);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "steps|0|parameter 'steps' must be 1 to 1000, got 0",
      "steps|2.5|parameter 'steps' must be an integer, got 2.5",
      "steps|many|parameter 'steps' must be an integer, got 'many'",
      "scheduler|pndm|unknown scheduler 'pndm'; choose one of [lms, ddim, euler]",
      "height|60|parameter 'height' must be a multiple of 8 (the VAE's scale), got 60",
      "width|4096|parameter 'width' must be 8 to 2048, got 4096",
      "guidance_scale|-1|parameter 'guidance_scale' must be a number >= 0, got -1.0",
      "seed|x|parameter 'seed' must be an integer, got 'x'",
  })
  void badParametersAreRejected(String key, String value, String message) {
    Object parsed = value.matches("-?\\d+") ? (Object) Long.parseLong(value)
        : value.matches("-?\\d+\\.\\d+") ? (Object) Double.parseDouble(value) : value;
    assertThatThrownBy(() -> last(model, request(Map.of(key, parsed)).build()))
        .isInstanceOfSatisfying(NereidException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage("model 'stable_diffusion' version 1 failed: " + message);
    assertThat(image(Map.of("steps", 1L))).hasSize(64 * 64 * 3); // and the model keeps serving
  }

  static long inferences(String name) {
    return server.model(name).statistics().get(0).inferenceCount();
  }

  static void awaitInferences(String name, long count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (inferences(name) < count && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(inferences(name)).as("inferences of %s", name).isEqualTo(count);
  }
}
