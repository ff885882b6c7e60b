package dev.nereid.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Reads manifests into typed classes and refuses any field the classes do not know. Fabric8's model
 * classes keep unknown fields in {@code additionalProperties} instead of failing, so after reading, every
 * object reached through the getters must have none.
 */
final class StrictManifests {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private StrictManifests() {}

  static JsonNode tree(Path file) throws IOException {
    return YAML.readTree(file.toFile());
  }

  static <T> T read(JsonNode tree, Class<T> type, String where) throws IOException {
    T value = YAML.treeToValue(tree, type);
    noUnknownFields(value, where, new IdentityHashMap<>());
    return value;
  }

  private static void noUnknownFields(Object value, String path, IdentityHashMap<Object, Boolean> seen) {
    if (value == null || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    if (value instanceof Collection<?> collection) {
      int i = 0;
      for (Object element : collection) {
        noUnknownFields(element, path + "[" + i++ + "]", seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (var entry : map.entrySet()) {
        noUnknownFields(entry.getValue(), path + "." + entry.getKey(), seen);
      }
      return;
    }
    if (value instanceof Record record) {
      for (var component : record.getClass().getRecordComponents()) {
        try {
          noUnknownFields(component.getAccessor().invoke(record), path + "." + component.getName(), seen);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new AssertionError(e);
        }
      }
      return;
    }
    if (!value.getClass().getPackageName().startsWith("io.fabric8")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field;
      try {
        field = getter.invoke(value);
      } catch (IllegalAccessException | InvocationTargetException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          throw new AssertionError("unknown field(s) " + extra.keySet() + " at " + path + " ("
              + value.getClass().getSimpleName() + ")");
        }
        continue;
      }
      String name = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
      noUnknownFields(field, path + "." + name, seen);
    }
  }
}
