package dev.nereid.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;

/**
 * Makes a finished trace into OpenTelemetry spans, as Triton's {@code opentelemetry} mode lays them
 * out: an {@code InferRequest} span per request (the front end's receipt to its response for the
 * request received; queueing to the final response for a child) with its timestamps as events, a
 * {@code compute} child span from compute start to end with the compute timestamps
 * ({@code COMPUTE_START}, {@code COMPUTE_INPUT_END}, {@code COMPUTE_OUTPUT_START}, {@code COMPUTE_END}) as
 * its events, and each child request's {@code InferRequest}
 * span under its parent's. At the {@code TENSORS} level (which Triton's {@code opentelemetry} mode
 * lacks) each recorded tensor is an event too, named by its activity, with the tensor's name, data,
 * shape and data type as attributes.
 */
final class OpenTelemetrySpans {
  private OpenTelemetrySpans() {}

  static void emit(Tracer tracer, Trace trace) {
    emit(tracer, trace, trace.parentContext() == null ? Context.root() : trace.parentContext(), SpanKind.SERVER);
  }

  private static void emit(Tracer tracer, Trace trace, Context parent, SpanKind kind) {
    Span span = tracer.spanBuilder("InferRequest")
        .setParent(parent)
        .setSpanKind(kind)
        .setStartTimestamp(Clock.epochNanos(trace.start()), TimeUnit.NANOSECONDS)
        .setAllAttributes(Attributes.builder()
            .put("triton.model_name", trace.model())
            .put("triton.model_version", trace.modelVersion())
            .put("triton.trace_id", trace.id())
            .put("triton.request_id", trace.requestId())
            .build())
        .startSpan();
    if (trace.timestamps()) {
      for (Trace.Event e : trace.events()) {
        span.addEvent(e.name(), Clock.epochNanos(e.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
    for (TensorRecord r : trace.tensorRecords()) {
      span.addEvent(r.activity(), Attributes.builder().put("triton.tensor.name", r.name())
          .put("triton.tensor.data", r.data()).put("triton.tensor.shape", r.shape())
          .put("triton.tensor.dtype", r.dtype()).build());
    }
    if (!trace.success()) span.setStatus(StatusCode.ERROR);
    Context context = parent.with(span);
    long computeStart = trace.at("COMPUTE_START");
    long computeEnd = trace.at("COMPUTE_END");
    if (computeStart >= 0 && computeEnd >= 0) {
      Span compute = tracer.spanBuilder("compute").setParent(context).setSpanKind(SpanKind.INTERNAL)
          .setStartTimestamp(Clock.epochNanos(computeStart), TimeUnit.NANOSECONDS)
          .startSpan();
      if (trace.timestamps()) {
        for (Trace.Event e : trace.events()) {
          if (e.name().startsWith("COMPUTE_")) {
            compute.addEvent(e.name(), Clock.epochNanos(e.nanoTime()), TimeUnit.NANOSECONDS);
          }
        }
      }
      compute.end(Clock.epochNanos(Math.max(computeStart, computeEnd)), TimeUnit.NANOSECONDS);
    }
    for (Trace child : trace.children()) emit(tracer, child, context, SpanKind.INTERNAL);
    span.end(Clock.epochNanos(trace.end()), TimeUnit.NANOSECONDS);
  }
}
