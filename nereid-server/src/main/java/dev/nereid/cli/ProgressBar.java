package dev.nereid.cli;

import dev.nereid.InferenceResponse;
import java.io.PrintWriter;

/**
 * A progress bar on stderr, drawn from responses whose parameters carry progress: {@code progress}
 * (units done) and {@code progress_total} (all units), both integers, as the stable_diffusion model
 * sends one response per denoising step. The bar is redrawn in place and ends its line when done.
 */
final class ProgressBar implements AutoCloseable {
  static final String PROGRESS = "progress";
  static final String PROGRESS_TOTAL = "progress_total";
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final String label;
  private boolean lineOpen;

  ProgressBar(PrintWriter err, String label) {
    this.err = err;
    this.label = label;
  }

  /** Draws the response's progress; false when it carries none. */
  boolean show(InferenceResponse response) {
    if (!(response.parameters().get(PROGRESS) instanceof Number done)
        || !(response.parameters().get(PROGRESS_TOTAL) instanceof Number total)
        || total.longValue() <= 0) {
      return false;
    }
    long d = Math.clamp(done.longValue(), 0, total.longValue());
    long t = total.longValue();
    int filled = (int) (WIDTH * d / t);
    String count = String.format("%" + Long.toString(t).length() + "d/%d", d, t);
    err.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + count);
    lineOpen = true;
    if (d == t) close();
    err.flush();
    return true;
  }

  /** Ends the bar's line, so that what follows on stderr starts on a line of its own. */
  @Override
  public void close() {
    if (lineOpen) {
      err.println();
      err.flush();
      lineOpen = false;
    }
  }
}
