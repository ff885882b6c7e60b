package dev.nereid.grpc;

import dev.nereid.grpc.proto.TraceSettingRequest;
import dev.nereid.grpc.proto.TraceSettingResponse;
import dev.nereid.tracing.TraceMode;
import dev.nereid.tracing.TraceSettings;
import dev.nereid.tracing.Tracing;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code TraceSetting} RPC: applies the settings a request names (a setting with no values clears
 * it, as in Triton) for its model or server-wide, and answers the settings then in effect.
 */
final class TraceSettingMessages {
  private TraceSettingMessages() {}

  static TraceSettingResponse respond(Tracing tracing, TraceSettingRequest request) {
    String model = request.getModelName();
    TraceSettings s;
    if (request.getSettingsCount() > 0) {
      Map<String, List<String>> changes = new HashMap<>();
      request.getSettingsMap().forEach((key, v) -> changes.put(key, v.getValueCount() == 0 ? null : v.getValueList()));
      s = tracing.update(model, changes);
    } else {
      s = model.isEmpty() ? tracing.settings() : tracing.settings(model);
    }
    TraceSettingResponse.Builder b = TraceSettingResponse.newBuilder()
        .putSettings("trace_level", values(s.levelNames()))
        .putSettings("trace_rate", values(List.of(Integer.toString(s.rate()))))
        .putSettings("trace_count", values(List.of(Integer.toString(s.count()))))
        .putSettings("trace_mode", values(List.of(tracing.mode().tritonName())));
    if (tracing.mode() == TraceMode.TRITON) {
      b.putSettings("log_frequency", values(List.of(Integer.toString(s.logFrequency()))));
      b.putSettings("trace_file", values(List.of(s.file())));
    } else {
      b.putSettings("url", values(List.of(tracing.url())));
    }
    return b.build();
  }

  private static TraceSettingResponse.SettingValue values(List<String> values) {
    return TraceSettingResponse.SettingValue.newBuilder().addAllValue(values).build();
  }
}
