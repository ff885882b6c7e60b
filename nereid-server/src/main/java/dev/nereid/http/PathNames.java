package dev.nereid.http;

import dev.nereid.NereidException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Percent-decoding of one path segment (RFC 3986): {@code my%20model} names the model {@code my model},
 * as clients that quote names in URLs (tritonclient's {@code quote}) mean it. A {@code +} stays a
 * plus sign: that rule is for query strings, not paths.
 */
final class PathNames {
  /** How much of a refused segment an error message repeats. */
  private static final int ECHO_LIMIT = 64;

  private PathNames() {}

  /**
   * The decoded segment.
   *
   * @throws NereidException.InvalidArgument when a {@code %} is not followed by two hex digits, or the
   *     bytes are not UTF-8
   */
  static String decode(String segment) {
    int first = segment.indexOf('%');
    if (first < 0) return segment;
    byte[] bytes = new byte[segment.length() * 3];
    int n = 0;
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      if (c != '%') {
        if (c > 0x7f) {
          byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
          System.arraycopy(encoded, 0, bytes, n, encoded.length);
          n += encoded.length;
        } else {
          bytes[n++] = (byte) c;
        }
        continue;
      }
      int high = i + 2 < segment.length() ? Character.digit(segment.charAt(i + 1), 16) : -1;
      int low = high >= 0 ? Character.digit(segment.charAt(i + 2), 16) : -1;
      if (low < 0) throw malformed(segment, "'%' must be followed by two hexadecimal digits");
      bytes[n++] = (byte) (high << 4 | low);
      i += 2;
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, 0, n))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed(segment, "its percent-encoded bytes are not UTF-8");
    }
  }

  private static NereidException.InvalidArgument malformed(String segment, String why) {
    String shown = segment.length() <= ECHO_LIMIT ? segment : segment.substring(0, ECHO_LIMIT) + "...";
    return new NereidException.InvalidArgument("malformed percent-encoding in URL path segment '" + shown + "': " + why);
  }
}
