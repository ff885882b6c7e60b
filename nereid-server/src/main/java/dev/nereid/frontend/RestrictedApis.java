package dev.nereid.frontend;

import dev.nereid.NereidException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which API categories require a header, and which header and value each requires: the parsed form of
 * Triton's {@code --http-restricted-api API[,API...]:KEY=VALUE} flags. Immutable.
 */
public final class RestrictedApis {
  /**
   * The header a restricted category requires.
   *
   * @param header the header (HTTP) or metadata (gRPC) key, compared case-insensitively as HTTP does
   * @param value the exact value it must carry
   */
  public record Restriction(String header, String value) {}

  private static final RestrictedApis NONE = new RestrictedApis(new EnumMap<>(ApiCategory.class));

  private final Map<ApiCategory, Restriction> restrictions;

  private RestrictedApis(EnumMap<ApiCategory, Restriction> restrictions) {
    this.restrictions = Collections.unmodifiableMap(restrictions);
  }

  /** No category restricted. */
  public static RestrictedApis none() {
    return NONE;
  }

  /** Restrictions from a map of category to required header. */
  public static RestrictedApis of(Map<ApiCategory, Restriction> restrictions) {
    return new RestrictedApis(restrictions.isEmpty() ? new EnumMap<>(ApiCategory.class) : new EnumMap<>(restrictions));
  }

  /**
   * Parses flag values of the form {@code API[,API...]:KEY=VALUE}, e.g.
   * {@code model-repository,health:admin-key=secret}.
   *
   * @throws NereidException.InvalidArgument for a malformed value, an unknown category, or a category
   *     given in more than one value (with Triton's messages)
   */
  public static RestrictedApis parse(List<String> flagValues) {
    EnumMap<ApiCategory, Restriction> map = new EnumMap<>(ApiCategory.class);
    for (String spec : flagValues) {
      int colon = spec.lastIndexOf(':');
      int equals = colon < 0 ? -1 : spec.indexOf('=', colon);
      if (colon <= 0 || equals < 0 || equals == colon + 1) {
        throw new NereidException.InvalidArgument("invalid restricted api '" + spec
            + "': expected <api>[,<api>...]:<header>=<value>, e.g. model-repository:admin-key=secret");
      }
      Restriction restriction = new Restriction(spec.substring(colon + 1, equals), spec.substring(equals + 1));
      for (String name : spec.substring(0, colon).split(",")) {
        ApiCategory category = ApiCategory.fromFlagName(name);
        if (map.putIfAbsent(category, restriction) != null) {
          throw new NereidException.InvalidArgument(
              "api '" + category.flagName() + "' can not be specified in multiple config groups");
        }
      }
    }
    return new RestrictedApis(map);
  }

  /** The restriction on a category, if it is restricted. */
  public Optional<Restriction> get(ApiCategory category) {
    return Optional.ofNullable(restrictions.get(category));
  }

  /** Every restriction, by category. */
  public Map<ApiCategory, Restriction> asMap() {
    return restrictions;
  }

  /** The message a caller without the required header gets, as Triton words it. */
  public static String deniedMessage(Restriction restriction) {
    return "This API is restricted, expecting header '" + restriction.header() + "'";
  }

  @Override
  public String toString() {
    return "RestrictedApis" + restrictions;
  }
}
