package dev.nereid.s3;

import dev.nereid.NereidException;
import java.nio.file.Path;

/**
 * A model repository in object storage, mirrored into a local folder that the server loads from
 * ({@link #cache()}), and mirrored again on a schedule so a server in POLL mode sees what changed.
 * {@link #open} picks the store from the URL's scheme as Triton does: {@code s3://} is
 * {@link S3Repository}; Google Cloud Storage ({@code gs://}) and Azure Storage ({@code as://}) would
 * implement this same interface and are refused with a message saying so.
 */
public interface CloudRepository extends AutoCloseable {
  /**
   * Opens the repository at {@code url} with the store's standard credentials and mirrors it into
   * {@code cache} (created if missing) once.
   *
   * @throws NereidException.Unsupported for {@code gs://} and {@code as://} repositories
   * @throws NereidException.InvalidArgument for a URL that names no object store
   * @throws NereidException.Unavailable when the repository cannot be read, with the store's reason
   */
  static CloudRepository open(String url, Path cache) {
    if (url.startsWith("s3://")) return S3Repository.open(url, cache);
    if (url.startsWith("gs://") || url.startsWith("as://")) {
      throw new NereidException.Unsupported("model repository '" + url + "': repositories in Google Cloud Storage"
          + " (gs://) and Azure Storage (as://) are not supported yet; use s3:// or copy the repository to a local"
          + " folder and pass that folder");
    }
    throw new NereidException.InvalidArgument("model repository '" + url + "' is not in an object store: expected"
        + " s3://, gs:// or as://");
  }

  /** Whether a repository path names an object store ({@code s3:}, {@code gs:} or {@code as:}) rather than a folder. */
  static boolean isCloud(String path) {
    return path.startsWith("s3:") || path.startsWith("gs:") || path.startsWith("as:");
  }

  /** The local folder the repository is mirrored into: give it to the server as its repository. */
  Path cache();

  /**
   * Brings the local copy up to date with the store.
   *
   * @return whether any file changed
   * @throws NereidException.Unavailable when the store cannot be read
   */
  boolean sync();

  /** Syncs every {@code seconds} on a thread of its own until closed, logging failures instead of throwing. */
  void syncEvery(long seconds);

  /** Stops syncing and releases the store's client; the local copy stays. */
  @Override
  void close();
}
