package dev.nereid;

import java.util.List;

/**
 * What the server says of itself, in the shape of the KServe v2 server metadata response.
 *
 * @param name the server id ({@code "triton"} unless configured otherwise, as Triton clients expect)
 * @param version Nereid's version
 * @param extensions the protocol extensions supported
 */
public record ServerMetadata(String name, String version, List<String> extensions) {
  public ServerMetadata {
    extensions = List.copyOf(extensions);
  }
}
