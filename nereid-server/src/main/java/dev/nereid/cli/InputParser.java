package dev.nereid.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code --input NAME=JSON} and {@code --parameter KEY=VALUE} arguments. Input values stay as
 * Jackson parsed them (nested lists, numbers, strings, booleans): the server converts them to the
 * data type the model's config gives each input. Errors are {@link IllegalArgumentException}s whose
 * message names the argument at fault.
 */
final class InputParser {
  private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

  private InputParser() {}

  /** The inputs by name, in the order given. */
  static Map<String, Object> inputs(List<String> arguments) {
    Map<String, Object> inputs = new LinkedHashMap<>();
    for (String argument : arguments) {
      String[] nameValue = split(argument, "--input", "NAME=JSON");
      if (inputs.put(nameValue[0], tensorData(nameValue[0], nameValue[1])) != null) {
        throw new IllegalArgumentException("input '" + nameValue[0] + "' is given more than once");
      }
    }
    return inputs;
  }

  /** The request parameters: integers as Long, other numbers as Double, true/false as Boolean, else String. */
  static Map<String, Object> parameters(List<String> arguments) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    for (String argument : arguments) {
      String[] keyValue = split(argument, "--parameter", "KEY=VALUE");
      parameters.put(keyValue[0], parameterValue(keyValue[1]));
    }
    return parameters;
  }

  static Object parameterValue(String text) {
    if (INTEGER.matcher(text).matches()) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException tooBig) {
        return Double.parseDouble(text);
      }
    }
    if (DECIMAL.matcher(text).matches()) return Double.parseDouble(text);
    if (text.equals("true") || text.equals("false")) return Boolean.parseBoolean(text);
    return text;
  }

  private static Object tensorData(String name, String json) {
    Object value;
    try {
      value = JSON.readValue(json, Object.class);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
      throw new IllegalArgumentException("input '" + name + "' is not valid JSON" + where + ": " + e.getOriginalMessage()
          + " (strings need double quotes: --input '" + name + "=[[\"text\"]]')");
    }
    checkTensorData(name, value);
    return value;
  }

  private static void checkTensorData(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException("input '" + name + "' holds a JSON null; give numbers, strings or booleans");
    }
    if (value instanceof Map<?, ?>) {
      throw new IllegalArgumentException("input '" + name + "' holds a JSON object; give a (nested) list or a scalar");
    }
    if (value instanceof List<?> list) {
      for (Object element : list) checkTensorData(name, element);
    }
  }

  private static String[] split(String argument, String option, String form) {
    int eq = argument.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(option + " '" + argument + "' is not of the form " + form);
    }
    return new String[] {argument.substring(0, eq), argument.substring(eq + 1)};
  }
}
