package dev.nereid.logging;

import dev.nereid.NereidException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Properties;
import org.slf4j.event.Level;

/**
 * The process's log settings and where lines go: SLF4J loggers are process-wide, so these are too.
 * Changing the settings takes effect for every logger at once, including those already created.
 *
 * <p>The initial settings come from the system property {@code nereid.log.level} (or slf4j-simple's
 * {@code org.slf4j.simpleLogger.defaultLogLevel}, which Nereid's tools already set, or that key in a
 * {@code simplelogger.properties} on the class path): an SLF4J level name, {@code info} when none is set.
 */
public final class NereidLogging {
  private static final DateTimeFormatter GLOG = DateTimeFormatter.ofPattern("MMdd HH:mm:ss.SSSSSS", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  /** The settings and the stream they write to, swapped as one. */
  private record State(LogSettings settings, PrintStream out, boolean ownsOut) {}

  private static volatile State state = new State(LogSettings.ofLevel(initialLevel()), System.err, false);

  private static final String SIMPLE_LOGGER_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  private NereidLogging() {}

  private static String initialLevel() {
    String level = System.getProperty("nereid.log.level");
    if (level == null) level = System.getProperty(SIMPLE_LOGGER_LEVEL);
    if (level == null) {
      // The file slf4j-simple reads, which Nereid's test folders already carry to keep builds quiet.
      try (InputStream in = NereidLogging.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
        if (in != null) {
          Properties p = new Properties();
          p.load(in);
          level = p.getProperty(SIMPLE_LOGGER_LEVEL);
        }
      } catch (IOException e) {
        // unreadable: the default level
      }
    }
    return level;
  }

  /** The settings in effect. */
  public static LogSettings settings() {
    return state.settings();
  }

  /**
   * Applies new settings. A new {@code logFile} is opened for appending before the old one is closed,
   * so a file that cannot be opened leaves the settings as they were.
   *
   * @throws NereidException.InvalidArgument when the log file cannot be opened
   */
  public static synchronized void apply(LogSettings settings) {
    State old = state;
    PrintStream out = old.out();
    boolean owns = old.ownsOut();
    if (!settings.logFile().equals(old.settings().logFile())) {
      if (settings.logFile().isEmpty()) {
        out = System.err;
        owns = false;
      } else {
        try {
          out = new PrintStream(new FileOutputStream(settings.logFile(), true), true, StandardCharsets.UTF_8);
          owns = true;
        } catch (IOException e) {
          throw new NereidException.InvalidArgument("cannot open log file '" + settings.logFile() + "': " + e.getMessage());
        }
      }
    }
    state = new State(settings, out, owns);
    if (old.ownsOut() && old.out() != out) old.out().close();
  }

  /** Resets to the settings the process started with, writing to standard error. */
  public static void reset() {
    apply(LogSettings.ofLevel(initialLevel()));
  }

  static boolean enabled(Level level) {
    LogSettings s = state.settings();
    return switch (level) {
      case ERROR -> s.error();
      case WARN -> s.warning();
      case INFO -> s.info();
      case DEBUG -> s.verboseLevel() >= 1;
      case TRACE -> s.verboseLevel() >= 2;
    };
  }

  /** Writes one line (and the stack trace of {@code error}, if any) when the level is on. */
  static void write(Level level, String source, String message, Throwable error) {
    State s = state;
    if (!enabled(level)) return;
    Instant now = Instant.now();
    char letter = switch (level) {
      case ERROR -> 'E';
      case WARN -> 'W';
      case INFO -> 'I';
      case DEBUG, TRACE -> 'V';
    };
    long thread = Thread.currentThread().threadId();
    String line = s.settings().format() == LogFormat.ISO8601
        ? ISO.format(now.truncatedTo(ChronoUnit.SECONDS)) + " " + letter + " " + thread + " " + source + "] " + message
        : letter + GLOG.format(now) + " " + thread + " " + source + "] " + message;
    PrintStream out = s.out();
    synchronized (out) {
      out.println(line);
      if (error != null) error.printStackTrace(out);
    }
  }
}
