package dev.nereid.tracing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's trace file: a JSON array holding, per trace, an object naming the model
 * ({@code id}, {@code model_name}, {@code model_version}, {@code request_id}, {@code parent_id} for a
 * child), an object with its {@code timestamps} ({@code name}, {@code ns}) at the {@code TIMESTAMPS}
 * level, and one object per tensor at the {@code TENSORS} level ({@code id}, {@code activity},
 * {@code tensor}: {@code name}, {@code data}, {@code shape}, {@code dtype}). With a log frequency
 * of N the traces go to {@code file.0}, {@code file.1}, ... every N traces; with 0, all of them to
 * {@code file} when tracing stops ({@link #flush()}).
 */
final class TritonTraceFile {
  private static final Logger log = LoggerFactory.getLogger(TritonTraceFile.class);
  private static final JsonFactory JSON = new JsonFactory();

  private final List<Trace> pending = new ArrayList<>();
  private int index;

  /** Adds a finished trace; writes a numbered file when {@code logFrequency} traces have gathered. */
  synchronized void add(Trace trace, String file, int logFrequency) {
    pending.add(trace);
    if (logFrequency > 0 && pending.size() >= logFrequency && !file.isEmpty()) {
      write(Path.of(file + "." + index++));
    }
  }

  /** Writes what has gathered to {@code file}. */
  synchronized void flush(String file) {
    if (pending.isEmpty() || file.isEmpty()) return;
    write(Path.of(file));
  }

  private void write(Path path) {
    try (OutputStream out = Files.newOutputStream(path); JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartArray();
      for (Trace t : pending) writeTree(g, t);
      g.writeEndArray();
    } catch (IOException e) {
      log.error("cannot write trace file {}: {}", path, e.getMessage());
      throw new UncheckedIOException(e);
    } finally {
      pending.clear();
    }
  }

  private static void writeTree(JsonGenerator g, Trace t) throws IOException {
    g.writeStartObject();
    g.writeNumberField("id", t.id());
    g.writeStringField("model_name", t.model());
    g.writeNumberField("model_version", t.modelVersion());
    g.writeStringField("request_id", t.requestId());
    if (t.parent() != null) g.writeNumberField("parent_id", t.parent().id());
    g.writeEndObject();
    if (t.timestamps()) {
      g.writeStartObject();
      g.writeNumberField("id", t.id());
      g.writeArrayFieldStart("timestamps");
      for (Trace.Event e : t.events()) {
        g.writeStartObject();
        g.writeStringField("name", e.name());
        g.writeNumberField("ns", Clock.epochNanos(e.nanoTime()));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    for (TensorRecord r : t.tensorRecords()) {
      g.writeStartObject();
      g.writeNumberField("id", t.id());
      g.writeStringField("activity", r.activity());
      g.writeObjectFieldStart("tensor");
      g.writeStringField("name", r.name());
      g.writeStringField("data", r.data());
      g.writeStringField("shape", r.shape());
      g.writeStringField("dtype", r.dtype());
      g.writeEndObject();
      g.writeEndObject();
    }
    for (Trace child : t.children()) writeTree(g, child);
  }
}
