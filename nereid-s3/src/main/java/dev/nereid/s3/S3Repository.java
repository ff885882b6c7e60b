package dev.nereid.s3;

import dev.nereid.NereidException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A model repository in S3, mirrored into a local cache folder that the server loads from
 * ({@link #cache()}): every object under the prefix becomes a file at the same relative path. A sync
 * fetches only objects whose ETag changed and deletes files whose objects are gone, writing each file
 * whole before it appears. {@link #syncEvery} repeats the sync, so a server in POLL mode polling the
 * cache sees what changed in the bucket.
 *
 * <p>A bucket that vanishes after the repository opened, or a prefix left without objects, mirrors as
 * an empty repository: the cache is emptied and a warning names S3's reason, so the server's next poll
 * unloads the models as Triton does for models removed from a repository. A sync that fails for any
 * other reason (the endpoint unreachable, access refused) keeps the last copy, which the server goes
 * on serving, and logs the failure once; the next successful sync logs the recovery.
 *
 * <p>Credentials and region come from Triton's credential file when {@code TRITON_CLOUD_CREDENTIAL_PATH}
 * names one with an entry for the URL, else from the AWS SDK's standard chain: {@code AWS_ACCESS_KEY_ID}
 * / {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_REGION}, system properties, then the profile files.
 */
public final class S3Repository implements CloudRepository {
  private static final Logger log = LoggerFactory.getLogger(S3Repository.class);

  private final S3Location location;
  private final S3Client client;
  private final Path cache;
  private final Map<String, String> etags = new HashMap<>();
  private ScheduledExecutorService poller;
  /** Why the last sync failed, or null after a successful one: failures are logged once, not every poll. */
  private String failure;

  private S3Repository(S3Location location, S3Client client, Path cache) {
    this.location = location;
    this.client = client;
    this.cache = cache;
  }

  /**
   * Opens the repository at {@code url} with the standard credentials, and mirrors it into {@code cache}
   * (created if missing) once.
   *
   * @throws NereidException.Unavailable when the bucket cannot be listed or read, with S3's reason
   */
  public static S3Repository open(String url, Path cache) {
    S3Location location = S3Location.parse(url);
    String file = System.getenv(TritonCredentials.ENVIRONMENT);
    Optional<TritonCredentials> triton = file == null || file.isBlank() ? Optional.empty()
        : TritonCredentials.forUrl(Path.of(file), url);
    return open(location, triton.map(TritonCredentials::credentials).orElseGet(() -> DefaultCredentialsProvider.builder().build()),
        triton.flatMap(TritonCredentials::region).orElseGet(S3Repository::region), cache);
  }

  /** Opens a repository with these credentials; see {@link #open(String, Path)}. */
  public static S3Repository open(S3Location location, AwsCredentialsProvider credentials, Path cache) {
    return open(location, credentials, region(), cache);
  }

  /**
   * Opens a repository with the credentials and region of Triton's credential file ({@code file}, as
   * {@code TRITON_CLOUD_CREDENTIAL_PATH} names it), or the standard ones when it has none for the URL.
   */
  public static S3Repository open(String url, Path credentialFile, Path cache) {
    S3Location location = S3Location.parse(url);
    Optional<TritonCredentials> triton = TritonCredentials.forUrl(credentialFile, url);
    return open(location, triton.map(TritonCredentials::credentials).orElseGet(() -> DefaultCredentialsProvider.builder().build()),
        triton.flatMap(TritonCredentials::region).orElseGet(S3Repository::region), cache);
  }

  private static S3Repository open(S3Location location, AwsCredentialsProvider credentials, String region, Path cache) {
    var builder = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(credentials)
        .region(Region.of(region))
        // Validate checksums only where S3 requires them: S3-compatible stores may not send the newer ones.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    location.endpoint().ifPresent(e -> builder.endpointOverride(e).forcePathStyle(true));
    S3Repository repository = new S3Repository(location, builder.build(), cache);
    try {
      Files.createDirectories(cache);
      repository.sync(Absence.FAILS);
    } catch (IOException e) {
      repository.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      repository.close();
      throw e;
    }
    return repository;
  }

  private static String region() {
    String region = System.getenv("AWS_REGION");
    if (region == null) region = System.getenv("AWS_DEFAULT_REGION");
    return region == null || region.isBlank() ? "us-east-1" : region;
  }

  @Override
  public Path cache() {
    return cache;
  }

  /** Where the repository lies. */
  public S3Location location() {
    return location;
  }

  /**
   * Brings the cache up to date with the bucket.
   *
   * @return whether any file changed
   * @throws NereidException.Unavailable when the bucket cannot be listed or an object read
   */
  @Override
  public synchronized boolean sync() {
    return sync(Absence.EMPTIES);
  }

  /** What a missing bucket means to a sync: an error when opening, an emptied repository later. */
  private enum Absence { FAILS, EMPTIES }

  private boolean sync(Absence absence) {
    String prefix = location.prefix().isEmpty() ? "" : location.prefix() + "/";
    Set<String> seen = new HashSet<>();
    boolean changed = false;
    try {
      for (S3Object o : client.listObjectsV2Paginator(ListObjectsV2Request.builder()
          .bucket(location.bucket()).prefix(prefix).build()).contents()) {
        String relative = o.key().substring(prefix.length());
        if (relative.isEmpty() || relative.endsWith("/")) continue; // folder markers
        Path file = local(relative);
        seen.add(relative);
        if (o.eTag().equals(etags.get(relative)) && Files.exists(file)) continue;
        Files.createDirectories(file.getParent());
        Path part = file.resolveSibling(file.getFileName() + ".nereid-part");
        Files.deleteIfExists(part);
        client.getObject(GetObjectRequest.builder().bucket(location.bucket()).key(o.key()).build(), part);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        etags.put(relative, o.eTag());
        changed = true;
      }
      if (seen.isEmpty() && !etags.isEmpty()) {
        log.warn("model repository {} has no objects any more; its models leave the local copy in {} and the"
            + " server unloads them at its next poll", location, cache);
      }
      changed |= deleteVanished(seen);
    } catch (NoSuchBucketException e) {
      if (absence == Absence.FAILS) throw unreadable(e);
      return vanished(e);
    } catch (SdkException e) {
      throw unreadable(e);
    } catch (IOException e) {
      throw new NereidException.Internal("cannot write the local copy of " + location + " in " + cache + ": "
          + e.getMessage(), e);
    }
    if (failure != null) log.info("model repository {} is readable again", location);
    failure = null;
    if (changed) log.info("model repository {} mirrored into {}", location, cache);
    return changed;
  }

  private NereidException unreadable(SdkException e) {
    return new NereidException.Unavailable("cannot read model repository " + location + ": " + e.getMessage(), e);
  }

  /** The bucket is gone: the copy empties, so the models go as if removed from the repository. */
  private boolean vanished(NoSuchBucketException e) {
    String why = e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : e.getMessage();
    String reason = "model repository " + location + " is gone (" + why + ")";
    if (!reason.equals(failure)) {
      log.warn("{}; its models leave the local copy in {} and the server unloads them at its next poll", reason, cache);
    }
    failure = reason;
    try {
      return deleteVanished(Set.of());
    } catch (IOException io) {
      throw new NereidException.Internal("cannot empty the local copy of " + location + " in " + cache + ": "
          + io.getMessage(), io);
    }
  }

  /** The cache path of a key relative to the prefix; keys that would leave the cache are refused. */
  private Path local(String relative) {
    Path file = cache.resolve(relative).normalize();
    if (!file.startsWith(cache.normalize())) {
      throw new NereidException.InvalidArgument("object key '" + relative + "' in " + location
          + " leads out of the repository");
    }
    return file;
  }

  private boolean deleteVanished(Set<String> seen) throws IOException {
    boolean changed = false;
    for (String relative : Set.copyOf(etags.keySet())) {
      if (!seen.contains(relative)) {
        Files.deleteIfExists(local(relative));
        etags.remove(relative);
        changed = true;
      }
    }
    // Folders left empty (a removed version) go too, so the server does not see an empty version.
    try (Stream<Path> walk = Files.walk(cache)) {
      for (Path dir : walk.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        if (!dir.equals(cache)) {
          try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
              Files.delete(dir);
              changed = true;
            }
          }
        }
      }
    }
    return changed;
  }

  /**
   * Syncs every {@code seconds} on a daemon thread until closed. A vanished bucket empties the cache (see
   * the class comment); any other failed sync is logged, once until a sync succeeds, and leaves the cache
   * as it was.
   */
  @Override
  public synchronized void syncEvery(long seconds) {
    if (poller != null) return;
    poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nereid-s3-sync").factory());
    poller.scheduleWithFixedDelay(this::syncLogged, seconds, seconds, TimeUnit.SECONDS);
  }

  private synchronized void syncLogged() {
    try {
      sync();
    } catch (RuntimeException e) {
      // The poller must outlive any failure: an exception escaping here would end its schedule silently.
      if (failure == null) { // the first failure of a run of them; S3's wording varies (attempt counts)
        log.error("{}; the server keeps serving the last copy in {}", e.getMessage(), cache);
      }
      failure = e.getMessage();
    }
  }

  @Override
  public synchronized void close() {
    if (poller != null) poller.shutdownNow();
    client.close();
  }
}
