package dev.nereid.python;

import java.util.List;

/** The stub processes this JVM runs, found by their command line (the stub names its instance). */
final class Stubs {
  private Stubs() {}

  static List<ProcessHandle> of(String instancePrefix) {
    return ProcessHandle.current().descendants()
        .filter(p -> p.isAlive() && p.info().arguments().map(args -> args.length >= 3
            && args[args.length - 3].endsWith("nereid_stub.py") && args[args.length - 1].startsWith(instancePrefix))
            .orElse(false))
        .toList();
  }
}
