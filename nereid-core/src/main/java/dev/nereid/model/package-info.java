/**
 * Models written in Java: implement {@link dev.nereid.model.JavaModel}, name the class in the model's
 * {@code config.pbtxt} with {@code backend: "java"} and {@code parameters { key: "class" ... }}, and
 * ship it in {@code <model>/<version>/model.jar} or on the application's class path.
 *
 * <pre>{@code
 * public final class Doubler implements JavaModel {
 *   public void execute(Batch batch) {
 *     for (BackendRequest request : batch.requests()) {
 *       float[] x = request.input("X").toFloatArray();
 *       for (int i = 0; i < x.length; i++) x[i] *= 2;
 *       request.responder().send(Map.of("Y", Tensor.of(x, x.length)), ResponseFlag.FINAL);
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>A model calls other models through {@link dev.nereid.model.JavaModelContext#model(String)}, the
 * same in-process API applications use (Triton's business logic scripting); see
 * {@link dev.nereid.model.JavaModel#execute}.
 */
package dev.nereid.model;
