package dev.nereid.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.frontend.ErrorMessages;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nereid.NereidException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;

/**
 * JSON in and out of request and response bodies: one shared, thread-safe mapper with the limits
 * Triton applies (nesting depth 100), reading straight from and writing straight into Netty buffers.
 */
final class Json {
  static final int MAX_NESTING_DEPTH = 100;

  // A shared buffer pool: the default keeps buffers per thread, useless on the virtual threads that
  // encode responses. The fast number parser and writer give the same values and text as the JDK's
  // (both round correctly, both write the shortest text) at a fraction of the cost: tensor data in
  // JSON is mostly numbers.
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING_DEPTH)
          .maxStringLength(Integer.MAX_VALUE)
          .build())
      .build());

  private Json() {}

  /** Writes JSON with a generator. */
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  /**
   * Parses a request body (or a region of one) without consuming it.
   *
   * @throws NereidException.InvalidArgument with Triton's wording for empty, malformed or too deeply
   *     nested JSON
   */
  static JsonNode parse(ByteBuf body) {
    if (!body.isReadable()) {
      throw new NereidException.InvalidArgument("failed to parse the request JSON buffer: The document is empty.");
    }
    try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
      JsonNode node = MAPPER.readTree(in);
      if (node == null || node.isMissingNode()) {
        throw new NereidException.InvalidArgument("failed to parse the request JSON buffer: The document is empty.");
      }
      return node;
    } catch (StreamConstraintsException e) {
      throw new NereidException.InvalidArgument(
          "JSON nesting depth exceeds maximum allowed limit (" + MAX_NESTING_DEPTH + ")", e);
    } catch (JsonProcessingException e) {
      throw new NereidException.InvalidArgument("failed to parse the request JSON buffer: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at " + e.getLocation().getCharOffset()), e);
    } catch (IOException e) {
      throw new NereidException.InvalidArgument("failed to read the request body: " + e.getMessage(), e);
    }
  }

  /** Writes compact JSON into a new buffer. */
  static ByteBuf write(ByteBufAllocator alloc, Writer writer) {
    ByteBuf out = alloc.buffer(256);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
      writer.write(g);
    } catch (IOException | RuntimeException e) {
      out.release();
      if (e instanceof NereidException n) throw n;
      throw new NereidException.Internal("cannot write JSON: " + e.getMessage(), e);
    }
    return out;
  }

  /** {@code {"error":"<message>"}}. */
  static ByteBuf error(ByteBufAllocator alloc, String message) {
    return write(alloc, g -> {
      g.writeStartObject();
      g.writeStringField("error", message == null ? "unknown error" : ErrorMessages.cap(message));
      g.writeEndObject();
    });
  }
}
