package dev.nereid.examples.diffusion;

import dev.nereid.DataType;
import dev.nereid.InferenceRequest;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Stable Diffusion 1.x text-to-image over three served models, as Triton's tutorial pipeline runs it:
 * CLIP-tokenize the prompt and the negative prompt (empty by default), encode both with
 * {@code text_encoder} in one batch, start from seeded Gaussian latents, and at each scheduler step call
 * {@code unet} once on the unconditional and conditional latents batched together, mixing the two
 * predictions by the guidance scale; finally scale the latents by 1/0.18215, decode them with
 * {@code vae_decoder} and map [-1, 1] to 8-bit RGB. With guidance 1 or less only the conditional pass
 * runs.
 *
 * <p>Tensor names are those of the Hugging Face Optimum export. Thread-safe: each call to
 * {@link #generate} keeps its own state.
 */
final class DiffusionPipeline {
  /** Stable Diffusion's VAE scaling factor: latents are divided by it before decoding. */
  static final double VAE_SCALING = 0.18215;
  static final int LATENT_CHANNELS = 4;
  static final int VAE_SCALE = 8;

  /** Told after each denoising step; throwing stops the generation. */
  interface Progress {
    void stepDone(int done, int total);
  }

  private final ClipTokenizer tokenizer;
  private final Function<String, Model> models;
  private final String textEncoder;
  private final String unet;
  private final String vaeDecoder;

  /** A pipeline calling the models of these names, looked up through {@code models} for each generation. */
  DiffusionPipeline(ClipTokenizer tokenizer, Function<String, Model> models, String textEncoder, String unet,
      String vaeDecoder) {
    this.tokenizer = tokenizer;
    this.models = models;
    this.textEncoder = textEncoder;
    this.unet = unet;
    this.vaeDecoder = vaeDecoder;
  }

  /**
   * Generates one image: a UINT8 [height, width, 3] tensor.
   *
   * @param requests makes the builders of the calls to the three models (preset with the caller's
   *     request id, priority and timeout)
   */
  Tensor generate(String prompt, String negativePrompt, GenerationSettings settings, long seed,
      Supplier<InferenceRequest.Builder> requests, Progress progress) {
    PipelineModel encoder = PipelineModel.resolve("text encoder", models.apply(textEncoder));
    PipelineModel denoiser = PipelineModel.resolve("UNet", models.apply(unet));
    PipelineModel decoder = PipelineModel.resolve("VAE decoder", models.apply(vaeDecoder));

    boolean guided = settings.guided();
    int batch = guided ? 2 : 1;
    List<String> texts = guided ? List.of(negativePrompt, prompt) : List.of(prompt);
    Tensor hiddenStates = encode(encoder, texts, requests);

    int latentHeight = settings.height() / VAE_SCALE;
    int latentWidth = settings.width() / VAE_SCALE;
    int size = LATENT_CHANNELS * latentHeight * latentWidth;
    Scheduler scheduler = settings.scheduler().create(settings.steps());
    float[] latents = noise(seed, size, scheduler.initNoiseSigma());

    denoiser.inputType("sample", DataType.FP32);
    denoiser.inputType("encoder_hidden_states", DataType.FP32);
    DataType timestepType = denoiser.inputType("timestep", DataType.INT64, DataType.INT32, DataType.FP32);
    long[] timestepShape = denoiser.inputShape("timestep", batch);
    long[] sampleShape = {batch, LATENT_CHANNELS, latentHeight, latentWidth};
    // One buffer for every step's UNet input: each call has returned before the next overwrites it.
    ByteBuffer sampleBytes = ByteBuffer.allocateDirect(batch * size * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer sample = sampleBytes.asFloatBuffer();
    float[] scaled = new float[size];
    float[] prediction = new float[size];
    float[] conditional = guided ? new float[size] : null;
    float guidance = (float) settings.guidanceScale();

    for (int i = 0; i < scheduler.steps(); i++) {
      float scale = (float) scheduler.inputScale(i);
      for (int k = 0; k < size; k++) scaled[k] = latents[k] * scale;
      for (int b = 0; b < batch; b++) sample.put(b * size, scaled);
      InferenceRequest call = requests.get()
          .input("sample", Tensor.of(DataType.FP32, sampleShape, sampleBytes))
          .input("timestep", timestep(timestepType, scheduler.timestep(i), timestepShape))
          .input("encoder_hidden_states", hiddenStates)
          .output("out_sample")
          .build();
      FloatBuffer out = floats(denoiser.infer(call, "out_sample"), "UNet", "out_sample", (long) batch * size);
      out.get(0, prediction);
      if (guided) {
        // Classifier-free guidance: the unconditional prediction, pushed towards the conditional one.
        out.get(size, conditional);
        for (int k = 0; k < size; k++) prediction[k] += guidance * (conditional[k] - prediction[k]);
      }
      scheduler.step(prediction, i, latents);
      progress.stepDone(i + 1, scheduler.steps());
    }
    return decode(decoder, latents, latentHeight, latentWidth, requests);
  }

  private Tensor encode(PipelineModel encoder, List<String> texts, Supplier<InferenceRequest.Builder> requests) {
    DataType idsType = encoder.inputType("input_ids", DataType.INT32, DataType.INT64);
    long[] shape = {texts.size(), ClipTokenizer.MAX_LENGTH};
    int[] ids = texts.stream().map(tokenizer::encode).flatMapToInt(Arrays::stream).toArray();
    Tensor input = idsType == DataType.INT32
        ? Tensor.of(ids, shape)
        : Tensor.of(Arrays.stream(ids).asLongStream().toArray(), shape);
    Tensor hidden = encoder.infer(
        requests.get().input("input_ids", input).output("last_hidden_state").build(), "last_hidden_state");
    if (hidden.dataType() != DataType.FP32 || hidden.rank() != 3 || hidden.dim(0) != texts.size()) {
        throw new NereidException.Unsupported("the text encoder model '" + encoder.name()
            + "' returned last_hidden_state as " + hidden + "; the pipeline needs FP32 [" + texts.size() + ", 77, hidden]");
    }
    return hidden;
  }

  private Tensor decode(PipelineModel decoder, float[] latents, int latentHeight, int latentWidth,
      Supplier<InferenceRequest.Builder> requests) {
    decoder.inputType("latent_sample", DataType.FP32);
    float[] scaled = new float[latents.length];
    float factor = (float) (1 / VAE_SCALING);
    for (int k = 0; k < latents.length; k++) scaled[k] = latents[k] * factor;
    Tensor input = Tensor.of(scaled, 1, LATENT_CHANNELS, latentHeight, latentWidth);
    Tensor image = decoder.infer(requests.get().input("latent_sample", input).output("sample").build(), "sample");
    if (image.dataType() != DataType.FP32 || image.rank() != 4 || image.dim(0) != 1 || image.dim(1) != 3) {
      throw new NereidException.Unsupported("the VAE decoder model '" + decoder.name() + "' returned sample as "
          + image + "; the pipeline needs FP32 [1, 3, height, width]");
    }
    return Images.toRgb(image.asFloatBuffer(), (int) image.dim(2), (int) image.dim(3));
  }

  /**
   * Seeded standard normal noise times the scheduler's initial sigma. java.util.Random, whose
   * algorithm its specification fixes, so a seed gives the same image on every JVM; it keeps 48 bits
   * of its seed, so the seed goes through SplitMix64's mixing function first: seeds that differ only
   * in their top 16 bits give different noise too.
   */
  static float[] noise(long seed, int size, double sigma) {
    Random random = new Random(mix(seed));
    float[] out = new float[size];
    for (int k = 0; k < size; k++) out[k] = (float) ((float) random.nextGaussian() * sigma);
    return out;
  }

  /** SplitMix64's finalizer: a bijection of 64-bit values that spreads every input bit over the output. */
  static long mix(long seed) {
    long z = seed + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static Tensor timestep(DataType type, double t, long[] shape) {
    int n = (int) Arrays.stream(shape).reduce(1, Math::multiplyExact);
    return switch (type) {
      // An integer timestep is truncated, as numpy's astype does in diffusers' ONNX pipeline.
      case INT64 -> { long[] v = new long[n]; Arrays.fill(v, (long) t); yield Tensor.of(v, shape); }
      case INT32 -> { int[] v = new int[n]; Arrays.fill(v, (int) t); yield Tensor.of(v, shape); }
      default -> { float[] v = new float[n]; Arrays.fill(v, (float) t); yield Tensor.of(v, shape); }
    };
  }

  private static FloatBuffer floats(Tensor tensor, String role, String name, long count) {
    if (tensor.dataType() != DataType.FP32 || tensor.elementCount() != count) {
      throw new NereidException.Unsupported("the " + role + " model returned " + name + " as " + tensor
          + "; the pipeline needs FP32 with " + count + " elements");
    }
    return tensor.asFloatBuffer();
  }
}
