package dev.nereid.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small models for the HTTP tests, written into a temporary repository. */
final class TestModels {
  private TestModels() {}

  /** A repository with the models below. */
  static Path repository() {
    try {
      Path repo = Files.createTempDirectory("nereid-http-models");
      TestHttp.writeModel(repo, "identity_batch", """
          backend: "identity"
          max_batch_size: 8
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] } ]
          """);
      TestHttp.writeModel(repo, "raw_fp32", """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1 ] } ]
          """);
      TestHttp.writeModel(repo, "raw_two_variable", """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ -1, -1 ] } ]
          """);
      TestHttp.writeModel(repo, "raw_bytes", """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_STRING dims: [ 1 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_STRING dims: [ 1 ] } ]
          """);
      TestHttp.writeModel(repo, "raw_bytes_variable", """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_STRING dims: [ -1 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_STRING dims: [ -1 ] } ]
          """);
      TestHttp.writeModel(repo, "two_inputs", """
          backend: "identity"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
          """);
      TestHttp.writeModel(repo, "echo", """
          backend: "echo_request"
          max_batch_size: 0
          input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ -1 ] } ]
          output [ { name: "REQUEST" data_type: TYPE_STRING dims: [ 1 ] } ]
          """);
      TestHttp.writeModel(repo, "scores", """
          backend: "identity"
          max_batch_size: 4
          input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 5 ] } ]
          output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 5 ] } ]
          """);
      TestHttp.writeModel(repo, "gated", """
          backend: "gated_stream"
          max_batch_size: 0
          model_transaction_policy { decoupled: true }
          input [ { name: "IN" data_type: TYPE_INT32 dims: [ 1 ] } ]
          output [ { name: "OUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
          """);
      return repo;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
