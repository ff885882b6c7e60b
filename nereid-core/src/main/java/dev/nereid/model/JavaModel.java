package dev.nereid.model;

import dev.nereid.spi.Batch;

/**
 * A model written in Java, served by the built-in {@code java} backend: Nereid's counterpart of the
 * {@code TritonPythonModel} class of Triton's Python backend.
 *
 * <p>The config names the class and the backend:
 *
 * <pre>
 * backend: "java"
 * parameters { key: "class" value { string_value: "com.example.MyModel" } }
 * </pre>
 *
 * The class is looked up in {@code <model>/<version>/model.jar} when the version folder has one (each
 * version in a class loader of its own, closed when the version is unloaded), else on the
 * application's class path. It needs a public no-argument constructor.
 *
 * <p>Lifecycle: one object per model instance (an {@code instance_group} with {@code count: 2} makes
 * two). {@link #initialize} runs once before the instance takes requests; if it throws, the version
 * is UNAVAILABLE with the exception's message as its reason. {@link #execute} runs one batch at a
 * time per object, never concurrently on the same object, but the objects of one model run in
 * parallel. {@link #finalizeModel} runs when the version is unloaded and when the server stops.
 *
 * <p>Auto-complete: a model class may declare {@code public static ModelConfig
 * autoCompleteConfig(ModelConfig config)} (with {@code dev.nereid.proto.ModelConfig}). When the server
 * does not use strict model config, it is found once, reflectively, when the model loads, and called
 * with the config as written; it returns the config completed (inputs, outputs, max_batch_size,
 * decoupled transaction policy...), typically through {@code config.toBuilder()}. A static method
 * rather than an instance method, because it runs before any instance exists.
 */
public interface JavaModel {
  /**
   * Prepares this instance: reads the config and model files, creates metrics, looks up models it
   * will call. Called once, on a server thread, before any {@link #execute}.
   *
   * @throws Exception anything: the version becomes UNAVAILABLE with its message as the reason
   */
  default void initialize(JavaModelContext context) throws Exception {}

  /**
   * Runs a batch of requests. Answer each request through {@code request.responder()} (or all at once
   * with {@link Batch#respond}): exactly one final response for a model that is not decoupled; for a
   * decoupled model ({@code model_transaction_policy { decoupled: true }}) any number of responses,
   * then the final flag ({@code responder().complete()}), from any thread, during or after this call.
   *
   * <p>To call other models (business logic scripting) use {@link JavaModelContext#model(String)}:
   * {@code infer} (blocking), {@code inferAsync} or {@code inferStream}. Their errors reach this code
   * as {@link dev.nereid.NereidException}s or failed responses, for it to handle.
   *
   * @throws Exception anything: every request of the batch not yet answered gets an error response
   *     naming the model and the exception (keeping the error code of a {@link dev.nereid.NereidException})
   */
  void execute(Batch batch) throws Exception;

  /**
   * Releases what {@link #initialize} acquired. Called once, after the instance's last
   * {@link #execute} has returned, when the version is unloaded or the server stops; an exception is
   * logged and otherwise ignored.
   *
   * <p>Named {@code finalizeModel} rather than Triton's {@code finalize}: a public {@code finalize()}
   * would override {@link Object#finalize()}, which the JVM's (deprecated) finalization calls when the
   * object is garbage collected: the hook would run a second time, on the finalizer thread, at a moment
   * nobody chose. A distinct name keeps it a plain method that runs once, when Nereid calls it.
   */
  default void finalizeModel() throws Exception {}
}
