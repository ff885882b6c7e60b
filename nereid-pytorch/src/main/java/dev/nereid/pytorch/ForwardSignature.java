package dev.nereid.pytorch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The argument names of a TorchScript module's {@code forward}, read from the archive's own code.
 *
 * <p>libtorch keeps them in the method's schema, which DJL's JNI does not expose; a TorchScript file is a
 * zip whose {@code data.pkl} starts with the root module's qualified class name, and whose
 * {@code code/} folder holds that class's source with {@code def forward(self: <class>, a: Tensor, ...)}.
 * Reading that is enough for Triton's rule that config inputs named like {@code forward}'s arguments are
 * matched by name.
 *
 * @param arguments the argument names after {@code self}, in order
 * @param types each argument's TorchScript type, as written ({@code Tensor}, {@code List[str]})
 */
record ForwardSignature(List<String> arguments, List<String> types) {
  ForwardSignature {
    arguments = List.copyOf(arguments);
    types = List.copyOf(types);
  }

  /** The signature of the file's {@code forward}, or empty when the archive does not show it. */
  static Optional<ForwardSignature> read(Path file) {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String rootClass = null;
      List<ZipEntry> code = new ArrayList<>();
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        String name = entry.getName();
        if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
          rootClass = rootClass(zip, entry);
        } else if (name.contains("/code/") && name.endsWith(".py")) {
          code.add(entry);
        }
      }
      if (rootClass == null) return Optional.empty();
      String marker = "def forward(self: " + rootClass;
      for (ZipEntry entry : code) {
        String source = read(zip, entry);
        int at = source.indexOf(marker);
        while (at >= 0) {
          int after = at + marker.length();
          char next = after < source.length() ? source.charAt(after) : ' ';
          if (next == ',' || next == ')') return Optional.of(parse(source, after));
          at = source.indexOf(marker, after);
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // not a zip, or not one we can read: libtorch's load reports what is wrong
    }
  }

  /** The qualified class of the pickled root object: the first GLOBAL opcode, {@code c<module>\n<name>\n}. */
  private static String rootClass(ZipFile zip, ZipEntry entry) throws IOException {
    byte[] head;
    try (InputStream in = zip.getInputStream(entry)) {
      head = in.readNBytes(512);
    }
    int c = head.length > 2 && head[0] == (byte) 0x80 ? 2 : 0;
    if (c >= head.length || head[c] != 'c') return null;
    String text = new String(head, c + 1, head.length - c - 1, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", 3);
    return lines.length < 3 ? null : lines[0] + "." + lines[1];
  }

  private static String read(ZipFile zip, ZipEntry entry) throws IOException {
    try (InputStream in = zip.getInputStream(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Parses {@code , a: T, b: Dict[str, Tensor]) -> ...} from just after {@code self}'s type. */
  private static ForwardSignature parse(String source, int from) {
    List<String> names = new ArrayList<>();
    List<String> types = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (int i = from; i < source.length(); i++) {
      char ch = source.charAt(i);
      if (ch == '[' || ch == '(') depth++;
      if ((ch == ']' || ch == ')') && depth > 0) {
        depth--;
      } else if ((ch == ',' || ch == ')') && depth == 0) {
        add(current.toString(), names, types);
        current.setLength(0);
        if (ch == ')') break;
        continue;
      }
      current.append(ch);
    }
    return new ForwardSignature(names, types);
  }

  private static void add(String argument, List<String> names, List<String> types) {
    String text = argument.strip();
    if (text.isEmpty()) return;
    int colon = text.indexOf(':');
    String name = (colon < 0 ? text : text.substring(0, colon)).strip();
    String type = colon < 0 ? "" : text.substring(colon + 1).strip();
    int equals = type.indexOf('=');
    if (equals >= 0) type = type.substring(0, equals).strip();
    names.add(name);
    types.add(type);
  }
}
