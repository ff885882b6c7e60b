package dev.nereid.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Runs an action on SIGTERM and SIGINT instead of letting the JVM start shutting down, so a server can
 * drain and then exit with status 0. Uses the JDK's {@code sun.misc.Signal} (module jdk.unsupported),
 * looked up reflectively so builds stay free of internal-API warnings.
 */
final class TerminationSignals {
  private TerminationSignals() {}

  /**
   * Installs the handler for TERM and INT.
   *
   * @return false when this JVM offers no signal handling (the caller falls back to a shutdown hook)
   */
  static boolean onTermination(Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object handler = Proxy.newProxyInstance(TerminationSignals.class.getClassLoader(), new Class<?>[] {handlerClass},
          (proxy, method, args) -> {
            if (method.getName().equals("handle")) {
              action.run();
              return null;
            }
            return switch (method.getName()) {
              case "hashCode" -> System.identityHashCode(proxy);
              case "equals" -> proxy == args[0];
              case "toString" -> "nereid termination handler";
              default -> null;
            };
          });
      Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
      for (String name : new String[] {"TERM", "INT"}) {
        handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }
}
