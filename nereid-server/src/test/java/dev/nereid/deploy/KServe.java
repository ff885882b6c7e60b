package dev.nereid.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/**
 * The fields of KServe's ServingRuntime (serving.kserve.io/v1alpha1) and InferenceService
 * (serving.kserve.io/v1beta1) that Nereid's manifests use, after KServe's Go types; read strictly, so a
 * field that is not one of these fails. Containers and metadata are Kubernetes' own types.
 */
final class KServe {
  private KServe() {}

  record ServingRuntime(String apiVersion, String kind, ObjectMeta metadata, ServingRuntimeSpec spec) {}

  record ServingRuntimeSpec(Map<String, String> annotations, List<ModelFormat> supportedModelFormats,
      List<String> protocolVersions, List<Container> containers) {}

  record ModelFormat(String name, String version, Boolean autoSelect, Integer priority) {}

  record InferenceService(String apiVersion, String kind, ObjectMeta metadata, InferenceServiceSpec spec) {}

  record InferenceServiceSpec(Predictor predictor) {}

  record Predictor(PredictorModel model) {}

  record PredictorModel(ModelFormat modelFormat, String runtime, String protocolVersion, String storageUri,
      ResourceRequirements resources) {}
}
