package dev.nereid.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger that asks {@link NereidLogging} on every call, so setting changes apply at once. */
final class NereidLogger extends LegacyAbstractLogger {
  private final String source;

  NereidLogger(String name) {
    this.name = name;
    int dot = name.lastIndexOf('.');
    this.source = dot < 0 ? name : name.substring(dot + 1);
  }

  @Override
  public boolean isTraceEnabled() {
    return NereidLogging.enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return NereidLogging.enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return NereidLogging.enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return NereidLogging.enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return NereidLogging.enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
      Throwable throwable) {
    NereidLogging.write(level, source, MessageFormatter.basicArrayFormat(messagePattern, arguments), throwable);
  }
}
