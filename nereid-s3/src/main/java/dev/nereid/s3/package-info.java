/**
 * Model repositories in Amazon S3 or an S3-compatible store ({@code s3://bucket/path}, or Triton's
 * {@code s3://host:port/bucket/path} for a store of your own), mirrored object by object into a local
 * folder that the server loads from, and mirrored again on every poll so POLL mode sees changes.
 */
package dev.nereid.s3;
