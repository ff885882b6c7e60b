package dev.nereid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API is a file under review: {@code nereid-core/api/nereid-core.api} lists every public
 * type and member of the packages users program against ({@code dev.nereid}, {@code dev.nereid.spi},
 * {@code dev.nereid.model}), so a change to them is a deliberate diff in one file, as OkHttp's
 * {@code okhttp.api} is. The generated {@code dev.nereid.proto} classes are public too, but they follow
 * Triton's {@code model_config.proto} and change only with it, so they are not listed.
 *
 * <p>After a deliberate change: {@code ./mvnw -pl nereid-core verify -Dtest=PublicApiTest
 * -Dnereid.api.update=true}, then review and commit the file's diff.
 */
class PublicApiTest {
  private static final List<String> PACKAGES = List.of("dev.nereid", "dev.nereid.spi", "dev.nereid.model");
  private static final Path API_FILE = Path.of("api", "nereid-core.api");

  @Test
  void publicApiMatchesTheCheckedInSignatureFile() throws Exception {
    String actual = dump();
    if (Boolean.getBoolean("nereid.api.update")) {
      Files.createDirectories(API_FILE.getParent());
      Files.writeString(API_FILE, actual, StandardCharsets.UTF_8);
    }
    String expected = Files.exists(API_FILE) ? Files.readString(API_FILE, StandardCharsets.UTF_8) : "";
    assertThat(actual)
        .as("the public API changed; if that is deliberate, rerun with -Dnereid.api.update=true and commit "
            + API_FILE.toAbsolutePath().normalize())
        .isEqualTo(expected);
  }

  @Test
  void noInternalTypeLeaksIntoThePublicApi() throws Exception {
    assertThat(dump().lines().filter(l -> l.contains(".internal.")))
        .as("public signatures naming internal types").isEmpty();
  }

  private static String dump() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(Server.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    StringBuilder out = new StringBuilder();
    for (String pkg : PACKAGES) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      List<String> names;
      try (Stream<Path> files = Files.list(dir)) {
        names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
            .map(n -> pkg + "." + n.substring(0, n.length() - ".class".length())).sorted().toList();
      }
      for (String name : names) {
        Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
        if (isVisible(type)) describe(type, out);
      }
    }
    return out.toString();
  }

  /** Public, and every enclosing class public too. */
  private static boolean isVisible(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) return false;
    }
    return true;
  }

  private static void describe(Class<?> type, StringBuilder out) {
    StringBuilder header = new StringBuilder(Modifier.toString(type.getModifiers() & ~Modifier.STATIC & ~Modifier.INTERFACE))
        .append(' ').append(kind(type)).append(' ').append(type.getTypeName());
    if (type.getGenericSuperclass() != null && type.getSuperclass() != Object.class && !type.isEnum() && !type.isRecord()) {
      header.append(" extends ").append(type.getGenericSuperclass().getTypeName());
    }
    if (type.getGenericInterfaces().length > 0) {
      header.append(type.isInterface() ? " extends " : " implements ").append(String.join(", ",
          Arrays.stream(type.getGenericInterfaces()).map(java.lang.reflect.Type::getTypeName).toList()));
    }
    if (type.isSealed()) {
      header.append(" permits ").append(String.join(", ",
          Arrays.stream(type.getPermittedSubclasses()).map(Class::getTypeName).sorted().toList()));
    }
    out.append(header.toString().strip()).append(" {\n");
    TreeSet<String> members = new TreeSet<>();
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (exposed(c.getModifiers()) && !type.isEnum()) members.add(c.toGenericString());
    }
    for (Method m : type.getDeclaredMethods()) {
      if (exposed(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) members.add(m.toGenericString());
    }
    for (Field f : type.getDeclaredFields()) {
      if (exposed(f.getModifiers()) && !f.isSynthetic()) members.add(f.toGenericString());
    }
    List<String> lines = new ArrayList<>(members);
    for (String line : lines) out.append("  ").append(line).append('\n');
    out.append("}\n\n");
  }

  private static boolean exposed(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static String kind(Class<?> type) {
    if (type.isAnnotation()) return "@interface";
    if (type.isInterface()) return "interface";
    if (type.isEnum()) return "enum";
    if (type.isRecord()) return "record";
    return "class";
  }
}
