/**
 * Triton's trace extension: which requests are traced ({@code trace_level}, {@code trace_rate},
 * {@code trace_count}, per server and per model), and where the traces go: Triton's JSON trace file
 * ({@code trace_mode triton}) or OpenTelemetry spans exported over OTLP ({@code trace_mode
 * opentelemetry}). A traced request's {@link dev.nereid.RequestTimeline} is a
 * {@link dev.nereid.tracing.Trace}; the core tells it when the request is queued and computed, the
 * front ends when it was received and answered.
 */
package dev.nereid.tracing;
