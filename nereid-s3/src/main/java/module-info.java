/** Model repositories in S3 ({@code s3://} paths): {@link dev.nereid.s3.S3Repository}. */
module dev.nereid.s3 {
  requires dev.nereid;
  requires com.fasterxml.jackson.databind;
  requires software.amazon.awssdk.auth;
  requires software.amazon.awssdk.core;
  requires software.amazon.awssdk.http;
  requires software.amazon.awssdk.http.urlconnection;
  requires software.amazon.awssdk.awscore;
  requires software.amazon.awssdk.regions;
  requires software.amazon.awssdk.services.s3;

  exports dev.nereid.s3;
}
