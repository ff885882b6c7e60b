package dev.nereid.examples.diffusion;

import dev.nereid.ModelControlMode;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.Batch;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.ResponseFlag;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code stable_diffusion} model: text to image with Stable Diffusion 1.x, a Java model that calls
 * the {@code text_encoder}, {@code unet} and {@code vae_decoder} models (business logic scripting), as
 * the Python model of Triton's tutorial does.
 *
 * <p>Input {@code prompt} BYTES [1], optional {@code negative_prompt} BYTES [1]; output
 * {@code generated_image} UINT8 [height, width, 3]. Request parameters: see {@link GenerationSettings}.
 * The final response carries the parameter {@code seed}, the seed used (random unless the request
 * gave one), so any image can be made again.
 *
 * <p>Progress: when the config makes the model decoupled ({@code model_transaction_policy { decoupled:
 * true }}), it sends one response per denoising step, without outputs, with the parameters
 * {@code progress} (steps done) and {@code progress_total} (all steps), then the image as the final
 * response. Otherwise it sends the image only.
 *
 * <p>In EXPLICIT model control mode, loading this model also loads the three models it calls when
 * they are not loaded.
 *
 * <p>Config parameters: {@code tokenizer}, the folder of CLIP's {@code vocab.json} and
 * {@code merges.txt}, relative to the version folder (default {@code tokenizer}); {@code text_encoder},
 * {@code unet} and {@code vae_decoder}, the names of the models to call (default: those names).
 */
public final class StableDiffusionModel implements JavaModel {
  /** The response parameter holding the steps done. */
  public static final String PROGRESS = "progress";
  /** The response parameter holding the number of steps. */
  public static final String PROGRESS_TOTAL = "progress_total";

  private JavaModelContext context;
  private DiffusionPipeline pipeline;

  @Override
  public void initialize(JavaModelContext context) throws Exception {
    this.context = context;
    Path tokenizer = context.versionDirectory().resolve(context.parameter("tokenizer").orElse("tokenizer"));
    List<String> models = List.of(context.parameter("text_encoder").orElse("text_encoder"),
        context.parameter("unet").orElse("unet"), context.parameter("vae_decoder").orElse("vae_decoder"));
    // Names, not handles: during the server's startup load, handles cannot be made yet.
    pipeline = new DiffusionPipeline(ClipTokenizer.load(tokenizer), context::model, models.get(0), models.get(1),
        models.get(2));
    loadMissing(models);
  }

  /**
   * In EXPLICIT mode, loads the models the pipeline calls that are not loaded yet, as a Triton Python
   * model does with {@code pb_utils.load_model}: loading stable_diffusion alone is enough. Models the
   * server loads at startup are left to it; in the other modes the server decides what is loaded.
   */
  private void loadMissing(List<String> models) {
    Server server = context.server();
    Set<String> startup = server.options().startupModels();
    if (server.options().modelControlMode() != ModelControlMode.EXPLICIT || !server.live() || startup.contains("*")) {
      return;
    }
    for (String name : models) {
      if (!startup.contains(name) && !server.model(name).ready()) {
        context.logger().info("loading '{}', which it calls", name);
        server.load(name);
      }
    }
  }

  @Override
  public void execute(Batch batch) {
    for (BackendRequest request : batch.requests()) {
      try {
        generate(request);
      } catch (NereidException e) {
        request.responder().fail(NereidException.of(e.code(), failure(e.getMessage()), e));
      } catch (IllegalArgumentException e) {
        request.responder().fail(new NereidException.InvalidArgument(failure(e.getMessage()), e));
      } catch (RuntimeException e) {
        context.logger().warn("generation failed", e);
        request.responder().fail(new NereidException.Internal(failure(e.toString()), e));
      }
    }
  }

  private void generate(BackendRequest request) {
    GenerationSettings settings = GenerationSettings.from(request.parameters());
    String prompt = text(request, "prompt");
    String negative = request.input("negative_prompt") == null ? "" : text(request, "negative_prompt");
    long seed = settings.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
    boolean reportProgress = context.decoupled();
    Tensor image = pipeline.generate(prompt, negative, settings, seed, () -> context.childRequest(request),
        (done, total) -> {
          if (request.isCancelled()) {
            throw new NereidException.Cancelled("cancelled after step " + done + " of " + total);
          }
          if (reportProgress && done < total) {
            request.responder().send(Map.of(), Map.of(PROGRESS, (long) done, PROGRESS_TOTAL, (long) total), ResponseFlag.MORE);
          }
        });
    Map<String, Object> parameters = reportProgress
        ? Map.of("seed", seed, PROGRESS, (long) settings.steps(), PROGRESS_TOTAL, (long) settings.steps())
        : Map.of("seed", seed);
    request.responder().send(Map.of("generated_image", image), parameters, ResponseFlag.FINAL);
  }

  private static String text(BackendRequest request, String input) {
    Tensor tensor = request.input(input);
    if (tensor == null) {
      throw new IllegalArgumentException("input '" + input + "' is missing");
    }
    String[] values = tensor.toStrings();
    if (values.length != 1) {
      throw new IllegalArgumentException("input '" + input + "' must hold one string, got " + values.length);
    }
    return values[0];
  }

  private String failure(String message) {
    return "model '" + context.modelName() + "' version " + context.modelVersion() + " failed: " + message;
  }
}
