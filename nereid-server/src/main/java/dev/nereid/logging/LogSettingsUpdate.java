package dev.nereid.logging;

import dev.nereid.NereidException;
import java.util.Map;

/**
 * A change to the log settings as the logging extension receives it, over HTTP or gRPC: setting name
 * to value ({@link Boolean}, {@link Long} or {@link String}; null or absent leaves a setting as it is).
 * Checked whole before anything changes, with Triton's messages.
 */
public final class LogSettingsUpdate {
  private LogSettingsUpdate() {}

  /**
   * Applies {@code changes} to the running process's settings and returns the settings now in effect.
   * Unknown names are ignored, as Triton ignores them.
   *
   * @throws NereidException.Unsupported when it names {@code log_file}, which Triton does not let a
   *     client change
   * @throws NereidException.InvalidArgument when a value has the wrong type or an unknown format
   */
  public static synchronized LogSettings apply(Map<String, Object> changes) {
    if (changes.get("log_file") != null) {
      throw new NereidException.Unsupported("log file location can not be updated through network protocol");
    }
    LogSettings s = NereidLogging.settings();
    Boolean info = bool(changes, "log_info");
    if (info != null) s = s.withInfo(info);
    Boolean warning = bool(changes, "log_warning");
    if (warning != null) s = s.withWarning(warning);
    Boolean error = bool(changes, "log_error");
    if (error != null) s = s.withError(error);
    Object verbose = changes.get("log_verbose_level");
    if (verbose != null) {
      if (!(verbose instanceof Long level) || level < 0 || level > Integer.MAX_VALUE) {
        throw new NereidException.InvalidArgument("expect int32 for 'log_verbose_level'");
      }
      s = s.withVerboseLevel((int) (long) level);
    }
    Object format = changes.get("log_format");
    if (format != null) {
      if (!(format instanceof String name)) throw new NereidException.InvalidArgument("expect string for 'log_format'");
      s = s.withFormat(LogFormat.parse(name));
    }
    NereidLogging.apply(s);
    return s;
  }

  private static Boolean bool(Map<String, Object> changes, String key) {
    Object value = changes.get(key);
    if (value == null) return null;
    if (!(value instanceof Boolean b)) throw new NereidException.InvalidArgument("expect boolean for '" + key + "'");
    return b;
  }
}
