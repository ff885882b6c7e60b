package dev.nereid.s3;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.NereidException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Triton's cloud credential file ({@code TRITON_CLOUD_CREDENTIAL_PATH}): a JSON object whose {@code s3}
 * member maps repository path prefixes ({@code ""} for any) to {@code key_id}, {@code secret_key},
 * {@code session_token}, {@code region} and {@code profile}. The longest prefix of the repository's URL
 * wins, as in Triton.
 *
 * @param credentials the credentials it names
 * @param region the region it names, if any
 */
record TritonCredentials(AwsCredentialsProvider credentials, Optional<String> region) {
  /** The environment variable Triton reads the file's path from. */
  static final String ENVIRONMENT = "TRITON_CLOUD_CREDENTIAL_PATH";

  /**
   * The credentials for {@code url} in {@code file}, or empty when the file has none for it.
   *
   * @throws NereidException.InvalidArgument when the file cannot be read or is not Triton's format
   */
  static Optional<TritonCredentials> forUrl(Path file, String url) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new NereidException.InvalidArgument("cannot read the cloud credential file " + file + " ("
          + ENVIRONMENT + "): " + e.getMessage());
    }
    JsonNode s3 = root == null ? null : root.get("s3");
    if (s3 == null || !s3.isObject()) return Optional.empty();
    JsonNode best = null;
    int bestLength = -1;
    for (Map.Entry<String, JsonNode> e : s3.properties()) {
      if (url.startsWith(e.getKey()) && e.getKey().length() > bestLength) {
        best = e.getValue();
        bestLength = e.getKey().length();
      }
    }
    if (best == null) return Optional.empty();
    String keyId = text(best, "key_id");
    String secret = text(best, "secret_key");
    String token = text(best, "session_token");
    String profile = text(best, "profile");
    String region = text(best, "region");
    AwsCredentialsProvider provider;
    if (!keyId.isEmpty() && !secret.isEmpty()) {
      provider = StaticCredentialsProvider.create(token.isEmpty() ? AwsBasicCredentials.create(keyId, secret)
          : AwsSessionCredentials.create(keyId, secret, token));
    } else if (!profile.isEmpty()) {
      provider = ProfileCredentialsProvider.create(profile);
    } else {
      return Optional.empty();
    }
    return Optional.of(new TritonCredentials(provider, region.isEmpty() ? Optional.empty() : Optional.of(region)));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isTextual() ? "" : v.textValue();
  }
}
