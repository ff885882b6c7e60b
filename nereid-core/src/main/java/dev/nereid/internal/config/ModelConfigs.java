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

/** Reads and writes model configs: {@code config.pbtxt} in protobuf text format, and Triton's JSON form. */
public final class ModelConfigs {
  private static final TextFormat.Parser TEXT = TextFormat.Parser.newBuilder().build();
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser();

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
      throw new NereidException.InvalidArgument(where + ": " + detail, e);
    }
    return builder.build();
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
