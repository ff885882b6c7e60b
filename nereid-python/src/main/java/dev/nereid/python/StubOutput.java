package dev.nereid.python;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;

/**
 * A stub's stdout and stderr (a model's {@code print}s, Python's tracebacks): logged line by line under
 * the model's name, with the last lines kept for error messages.
 */
final class StubOutput {
  private static final int KEPT = 20;
  private final Deque<String> last = new ArrayDeque<>();
  private final Thread thread;

  StubOutput(Process process, Logger log, String label) {
    thread = Thread.ofPlatform().daemon().name("nereid-python-output-" + label).start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          log.info("[{}] {}", label, line);
          synchronized (last) {
            if (last.size() == KEPT) last.removeFirst();
            last.addLast(line);
          }
        }
      } catch (IOException ignored) {
        // The process is gone; so is its output.
      }
    });
  }

  /** Waits a little for the output to end (the process has exited), then gives its last non-blank line. */
  String lastLine() {
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (last) {
      var it = last.descendingIterator();
      while (it.hasNext()) {
        String line = it.next().strip();
        if (!line.isEmpty()) return line;
      }
    }
    return "";
  }
}
