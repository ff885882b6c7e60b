package dev.nereid.internal.config;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TextFormat;
import com.google.protobuf.util.JsonFormat;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads and writes model configs: {@code config.pbtxt} in protobuf text format, and Triton's JSON form. */
public final class ModelConfigs {
  private static final TextFormat.Parser TEXT = TextFormat.Parser.newBuilder().build();
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser();
  private static final String UNKNOWN_FIELDS = "Input contains unknown fields and/or extensions:";
  private static final Pattern UNKNOWN_FIELD = Pattern.compile("(\\d+):(\\d+):\\s*(.+)\\.([^.]+)");

  private ModelConfigs() {}

  /**
   * Parses a {@code config.pbtxt}. Errors name the file, line and column: unknown fields, values of
   * the wrong type, and syntax errors alike.
   */
  public static ModelConfig parseText(Path file) {
    if (Files.isDirectory(file)) {
      throw new NereidException.InvalidArgument(file + " is a folder; it must be a file in protobuf text format");
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      // The JDK's message ("Input length = 1") says nothing to someone who wrote a config.
      throw new NereidException.InvalidArgument(file + " is not UTF-8 text; it must be protobuf text format", e);
    } catch (IOException e) {
      throw new NereidException.InvalidArgument("cannot read " + file + ": " + e.getMessage(), e);
    }
    return parseText(text, file.toString());
  }

  /** Parses config text; {@code source} names it in errors. */
  public static ModelConfig parseText(String text, String source) {
    ModelConfig.Builder builder = ModelConfig.newBuilder();
    try {
      TEXT.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      String where = e.getLine() >= 0 ? source + ":" + e.getLine() + ":" + e.getColumn() : source;
      String message = e.getMessage();
      // TextFormat prefixes "line:column: "; the location is already in front.
      String detail = message.replaceFirst("^\\d+:\\d+: ", "");
      throw new NereidException.InvalidArgument(where + ": " + unknownFields(detail), e);
    }
    return builder.build();
  }

  /**
   * TextFormat lists unknown fields on lines of their own ("5:35:\tinference.ModelInstanceGroup.cuont");
   * one line that names each field and its message reads better in a model's reason.
   */
  private static String unknownFields(String detail) {
    if (!detail.startsWith(UNKNOWN_FIELDS)) {
      return detail;
    }
    List<String> fields = new ArrayList<>();
    for (String line : detail.substring(UNKNOWN_FIELDS.length()).strip().split("\n")) {
      Matcher m = UNKNOWN_FIELD.matcher(line.strip());
      if (m.matches()) {
        fields.add("'" + m.group(4) + "' in " + m.group(3) + " at " + m.group(1) + ":" + m.group(2));
      }
    }
    return fields.isEmpty() ? detail : (fields.size() == 1 ? "unknown field " : "unknown fields ") + String.join(", ", fields);
  }

  /** Parses a config in Triton's JSON form (as sent to a load request's {@code config} parameter). */
  public static ModelConfig parseJson(String json) {
    ModelConfig.Builder builder = ModelConfig.newBuilder();
    try {
      JSON_PARSER.merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new NereidException.InvalidArgument("invalid model config JSON: " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** The config as compact JSON with the proto's field names, every field printed (as Triton does). */
  public static String toJson(ModelConfig config) {
    try {
      return JSON.print(config);
    } catch (InvalidProtocolBufferException e) {
      throw new NereidException.Internal("cannot print model config as JSON: " + e.getMessage(), e);
    }
  }

  /** The config in text format, as it would be written to {@code config.pbtxt}. */
  public static String toText(ModelConfig config) {
    return TextFormat.printer().printToString(config);
  }
}
