package dev.nereid.s3;

import dev.nereid.NereidException;
import java.net.URI;
import java.util.Optional;

/**
 * Where a repository lies, parsed from Triton's forms: {@code s3://bucket[/prefix]} on AWS, or
 * {@code s3://host:port/bucket[/prefix]} (a first segment with a port) on an S3-compatible endpoint,
 * reached over HTTP, as Triton does.
 *
 * @param endpoint the endpoint of an S3-compatible store, or empty for AWS
 * @param bucket the bucket
 * @param prefix the key prefix of the repository, without leading or trailing slash; may be empty
 */
public record S3Location(Optional<URI> endpoint, String bucket, String prefix) {
  /**
   * Parses an {@code s3://} URL.
   *
   * @throws NereidException.InvalidArgument naming what is wrong with it
   */
  public static S3Location parse(String url) {
    if (!url.startsWith("s3://")) throw invalid(url, "it must start with s3://");
    String rest = url.substring("s3://".length());
    while (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
    if (rest.isEmpty()) throw invalid(url, "it names no bucket");
    String[] parts = rest.split("/", 2);
    Optional<URI> endpoint = Optional.empty();
    if (parts[0].matches(".+:\\d+")) {
      endpoint = Optional.of(URI.create("http://" + parts[0]));
      if (parts.length < 2 || parts[1].isEmpty()) throw invalid(url, "it names an endpoint but no bucket");
      parts = parts[1].split("/", 2);
    }
    String prefix = parts.length > 1 ? parts[1] : "";
    return new S3Location(endpoint, parts[0], prefix);
  }

  private static NereidException invalid(String url, String why) {
    return new NereidException.InvalidArgument("invalid S3 model repository '" + url + "': " + why
        + "; expected s3://bucket/path or s3://host:port/bucket/path");
  }

  @Override
  public String toString() {
    return "s3://" + endpoint.map(e -> e.getAuthority() + "/").orElse("") + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }
}
