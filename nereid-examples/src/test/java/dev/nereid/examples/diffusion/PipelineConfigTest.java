package dev.nereid.examples.diffusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.ErrorCode;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelControlMode;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline in repositories laid out otherwise than the example one. */
class PipelineConfigTest {
  @TempDir Path repository;

  @Test
  void withoutDecoupledItSendsTheImageOnly() throws IOException {
    copy("text_encoder", "text_encoder");
    copy("unet", "unet");
    copy("vae_decoder", "vae_decoder");
    copy("stable_diffusion", "stable_diffusion");
    editConfig("stable_diffusion", c -> c.replace("model_transaction_policy { decoupled: true }\n", ""));
    try (Server server = start("text_encoder", "unet", "vae_decoder", "stable_diffusion")) {
      List<InferenceResponse> responses = new ArrayList<>();
      server.model("stable_diffusion").infer(StableDiffusionModelTest.request(Map.of()).build()).forEach(responses::add);
      assertThat(responses).hasSize(1);
      assertThat(responses.get(0).parameters()).containsOnlyKeys("seed");
      byte[] image = TestImages.bytes(responses.get(0).output("generated_image"));
      assertThat(TestImages.maxDifference(image, TestImages.reference("pipeline_lms.png"))).isLessThanOrEqualTo(2);
    }
  }

  @Test
  void modelNamesComeFromTheConfigAndAFloatTimestepIsSentAsIs() throws IOException {
    copy("text_encoder", "clip");
    copy("vae_decoder", "decoder");
    Files.createDirectories(repository.resolve("unet_fp32/1"));
    Files.copy(TestFiles.resource("unet_float_timestep/model.onnx"), repository.resolve("unet_fp32/1/model.onnx"));
    Files.copy(TestFiles.EXAMPLES.resolve("unet/config.pbtxt"), repository.resolve("unet_fp32/config.pbtxt"));
    copy("stable_diffusion", "sd");
    editConfig("sd", c -> c + "parameters { key: \"text_encoder\" value { string_value: \"clip\" } }\n"
        + "parameters { key: \"unet\" value { string_value: \"unet_fp32\" } }\n"
        + "parameters { key: \"vae_decoder\" value { string_value: \"decoder\" } }\n");
    try (Server server = start("clip", "unet_fp32", "decoder", "sd")) {
      assertThat(server.model("unet_fp32").metadata().inputs())
          .anySatisfy(t -> assertThat(t.name() + " " + t.datatype()).isEqualTo("timestep FP32"));
      byte[] image = TestImages.bytes(StableDiffusionModelTest.last(server.model("sd"),
          StableDiffusionModelTest.request(Map.of()).build()).output("generated_image"));
      // LMS timesteps are fractions: an FP32 timestep gets them whole, unlike the INT64 one.
      assertThat(TestImages.maxDifference(image, TestImages.reference("pipeline_lms_float_timestep.png")))
          .isLessThanOrEqualTo(2);
      assertThat(TestImages.maxDifference(image, TestImages.reference("pipeline_lms.png"))).isGreaterThan(8);
    }
  }

  @Test
  void aMissingModelIsNamedAndTheOthersKeepServing() throws IOException {
    copy("text_encoder", "text_encoder");
    copy("vae_decoder", "vae_decoder");
    copy("stable_diffusion", "stable_diffusion");
    // All models at startup (NONE mode): stable_diffusion loads, and finds out at its first request.
    try (Server server = new Server(ServerOptions.of(repository)).start()) {
      assertThatThrownBy(() -> StableDiffusionModelTest.last(server.model("stable_diffusion"),
          StableDiffusionModelTest.request(Map.of()).build()))
          .isInstanceOfSatisfying(NereidException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessageStartingWith("model 'stable_diffusion' version 1 failed: the UNet model 'unet' is not available: ");
      assertThat(server.model("stable_diffusion").ready()).isTrue();
    }
  }

  @Test
  void loadingItInExplicitModeLoadsTheModelsItCalls() throws IOException {
    for (String m : List.of("text_encoder", "unet", "vae_decoder", "stable_diffusion")) copy(m, m);
    try (Server server = start()) {
      server.load("stable_diffusion");
      for (String m : List.of("text_encoder", "unet", "vae_decoder", "stable_diffusion")) {
        assertThat(server.model(m).ready()).as(m).isTrue();
      }
    }
  }

  @Test
  void aDependencyThatCannotLoadFailsTheLoad() throws IOException {
    for (String m : List.of("text_encoder", "vae_decoder", "stable_diffusion")) copy(m, m);
    try (Server server = start()) {
      assertThatThrownBy(() -> server.load("stable_diffusion")).hasMessageContaining("no model folder named 'unet'");
      assertThat(server.model("stable_diffusion").ready()).isFalse();
    }
    try (Server server = start("stable_diffusion")) { // the same when it is a startup model
      assertThat(server.model("stable_diffusion").reason()).contains("no model folder named 'unet'");
    }
  }

  @Test
  void startupModelsWithOnlySomeOfItsModelsGetTheRest() throws IOException {
    for (String m : List.of("text_encoder", "unet", "vae_decoder", "stable_diffusion")) copy(m, m);
    try (Server server = start("stable_diffusion", "unet")) {
      for (String m : List.of("text_encoder", "unet", "vae_decoder", "stable_diffusion")) {
        assertThat(server.model(m).ready()).as(m).isTrue();
      }
    }
  }

  @Test
  void aMissingTokenizerMakesTheModelUnavailable() throws IOException {
    copy("stable_diffusion", "stable_diffusion");
    try (Stream<Path> files = Files.list(repository.resolve("stable_diffusion/1/tokenizer"))) {
      for (Path f : files.toList()) Files.delete(f);
    }
    try (Server server = start()) {
      assertThatThrownBy(() -> server.load("stable_diffusion"))
          .hasMessageContaining("the CLIP tokenizer file " + repository.resolve("stable_diffusion/1/tokenizer/vocab.json")
              + " is missing");
      assertThat(server.model("stable_diffusion").state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(server.model("stable_diffusion").reason()).contains("vocab.json is missing");
    }
  }

  private Server start(String... models) {
    ServerOptions.Builder options = ServerOptions.builder().modelRepository(repository)
        .modelControlMode(ModelControlMode.EXPLICIT);
    for (String m : models) options.startupModel(m);
    return new Server(options.build()).start();
  }

  /** Copies an example model folder. */
  private void copy(String example, String name) throws IOException {
    Path from = TestFiles.EXAMPLES.resolve(example);
    Path to = repository.resolve(name);
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) Files.createDirectories(target);
        else Files.copy(f, target);
      }
    }
  }

  private void editConfig(String name, java.util.function.UnaryOperator<String> edit) {
    Path config = repository.resolve(name).resolve("config.pbtxt");
    try {
      Files.writeString(config, edit.apply(Files.readString(config)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
