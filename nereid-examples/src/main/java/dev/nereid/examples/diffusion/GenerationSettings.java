package dev.nereid.examples.diffusion;

import java.util.Map;
import java.util.OptionalLong;

/**
 * What one generation asks for, read from the request's parameters: {@code steps} (default 50),
 * {@code guidance_scale} (7.5; 1 or less turns classifier-free guidance off), {@code seed} (random
 * when absent), {@code height} and {@code width} (512, multiples of 8) and {@code scheduler}
 * ({@code lms}, {@code ddim} or {@code euler}). Numbers may come as numbers or as strings.
 *
 * @param steps denoising steps
 * @param guidanceScale classifier-free guidance weight
 * @param seed the seed of the initial noise, when the request gave one
 * @param height image height in pixels
 * @param width image width in pixels
 * @param scheduler the scheduler
 */
public record GenerationSettings(
    int steps, double guidanceScale, OptionalLong seed, int height, int width, SchedulerKind scheduler) {
  /** Denoising steps when the request names none: 50, as in Triton's tutorial. */
  public static final int DEFAULT_STEPS = 50;
  /** Guidance when the request gives none: 7.5, as in Triton's tutorial. */
  public static final double DEFAULT_GUIDANCE = 7.5;
  /** Height and width when the request gives none: 512, Stable Diffusion 1.x's training size. */
  public static final int DEFAULT_SIZE = 512;
  /** The largest side accepted: a 2048 x 2048 image already needs 256 x 256 latents. */
  public static final int MAX_SIZE = 2048;

  /**
   * The settings of a request.
   *
   * @throws IllegalArgumentException naming the parameter that is malformed or out of range
   */
  public static GenerationSettings from(Map<String, Object> parameters) {
    SchedulerKind scheduler = parameters.containsKey("scheduler")
        ? SchedulerKind.parse(parameters.get("scheduler").toString())
        : SchedulerKind.LMS;
    int steps = (int) whole(parameters, "steps", DEFAULT_STEPS, 1, scheduler.maxSteps());
    double guidance = number(parameters, "guidance_scale", DEFAULT_GUIDANCE);
    if (!Double.isFinite(guidance) || guidance < 0) {
      throw new IllegalArgumentException("parameter 'guidance_scale' must be a number >= 0, got " + guidance);
    }
    OptionalLong seed = parameters.containsKey("seed")
        ? OptionalLong.of(whole(parameters, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE))
        : OptionalLong.empty();
    int height = side(parameters, "height");
    int width = side(parameters, "width");
    return new GenerationSettings(steps, guidance, seed, height, width, scheduler);
  }

  /** Whether the unconditional pass runs: guidance above 1, as in diffusers. */
  public boolean guided() {
    return guidanceScale > 1;
  }

  private static int side(Map<String, Object> parameters, String key) {
    int side = (int) whole(parameters, key, DEFAULT_SIZE, 8, MAX_SIZE);
    if (side % 8 != 0) {
      throw new IllegalArgumentException("parameter '" + key + "' must be a multiple of 8 (the VAE's scale), got " + side);
    }
    return side;
  }

  private static long whole(Map<String, Object> parameters, String key, long fallback, long min, long max) {
    Object value = parameters.get(key);
    if (value == null) return fallback;
    long n;
    try {
      n = switch (value) {
        case Long l -> l;
        case Integer i -> i;
        case Double d when d == Math.rint(d) && Math.abs(d) < 0x1p53 -> d.longValue();
        case String s -> Long.parseLong(s.strip());
        default -> throw new NumberFormatException();
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter '" + key + "' must be an integer, got " + describe(value));
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("parameter '" + key + "' must be " + min + " to " + max + ", got " + n);
    }
    return n;
  }

  private static double number(Map<String, Object> parameters, String key, double fallback) {
    Object value = parameters.get(key);
    if (value == null) return fallback;
    try {
      return switch (value) {
        case Number n -> n.doubleValue();
        case String s -> Double.parseDouble(s.strip());
        default -> throw new NumberFormatException();
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter '" + key + "' must be a number, got " + describe(value));
    }
  }

  private static String describe(Object value) {
    return value instanceof String s ? "'" + s + "'" : value.toString();
  }
}
