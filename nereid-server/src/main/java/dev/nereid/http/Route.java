package dev.nereid.http;

import dev.nereid.NereidException;
import dev.nereid.frontend.ApiCategory;
import io.netty.handler.codec.http.HttpMethod;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a request path leads, by the URL patterns Triton's HTTP server matches: what it asks for, the
 * model and version it names, and the API category that may restrict it. Query strings are ignored.
 *
 * @param kind what the request asks for
 * @param model the model name, or empty
 * @param version the version digits, or empty for the latest
 * @param name a repository or shared-memory region name, or empty
 */
record Route(Kind kind, String model, String version, String name) {
  /** The endpoints, each with its category and the methods it accepts. */
  enum Kind {
    SERVER_METADATA(ApiCategory.METADATA, true, false),
    HEALTH_LIVE(ApiCategory.HEALTH, true, false),
    HEALTH_READY(ApiCategory.HEALTH, true, false),
    MODEL_METADATA(ApiCategory.METADATA, true, false),
    MODEL_READY(ApiCategory.HEALTH, true, false),
    MODEL_CONFIG(ApiCategory.MODEL_CONFIG, true, false),
    MODEL_STATS(ApiCategory.STATISTICS, true, false),
    ALL_STATS(ApiCategory.STATISTICS, true, false),
    INFER(ApiCategory.INFERENCE, false, true),
    GENERATE(ApiCategory.INFERENCE, false, true),
    GENERATE_STREAM(ApiCategory.INFERENCE, false, true),
    REPOSITORY_INDEX(ApiCategory.MODEL_REPOSITORY, false, true),
    REPOSITORY_LOAD(ApiCategory.MODEL_REPOSITORY, false, true),
    REPOSITORY_UNLOAD(ApiCategory.MODEL_REPOSITORY, false, true),
    SHM_STATUS(ApiCategory.SHARED_MEMORY, true, false),
    SHM_REGISTER(ApiCategory.SHARED_MEMORY, false, true),
    SHM_UNREGISTER(ApiCategory.SHARED_MEMORY, false, true),
    CUDA_SHM_STATUS(ApiCategory.SHARED_MEMORY, true, false),
    CUDA_SHM_REGISTER(ApiCategory.SHARED_MEMORY, false, true),
    CUDA_SHM_UNREGISTER(ApiCategory.SHARED_MEMORY, false, true),
    TRACE_SETTING(ApiCategory.TRACE, true, true),
    LOGGING(ApiCategory.LOGGING, true, true),
    STATUS_PAGE(ApiCategory.METADATA, true, false),
    STATUS_LATENCY(ApiCategory.STATISTICS, true, false),
    NOT_FOUND(null, true, true);

    private final ApiCategory category;
    private final boolean get;
    private final boolean post;

    Kind(ApiCategory category, boolean get, boolean post) {
      this.category = category;
      this.get = get;
      this.post = post;
    }

    /** The category that restricts this endpoint; null for unknown paths. */
    ApiCategory category() {
      return category;
    }

    boolean allows(HttpMethod method) {
      return (get && HttpMethod.GET.equals(method)) || (post && HttpMethod.POST.equals(method));
    }
  }

  private static final Pattern MODEL = Pattern.compile(
      "/v2/models/([^/]+)(?:/versions/([0-9]+))?(?:/(infer|generate|generate_stream|ready|config|stats|trace/setting))?");
  private static final Pattern REPOSITORY =
      Pattern.compile("/v2/repository(?:/([^/]+))?/(?:(index)|models/([^/]+)/(load|unload))");
  private static final Pattern SHARED_MEMORY =
      Pattern.compile("/v2/(system|cuda)sharedmemory(?:/region/([^/]+))?/(status|register|unregister)");

  /** What a request URI asks for, without decoding its names (cheaper than {@link #of}). */
  static Kind kindOf(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (inferModel(path) != null) return Kind.INFER;
    try {
      return of(uri).kind();
    } catch (NereidException e) {
      return Kind.NOT_FOUND;
    }
  }

  /**
   * Routes a request URI (path and optional query). Names in the path (model, version, repository,
   * region) are percent-decoded after the path is split, so an encoded {@code /} stays in its name.
   *
   * @throws NereidException.InvalidArgument when a name's percent-encoding is malformed or not UTF-8
   */
  static Route of(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    switch (path) {
      case "/v2": return simple(Kind.SERVER_METADATA);
      case "/v2/health/live": return simple(Kind.HEALTH_LIVE);
      case "/v2/health/ready": return simple(Kind.HEALTH_READY);
      case "/v2/models/stats": return simple(Kind.ALL_STATS);
      case "/v2/trace/setting": return simple(Kind.TRACE_SETTING);
      case "/v2/logging": return simple(Kind.LOGGING);
      case "/": return simple(Kind.STATUS_PAGE);
      case "/status/latency": return simple(Kind.STATUS_LATENCY);
      default: break;
    }
    String inferred = inferModel(path);
    if (inferred != null) return new Route(Kind.INFER, PathNames.decode(inferred), "", "");
    Matcher m = MODEL.matcher(path);
    if (m.matches()) {
      String version = m.group(2) == null ? "" : m.group(2);
      String action = m.group(3) == null ? "" : m.group(3);
      Kind kind = switch (action) {
        case "" -> Kind.MODEL_METADATA;
        case "infer" -> Kind.INFER;
        case "generate" -> Kind.GENERATE;
        case "generate_stream" -> Kind.GENERATE_STREAM;
        case "ready" -> Kind.MODEL_READY;
        case "config" -> Kind.MODEL_CONFIG;
        case "stats" -> Kind.MODEL_STATS;
        default -> version.isEmpty() ? Kind.TRACE_SETTING : Kind.NOT_FOUND; // trace settings have no version
      };
      return new Route(kind, PathNames.decode(m.group(1)), version, "");
    }
    m = REPOSITORY.matcher(path);
    if (m.matches()) {
      String repository = m.group(1) == null ? "" : PathNames.decode(m.group(1));
      if (m.group(2) != null) return new Route(Kind.REPOSITORY_INDEX, "", "", repository);
      return new Route(m.group(4).equals("load") ? Kind.REPOSITORY_LOAD : Kind.REPOSITORY_UNLOAD,
          PathNames.decode(m.group(3)), "", repository);
    }
    m = SHARED_MEMORY.matcher(path);
    if (m.matches()) {
      String region = m.group(2) == null ? "" : PathNames.decode(m.group(2));
      boolean cuda = m.group(1).equals("cuda");
      Kind kind = switch (m.group(3)) {
        case "status" -> cuda ? Kind.CUDA_SHM_STATUS : Kind.SHM_STATUS;
        case "register" -> cuda ? Kind.CUDA_SHM_REGISTER : Kind.SHM_REGISTER;
        default -> cuda ? Kind.CUDA_SHM_UNREGISTER : Kind.SHM_UNREGISTER;
      };
      return new Route(kind, "", "", region);
    }
    return simple(Kind.NOT_FOUND);
  }

  /**
   * The model of {@code /v2/models/<model>/infer}, the most frequent path, without a regular
   * expression; null for any other path (the patterns decide those).
   */
  private static String inferModel(String path) {
    String prefix = "/v2/models/";
    String suffix = "/infer";
    int end = path.length() - suffix.length();
    if (end <= prefix.length() || !path.startsWith(prefix) || !path.endsWith(suffix)) return null;
    int slash = path.indexOf('/', prefix.length());
    return slash == end ? path.substring(prefix.length(), end) : null;
  }

  /**
   * The version the path names, or -1 (the latest) when it names none.
   *
   * @throws NereidException.InvalidArgument when the digits do not fit a version number
   */
  long modelVersion() {
    if (version.isEmpty()) return -1;
    try {
      return Long.parseLong(version);
    } catch (NumberFormatException e) {
      throw new NereidException.InvalidArgument(
          "failed to get model version from specified version string '" + version + "'");
    }
  }

  private static Route simple(Kind kind) {
    return new Route(kind, "", "", "");
  }
}
