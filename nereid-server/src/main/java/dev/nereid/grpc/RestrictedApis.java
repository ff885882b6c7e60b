package dev.nereid.grpc;

import dev.nereid.frontend.ApiCategory;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Refuses calls to a restricted API category unless they carry its header with the right value, as
 * Triton's {@code --grpc-restricted-api} does: the header is {@code triton-grpc-protocol-<key>}, and a
 * refused call gets UNAVAILABLE naming the header it lacks.
 */
final class RestrictedApis implements ServerInterceptor {
  /** The categories Triton defines, which a restriction may name. */
  static final Set<String> CATEGORIES = Arrays.stream(ApiCategory.values()).map(ApiCategory::flagName)
      .collect(Collectors.toUnmodifiableSet());

  static final String HEADER_PREFIX = "triton-grpc-protocol-";

  private static final Map<String, String> CATEGORY_OF_METHOD = Map.ofEntries(
      Map.entry("inference.GRPCInferenceService/ServerLive", "health"),
      Map.entry("inference.GRPCInferenceService/ServerReady", "health"),
      Map.entry("inference.GRPCInferenceService/ModelReady", "health"),
      Map.entry("grpc.health.v1.Health/Check", "health"),
      Map.entry("grpc.health.v1.Health/Watch", "health"),
      Map.entry("inference.GRPCInferenceService/ServerMetadata", "metadata"),
      Map.entry("inference.GRPCInferenceService/ModelMetadata", "metadata"),
      Map.entry("inference.GRPCInferenceService/ModelInfer", "inference"),
      Map.entry("inference.GRPCInferenceService/ModelStreamInfer", "inference"),
      Map.entry("inference.GRPCInferenceService/ModelConfig", "model-config"),
      Map.entry("inference.GRPCInferenceService/ModelStatistics", "statistics"),
      Map.entry("inference.GRPCInferenceService/RepositoryIndex", "model-repository"),
      Map.entry("inference.GRPCInferenceService/RepositoryModelLoad", "model-repository"),
      Map.entry("inference.GRPCInferenceService/RepositoryModelUnload", "model-repository"),
      Map.entry("inference.GRPCInferenceService/SystemSharedMemoryStatus", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/SystemSharedMemoryRegister", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/SystemSharedMemoryUnregister", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/CudaSharedMemoryStatus", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/CudaSharedMemoryRegister", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/CudaSharedMemoryUnregister", "shared-memory"),
      Map.entry("inference.GRPCInferenceService/TraceSetting", "trace"),
      Map.entry("inference.GRPCInferenceService/LogSettings", "logging"));

  /** A required header, with the metadata key made once. */
  private record Rule(Metadata.Key<String> header, String value) {}

  private final Map<String, Rule> rules;

  RestrictedApis(Map<String, GrpcFrontend.Restriction> restrictions) {
    this.rules = Map.copyOf(restrictions.entrySet().stream().collect(java.util.stream.Collectors.toMap(
        Map.Entry::getKey,
        e -> new Rule(Metadata.Key.of(HEADER_PREFIX + e.getValue().key(), Metadata.ASCII_STRING_MARSHALLER),
            e.getValue().value()))));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String category = CATEGORY_OF_METHOD.get(call.getMethodDescriptor().getFullMethodName());
    Rule rule = category == null ? null : rules.get(category);
    if (rule != null && !rule.value().equals(headers.get(rule.header()))) {
      call.close(Status.UNAVAILABLE.withDescription(
          "This protocol is restricted, expecting header '" + rule.header().name() + "'"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
