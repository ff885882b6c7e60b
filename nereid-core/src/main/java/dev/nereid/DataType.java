package dev.nereid;

import java.util.Locale;

/**
 * The element type of a tensor, with its name in {@code config.pbtxt} ({@code TYPE_FP32}) and in the
 * KServe v2 protocol ({@code FP32}).
 *
 * <p>{@link #BYTES} elements have no fixed size: a BYTES tensor is stored as a sequence of elements,
 * each a 4-byte little-endian length followed by that many bytes, exactly as Triton encodes them.
 */
public enum DataType {
  BOOL("TYPE_BOOL", 1),
  UINT8("TYPE_UINT8", 1),
  UINT16("TYPE_UINT16", 2),
  UINT32("TYPE_UINT32", 4),
  UINT64("TYPE_UINT64", 8),
  INT8("TYPE_INT8", 1),
  INT16("TYPE_INT16", 2),
  INT32("TYPE_INT32", 4),
  INT64("TYPE_INT64", 8),
  FP16("TYPE_FP16", 2),
  FP32("TYPE_FP32", 4),
  FP64("TYPE_FP64", 8),
  BYTES("TYPE_STRING", -1),
  BF16("TYPE_BF16", 2);

  private static final DataType[] VALUES = values();

  private final String configName;
  private final int byteSize;

  DataType(String configName, int byteSize) {
    this.configName = configName;
    this.byteSize = byteSize;
  }

  /** The name used in {@code config.pbtxt}, e.g. {@code TYPE_FP32}; BYTES is {@code TYPE_STRING}. */
  public String configName() {
    return configName;
  }

  /** The name used by the KServe v2 protocol, e.g. {@code FP32}. */
  public String kserveName() {
    return name();
  }

  /** Bytes per element, or -1 for {@link #BYTES}, whose elements vary in size. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements have a fixed size (every type but {@link #BYTES}). */
  public boolean isFixedSize() {
    return byteSize > 0;
  }

  /**
   * Parses a KServe name ({@code FP32}) or a config name ({@code TYPE_FP32}, {@code TYPE_STRING}).
   *
   * @throws NereidException.InvalidArgument when the name is not a data type
   */
  public static DataType parse(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    for (DataType type : VALUES) {
      if (type.name().equals(upper) || type.configName.equals(upper)) {
        return type;
      }
    }
    throw new NereidException.InvalidArgument("unknown data type '" + name + "'");
  }

  /** The data type with the protobuf enum number used by {@code model_config.proto} (1 to 14). */
  public static DataType fromConfigNumber(int number) {
    if (number < 1 || number > VALUES.length) {
      throw new NereidException.InvalidArgument("invalid data type number " + number);
    }
    return VALUES[number - 1];
  }

  /** The protobuf enum number of this type in {@code model_config.proto}. */
  public int configNumber() {
    return ordinal() + 1;
  }
}
