/**
 * The backend SPI: how a model format or runtime plugs into Nereid.
 *
 * <p>A {@link dev.nereid.spi.Backend} is found with {@link java.util.ServiceLoader} (list it in
 * {@code META-INF/services/dev.nereid.spi.Backend}) and named by a model's {@code backend} or
 * {@code platform}. For each model version it {@linkplain dev.nereid.spi.Backend#load loads} a
 * {@link dev.nereid.spi.BackendModel}, which creates one {@link dev.nereid.spi.BackendInstance} per
 * instance of the model's {@code instance_group}.
 *
 * <p>Threads and ownership: {@code execute} is never called concurrently on one instance, but the
 * instances of a model run in parallel. Every request handed to {@code execute} must get exactly one
 * final response through its {@link dev.nereid.spi.ResponseSender}, from any thread, during or after
 * {@code execute}; the core answers requests the backend leaves unanswered when {@code execute}
 * throws. Input tensors are borrowed: read them during the request's life, never keep them after its
 * final response. {@code close} is called once, after the last {@code execute} has returned.
 */
package dev.nereid.spi;
