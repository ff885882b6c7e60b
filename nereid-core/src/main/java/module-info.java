/**
 * Nereid: an in-process inference server for Triton model repositories.
 *
 * <p>Public API: {@code dev.nereid} (the server, models, requests, tensors), {@code dev.nereid.spi} (the
 * backend SPI), {@code dev.nereid.model} (models written in Java) and {@code dev.nereid.proto} (Triton's
 * {@code model_config.proto} messages, which the API hands out as a model's configuration).
 *
 * <p>The {@code dev.nereid.internal} packages are not API. The two that sibling modules need are exported
 * to them by name only, so that any other module that imports them fails to compile:
 * {@code internal.tensor} (shape arithmetic and Triton's shape format, which the ONNX Runtime backend's
 * error messages share with the core's) and {@code internal.config} ({@code config.pbtxt} and its JSON form,
 * read and written by the python backend's stubs and by the CLI's {@code analyze} and {@code perf}).
 * They are exported by name, not moved behind a public SPI, because a public text/JSON codec for the
 * config would commit its error wording and parsing options as API; README "Module boundaries" has the
 * rest of that decision.
 */
module dev.nereid {
  requires transitive com.google.protobuf;
  requires com.google.protobuf.util;
  requires transitive org.slf4j;
  requires io.prometheus.metrics.core;
  requires io.prometheus.metrics.model;

  exports dev.nereid;
  exports dev.nereid.spi;
  exports dev.nereid.model;
  exports dev.nereid.proto;

  exports dev.nereid.internal.tensor to dev.nereid.onnxruntime;
  exports dev.nereid.internal.config to dev.nereid.python, dev.nereid.server;

  uses dev.nereid.spi.Backend;

  provides dev.nereid.spi.Backend with
      dev.nereid.internal.builtin.IdentityBackend,
      dev.nereid.internal.builtin.RepeatBackend,
      dev.nereid.internal.builtin.SquareBackend,
      dev.nereid.internal.javamodel.JavaBackend,
      dev.nereid.internal.ensemble.EnsembleBackend;
}
