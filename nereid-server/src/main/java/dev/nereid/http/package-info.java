/**
 * The KServe v2 HTTP/REST front end, as Triton serves it: {@link dev.nereid.http.HttpFrontend} over an
 * in-process {@link dev.nereid.Server}.
 *
 * <p>A request flows through one Netty pipeline per connection: HTTP codec, chunk limit, request
 * decompression, body aggregation (400 past the size limit, as Triton), response compression, then
 * {@code KserveHandler}, which routes ({@code Route}), checks restrictions and methods, and hands an
 * {@code Exchange} (one request, one response) to an endpoint. Infer requests are decoded
 * ({@code InferRequestDecoder}, {@code RawRequestDecoder}), submitted with
 * {@link dev.nereid.Model#inferAsync(dev.nereid.InferenceRequest, java.util.concurrent.Executor)},
 * and answered on the connection's event loop ({@code InferResponseEncoder}).
 */
package dev.nereid.http;
