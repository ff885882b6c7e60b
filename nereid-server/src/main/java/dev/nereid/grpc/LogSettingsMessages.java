package dev.nereid.grpc;

import dev.nereid.grpc.proto.LogSettingsRequest;
import dev.nereid.grpc.proto.LogSettingsResponse;
import dev.nereid.logging.LogSettings;
import dev.nereid.logging.LogSettingsUpdate;
import dev.nereid.logging.NereidLogging;
import java.util.HashMap;
import java.util.Map;

/** The {@code LogSettings} RPC: applies the settings a request names, answers those in effect. */
final class LogSettingsMessages {
  private LogSettingsMessages() {}

  static LogSettingsResponse respond(LogSettingsRequest request) {
    LogSettings s = NereidLogging.settings();
    if (request.getSettingsCount() > 0) {
      Map<String, Object> changes = new HashMap<>();
      request.getSettingsMap().forEach((key, v) -> changes.put(key, switch (v.getParameterChoiceCase()) {
        case BOOL_PARAM -> v.getBoolParam();
        case UINT32_PARAM -> Integer.toUnsignedLong(v.getUint32Param());
        case STRING_PARAM -> v.getStringParam();
        case PARAMETERCHOICE_NOT_SET -> null;
      }));
      s = LogSettingsUpdate.apply(changes);
    }
    return LogSettingsResponse.newBuilder()
        .putSettings("log_file", text(s.logFile()))
        .putSettings("log_info", bool(s.info()))
        .putSettings("log_warning", bool(s.warning()))
        .putSettings("log_error", bool(s.error()))
        .putSettings("log_verbose_level", LogSettingsResponse.SettingValue.newBuilder().setUint32Param(s.verboseLevel()).build())
        .putSettings("log_format", text(s.format().tritonName()))
        .build();
  }

  private static LogSettingsResponse.SettingValue text(String value) {
    return LogSettingsResponse.SettingValue.newBuilder().setStringParam(value).build();
  }

  private static LogSettingsResponse.SettingValue bool(boolean value) {
    return LogSettingsResponse.SettingValue.newBuilder().setBoolParam(value).build();
  }
}
