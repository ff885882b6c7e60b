package dev.nereid.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.nereid.InferenceResponse;
import dev.nereid.ModelControlMode;
import dev.nereid.ModelIndexEntry;
import dev.nereid.ModelState;
import dev.nereid.NereidException;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 model repository against a real S3 server on loopback (S3Proxy, speaking the S3 REST protocol
 * with signature checks, over an in-memory store): the models load from the mirrored cache, POLL
 * mode notices versions added and removed in the bucket, a bucket or prefix that vanishes while the
 * server polls unloads its models with a logged reason, and a bucket that cannot be read is an
 * UNAVAILABLE error naming S3's reason.
 */
class S3RepositoryTest {
  static final String ACCESS = "nereid-test-access";
  static final String SECRET = "nereid-test-secret";
  static final String IDENTITY = """
      backend: "identity"
      max_batch_size: 0
      input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
      output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
      """;

  @TempDir
  Path temp;
  S3Proxy proxy;
  BlobStoreContext store;
  S3Client client;
  StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET));

  @BeforeEach
  void startS3() throws Exception {
    store = ContextBuilder.newBuilder("transient").credentials("unused", "unused").build(BlobStoreContext.class);
    proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
    proxy.start();
    await("S3Proxy started", () -> proxy.getState().equals("STARTED"));
    client = S3Client.builder().httpClient(UrlConnectionHttpClient.create()).credentialsProvider(credentials)
        .region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:" + proxy.getPort()))
        .forcePathStyle(true)
        // Plain signed uploads, as S3-compatible stores take them (not the SDK's newer checksum trailers).
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    client.createBucket(b -> b.bucket("models"));
  }

  @AfterEach
  void stopS3() throws Exception {
    client.close();
    proxy.stop();
    store.close();
  }

  private void put(String key, String content) {
    client.putObject(b -> b.bucket("models").key(key), RequestBody.fromString(content));
  }

  private S3Location location() {
    return S3Location.parse("s3://127.0.0.1:" + proxy.getPort() + "/models/repo");
  }

  @Test
  void tritonsUrlFormsParse() {
    S3Location aws = S3Location.parse("s3://bucket/path/to/repo/");
    assertThat(aws.endpoint()).isEmpty();
    assertThat(aws.bucket()).isEqualTo("bucket");
    assertThat(aws.prefix()).isEqualTo("path/to/repo");
    S3Location local = S3Location.parse("s3://localhost:9000/bucket/repo");
    assertThat(local.endpoint()).contains(URI.create("http://localhost:9000"));
    assertThat(local.bucket()).isEqualTo("bucket");
    assertThat(local.prefix()).isEqualTo("repo");
    assertThat(S3Location.parse("s3://bucket").prefix()).isEmpty();
    assertThatThrownBy(() -> S3Location.parse("s3://localhost:9000/"))
        .hasMessageContaining("invalid S3 model repository 's3://localhost:9000/': it names an endpoint but no bucket");
  }

  @Test
  void modelsLoadFromTheBucketAndPollModeFollowsIt() throws Exception {
    put("repo/simple/config.pbtxt", IDENTITY);
    put("repo/simple/1/.keep", "");
    put("unrelated/other/config.pbtxt", "not a model of this repository");
    Path cache = temp.resolve("cache");
    try (S3Repository repository = S3Repository.open(location(), credentials, cache);
        Server server = new Server(ServerOptions.builder().modelRepository(repository.cache())
            .modelControlMode(ModelControlMode.POLL).repositoryPollInterval(Duration.ofSeconds(1)).build()).start()) {
      assertThat(cache.resolve("simple/config.pbtxt")).hasContent(IDENTITY);
      assertThat(cache.resolve("other")).doesNotExist();
      InferenceResponse r = server.model("simple").infer(Map.of("INPUT0", new int[] {4, 5, 6})).next();
      assertThat(r.output("OUTPUT0").toIntArray()).containsExactly(4, 5, 6);

      repository.syncEvery(1);
      // A new version in the bucket: mirrored, then loaded by the server's poll.
      put("repo/simple/2/.keep", "");
      await("version 2 ready", () -> state(server, "simple", 2) == ModelState.READY);
      assertThat(server.model("simple").infer(Map.of("INPUT0", new int[] {7})).next().modelVersion()).isEqualTo(2);
      // Version 1's objects removed: its folder leaves the cache.
      client.deleteObject(b -> b.bucket("models").key("repo/simple/1/.keep"));
      await("version 1's folder gone", () -> !Files.exists(cache.resolve("simple/1")));
      // The whole model removed from the bucket: the server's poll unloads it.
      client.deleteObject(b -> b.bucket("models").key("repo/simple/2/.keep"));
      client.deleteObject(b -> b.bucket("models").key("repo/simple/config.pbtxt"));
      await("simple unloaded", () -> state(server, "simple", 2) != ModelState.READY);
      assertThat(cache.resolve("simple")).doesNotExist();
    }
  }

  @Test
  void aBucketThatVanishesWhileTheServerPollsUnloadsItsModelsWithTheReasonLogged() throws Exception {
    put("repo/simple/config.pbtxt", IDENTITY);
    put("repo/simple/1/.keep", "");
    ListAppender<ILoggingEvent> logged = capture();
    Path cache = temp.resolve("cache");
    try (S3Repository repository = S3Repository.open(location(), credentials, cache);
        Server server = new Server(ServerOptions.builder().modelRepository(repository.cache())
            .modelControlMode(ModelControlMode.POLL).repositoryPollInterval(Duration.ofSeconds(1)).build()).start()) {
      assertThat(server.model("simple").infer(Map.of("INPUT0", new int[] {1})).next().output("OUTPUT0").toIntArray())
          .containsExactly(1);

      // The whole bucket goes between two syncs (S3 deletes only empty buckets: its objects go first).
      client.deleteObject(b -> b.bucket("models").key("repo/simple/1/.keep"));
      client.deleteObject(b -> b.bucket("models").key("repo/simple/config.pbtxt"));
      client.deleteBucket(b -> b.bucket("models"));
      assertThat(repository.sync()).as("the local copy changed").isTrue();
      assertThat(cache.resolve("simple")).doesNotExist();
      assertThat(messages(logged)).anySatisfy(m -> assertThat(m)
          .contains("model repository " + location() + " is gone (The specified bucket does not exist)")
          .contains("the server unloads them"));
      await("simple unloaded", () -> server.models().values().stream().anyMatch(e -> e.name().equals("simple")
          && e.version() == 1 && e.state() == ModelState.UNAVAILABLE && e.reason().equals("unloaded")));
      assertThatThrownBy(() -> server.model("simple").infer(Map.of("INPUT0", new int[] {1})).next())
          .isInstanceOf(NereidException.class).hasMessageContaining("simple");
      assertThat(repository.sync()).as("still gone: nothing more changes").isFalse();

      // Polling goes on through it: the bucket back, the model is back.
      repository.syncEvery(1);
      client.createBucket(b -> b.bucket("models"));
      put("repo/simple/config.pbtxt", IDENTITY);
      put("repo/simple/1/.keep", "");
      await("simple ready again", () -> state(server, "simple", 1) == ModelState.READY);
      assertThat(server.model("simple").infer(Map.of("INPUT0", new int[] {2})).next().output("OUTPUT0").toIntArray())
          .containsExactly(2);
    } finally {
      release(logged);
    }
  }

  @Test
  void aPrefixLeftWithoutObjectsUnloadsItsModelsWithTheReasonLogged() throws Exception {
    put("repo/simple/config.pbtxt", IDENTITY);
    put("repo/simple/1/.keep", "");
    put("elsewhere/kept", "the bucket itself stays");
    ListAppender<ILoggingEvent> logged = capture();
    try (S3Repository repository = S3Repository.open(location(), credentials, temp.resolve("cache"));
        Server server = new Server(ServerOptions.builder().modelRepository(repository.cache())
            .modelControlMode(ModelControlMode.POLL).repositoryPollInterval(Duration.ofSeconds(1)).build()).start()) {
      repository.syncEvery(1);
      await("simple ready", () -> state(server, "simple", 1) == ModelState.READY);
      client.deleteObject(b -> b.bucket("models").key("repo/simple/1/.keep"));
      client.deleteObject(b -> b.bucket("models").key("repo/simple/config.pbtxt"));
      await("simple unloaded", () -> state(server, "simple", 1) == ModelState.UNAVAILABLE);
      assertThat(messages(logged)).anySatisfy(m -> assertThat(m)
          .contains("model repository " + location() + " has no objects any more"));
    } finally {
      release(logged);
    }
  }

  @Test
  void anUnreachableStoreKeepsTheLastCopyServedAndLogsWhy() throws Exception {
    put("repo/simple/config.pbtxt", IDENTITY);
    put("repo/simple/1/.keep", "");
    ListAppender<ILoggingEvent> logged = capture();
    try (S3Repository repository = S3Repository.open(location(), credentials, temp.resolve("cache"));
        Server server = new Server(ServerOptions.builder().modelRepository(repository.cache())
            .modelControlMode(ModelControlMode.POLL).repositoryPollInterval(Duration.ofSeconds(1)).build()).start()) {
      String url = location().toString();
      proxy.stop();
      repository.syncEvery(1);
      await("the failed sync logged", () -> messages(logged).stream()
          .anyMatch(m -> m.contains("cannot read model repository " + url)));
      assertThat(messages(logged)).anySatisfy(m -> assertThat(m).contains("Connection refused")
          .contains("the server keeps serving the last copy"));
      assertThat(state(server, "simple", 1)).isEqualTo(ModelState.READY);
      assertThat(server.model("simple").infer(Map.of("INPUT0", new int[] {3})).next().output("OUTPUT0").toIntArray())
          .containsExactly(3);
    } finally {
      release(logged);
    }
  }

  private static ListAppender<ILoggingEvent> capture() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(S3Repository.class)).addAppender(appender);
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(S3Repository.class)).detachAppender(appender);
  }

  private static List<String> messages(ListAppender<ILoggingEvent> appender) {
    synchronized (appender.list) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Test
  void anUnreadableBucketIsUnavailableWithS3sReason() {
    Path cache = temp.resolve("cache");
    S3Location missing = S3Location.parse("s3://127.0.0.1:" + proxy.getPort() + "/no-such-bucket/repo");
    assertThatThrownBy(() -> S3Repository.open(missing, credentials, cache))
        .isInstanceOf(NereidException.Unavailable.class)
        .hasMessageContaining("cannot read model repository s3://127.0.0.1:" + proxy.getPort() + "/no-such-bucket/repo")
        .hasMessageContaining("bucket does not exist");
    StaticCredentialsProvider wrong = StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, "wrong"));
    assertThatThrownBy(() -> S3Repository.open(location(), wrong, cache))
        .isInstanceOf(NereidException.Unavailable.class)
        .hasMessageContaining("Forbidden").hasMessageContaining("403");
  }

  @Test
  void theStandardCredentialChainServesWhenTritonsFileIsNotNamed() {
    assumeTrue(System.getenv("TRITON_CLOUD_CREDENTIAL_PATH") == null, "Triton's credential file would take precedence");
    put("repo/simple/config.pbtxt", IDENTITY);
    String url = "s3://127.0.0.1:" + proxy.getPort() + "/models/repo";
    // The chain's first link: the aws.accessKeyId / aws.secretAccessKey system properties.
    System.setProperty("aws.accessKeyId", ACCESS);
    System.setProperty("aws.secretAccessKey", SECRET);
    try (CloudRepository repository = CloudRepository.open(url, temp.resolve("cache"))) {
      assertThat(repository).isInstanceOf(S3Repository.class);
      assertThat(repository.cache().resolve("simple/config.pbtxt")).hasContent(IDENTITY);
      System.setProperty("aws.secretAccessKey", "wrong");
      assertThatThrownBy(() -> CloudRepository.open(url, temp.resolve("cache2")))
          .isInstanceOf(NereidException.Unavailable.class).hasMessageContaining("403");
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }

  @Test
  void otherObjectStoresAreRefusedSayingSo() {
    assertThatThrownBy(() -> CloudRepository.open("gs://bucket/models", temp.resolve("cache")))
        .isInstanceOf(NereidException.Unsupported.class)
        .hasMessage("model repository 'gs://bucket/models': repositories in Google Cloud Storage (gs://) and Azure"
            + " Storage (as://) are not supported yet; use s3:// or copy the repository to a local folder and pass"
            + " that folder");
    assertThatThrownBy(() -> CloudRepository.open("as://account/container", temp.resolve("cache")))
        .isInstanceOf(NereidException.Unsupported.class).hasMessageContaining("'as://account/container'");
    assertThatThrownBy(() -> CloudRepository.open("ftp://host/models", temp.resolve("cache")))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessageContaining("model repository 'ftp://host/models' is not in an object store");
  }

  @Test
  void tritonsCredentialFileIsUsedByLongestPrefix() throws Exception {
    put("repo/simple/config.pbtxt", IDENTITY);
    Path file = temp.resolve("credentials.json");
    String url = "s3://127.0.0.1:" + proxy.getPort() + "/models/repo";
    Files.writeString(file, """
        {"s3": {
          "": {"key_id": "%s", "secret_key": "wrong", "region": "us-east-1"},
          "%s": {"key_id": "%s", "secret_key": "%s", "region": "eu-west-1"}
        }}""".formatted(ACCESS, url, ACCESS, SECRET));
    try (S3Repository repository = S3Repository.open(url, file, temp.resolve("cache"))) {
      assertThat(repository.cache().resolve("simple/config.pbtxt")).hasContent(IDENTITY);
    }
    // Only the catch-all entry, with the wrong secret: S3 refuses it.
    Files.writeString(file, "{\"s3\": {\"\": {\"key_id\": \"" + ACCESS + "\", \"secret_key\": \"wrong\"}}}");
    assertThatThrownBy(() -> S3Repository.open(url, file, temp.resolve("cache2")))
        .isInstanceOf(NereidException.Unavailable.class).hasMessageContaining("403");
  }

  private static ModelState state(Server server, String model, long version) {
    for (ModelIndexEntry e : server.models().values()) {
      if (e.name().equals(model) && e.version() == version) return e.state();
    }
    return null;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(50);
    }
  }
}
