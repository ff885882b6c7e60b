package dev.nereid.fil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A Universal Binary JSON (UBJSON, draft 12) parser producing Jackson trees: the encoding of XGBoost's
 * {@code *.ubj} models, including the typed, counted containers ({@code [$d#l...}) XGBoost writes for its
 * node arrays. Values are big-endian.
 */
final class Ubjson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ByteBuffer in;
  private final String what;

  private Ubjson(byte[] bytes, String what) {
    this.in = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
    this.what = what;
  }

  /** Parses one UBJSON value; {@code what} names the source in messages. */
  static JsonNode parse(byte[] bytes, String what) {
    Ubjson p = new Ubjson(bytes, what);
    try {
      return p.value(p.marker());
    } catch (java.nio.BufferUnderflowException e) {
      throw new ModelFileException(what + " is not valid UBJSON: it ends in the middle of a value");
    }
  }

  private byte marker() {
    byte m;
    do {
      m = in.get();
    } while (m == 'N');
    return m;
  }

  private JsonNode value(byte type) {
    return switch (type) {
      case '{' -> object();
      case '[' -> array();
      case 'Z' -> NODES.nullNode();
      case 'T' -> NODES.booleanNode(true);
      case 'F' -> NODES.booleanNode(false);
      case 'i' -> NODES.numberNode(in.get());
      case 'U' -> NODES.numberNode(in.get() & 0xFF);
      case 'I' -> NODES.numberNode(in.getShort());
      case 'l' -> NODES.numberNode(in.getInt());
      case 'L' -> NODES.numberNode(in.getLong());
      case 'd' -> NODES.numberNode(in.getFloat());
      case 'D' -> NODES.numberNode(in.getDouble());
      case 'C' -> NODES.textNode(String.valueOf((char) (in.get() & 0xFF)));
      case 'S', 'H' -> NODES.textNode(string());
      default -> throw new ModelFileException(what + " is not valid UBJSON: unknown type marker 0x"
          + Integer.toHexString(type & 0xFF) + " at byte " + (in.position() - 1));
    };
  }

  private long length() {
    byte type = in.get();
    long n = switch (type) {
      case 'i' -> in.get();
      case 'U' -> in.get() & 0xFF;
      case 'I' -> in.getShort();
      case 'l' -> in.getInt();
      case 'L' -> in.getLong();
      default -> throw new ModelFileException(what + " is not valid UBJSON: a length has type marker 0x"
          + Integer.toHexString(type & 0xFF) + " at byte " + (in.position() - 1));
    };
    if (n < 0 || n > in.remaining()) {
      throw new ModelFileException(what + " is not valid UBJSON: length " + n + " at byte " + in.position()
          + " runs past the end of the file");
    }
    return n;
  }

  private String string() {
    int n = (int) length();
    byte[] b = new byte[n];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private ArrayNode array() {
    ArrayNode a = NODES.arrayNode();
    byte type = 0;
    long count = -1;
    int mark = in.position();
    byte m = in.get();
    if (m == '$') {
      type = in.get();
      if (in.get() != '#') throw new ModelFileException(what + " is not valid UBJSON: a typed array has no count");
      count = length();
    } else if (m == '#') {
      count = length();
    } else {
      in.position(mark);
    }
    if (count >= 0) {
      for (long i = 0; i < count; i++) a.add(value(type != 0 ? type : marker()));
      return a;
    }
    for (byte next = marker(); next != ']'; next = marker()) a.add(value(next));
    return a;
  }

  private ObjectNode object() {
    ObjectNode o = NODES.objectNode();
    byte type = 0;
    long count = -1;
    int mark = in.position();
    byte m = in.get();
    if (m == '$') {
      type = in.get();
      if (in.get() != '#') throw new ModelFileException(what + " is not valid UBJSON: a typed object has no count");
      count = length();
    } else if (m == '#') {
      count = length();
    } else {
      in.position(mark);
    }
    if (count >= 0) {
      for (long i = 0; i < count; i++) {
        String key = string();
        o.set(key, value(type != 0 ? type : marker()));
      }
      return o;
    }
    while (true) {
      int at = in.position();
      byte next = in.get();
      if (next == '}') return o;
      if (next == 'N') continue;
      in.position(at);
      String key = string();
      o.set(key, value(marker()));
    }
  }
}
