package dev.nereid.frontend;

import dev.nereid.ServerMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol extensions server metadata lists: the core's, plus those the front ends implement
 * themselves (shared memory, logging and trace settings live beside the protocol, not in the core).
 */
public final class FrontendExtensions {
  /** The extensions implemented by the HTTP and gRPC front ends, in Triton's names. */
  public static final List<String> FRONT_END = List.of("system_shared_memory", "logging", "trace");

  private FrontendExtensions() {}

  /** The core's extensions followed by the front ends' ones it does not list already. */
  public static List<String> of(ServerMetadata metadata) {
    List<String> all = new ArrayList<>(metadata.extensions());
    for (String e : FRONT_END) {
      if (!all.contains(e)) all.add(e);
    }
    return all;
  }
}
