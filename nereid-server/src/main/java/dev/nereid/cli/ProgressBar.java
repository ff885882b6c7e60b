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
  private int drawn;

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
    draw(done.longValue(), total.longValue(), "");
    return true;
  }

  /** Draws {@code done} of {@code total} units with a note after the count; ends the line when done. */
  void draw(long done, long total, String note) {
    long d = Math.clamp(done, 0, total);
    int filled = (int) (WIDTH * d / total);
    String count = String.format("%" + Long.toString(total).length() + "d/%d", d, total);
    String line = label + " [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] " + count
        + (note.isEmpty() ? "" : " " + note);
    // Blanks the rest of a longer line drawn before.
    err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
    drawn = line.length();
    lineOpen = true;
    if (d == total) close();
    err.flush();
  }

  /** Ends the bar's line, so that what follows on stderr starts on a line of its own. */
  @Override
  public void close() {
    if (lineOpen) {
      err.println();
      err.flush();
      lineOpen = false;
      drawn = 0;
    }
  }
}
