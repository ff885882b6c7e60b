package dev.nereid.logging;

import java.util.Locale;
import java.util.Objects;

/**
 * The logging extension's settings, as Triton names them.
 *
 * @param logFile where lines go; empty for standard error
 * @param info whether info lines are written
 * @param warning whether warnings are written
 * @param error whether errors are written
 * @param verboseLevel 0 for none; 1 adds debug lines, 2 and above trace lines too
 * @param format how each line starts
 */
public record LogSettings(String logFile, boolean info, boolean warning, boolean error, int verboseLevel,
    LogFormat format) {
  public LogSettings {
    Objects.requireNonNull(logFile, "logFile");
    Objects.requireNonNull(format, "format");
    if (verboseLevel < 0) throw new IllegalArgumentException("verbose level must be >= 0, got " + verboseLevel);
  }

  /** Triton's defaults: info, warnings and errors to standard error, not verbose, default format. */
  public static LogSettings defaults() {
    return new LogSettings("", true, true, true, 0, LogFormat.DEFAULT);
  }

  /**
   * The settings an SLF4J-style level name stands for ({@code error}, {@code warn}, {@code info},
   * {@code debug}, {@code trace}, {@code off}); unknown names mean {@code info}.
   */
  static LogSettings ofLevel(String level) {
    String l = level == null ? "info" : level.trim().toLowerCase(Locale.ROOT);
    return switch (l) {
      case "off" -> new LogSettings("", false, false, false, 0, LogFormat.DEFAULT);
      case "error" -> new LogSettings("", false, false, true, 0, LogFormat.DEFAULT);
      case "warn", "warning" -> new LogSettings("", false, true, true, 0, LogFormat.DEFAULT);
      case "debug" -> new LogSettings("", true, true, true, 1, LogFormat.DEFAULT);
      case "trace" -> new LogSettings("", true, true, true, 2, LogFormat.DEFAULT);
      default -> defaults();
    };
  }

  /** These settings writing to another file ("" for standard error). */
  public LogSettings withLogFile(String file) {
    return new LogSettings(file, info, warning, error, verboseLevel, format);
  }

  /** These settings with info lines on or off. */
  public LogSettings withInfo(boolean on) {
    return new LogSettings(logFile, on, warning, error, verboseLevel, format);
  }

  /** These settings with warnings on or off. */
  public LogSettings withWarning(boolean on) {
    return new LogSettings(logFile, info, on, error, verboseLevel, format);
  }

  /** These settings with errors on or off. */
  public LogSettings withError(boolean on) {
    return new LogSettings(logFile, info, warning, on, verboseLevel, format);
  }

  /** These settings with another verbose level. */
  public LogSettings withVerboseLevel(int level) {
    return new LogSettings(logFile, info, warning, error, level, format);
  }

  /** These settings with another line format. */
  public LogSettings withFormat(LogFormat f) {
    return new LogSettings(logFile, info, warning, error, verboseLevel, f);
  }
}
