package dev.nereid.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nereid.Server;
import dev.nereid.ServerOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under deploy/ read strictly into Kubernetes' API types (fabric8's model classes, and
 * records of KServe's fields), and checked against the image nereid-server's pom.xml defines: ports,
 * user, model paths, probes on Nereid's health endpoints, a termination grace period that covers the
 * server's exit timeout, and an autoscaling metric Nereid really exports.
 */
class DeployManifestsTest {
  static final Path DEPLOY = Path.of("..", "deploy");
  static ImageDefinition image;
  static Map<Path, List<Object>> manifests = new HashMap<>();

  @BeforeAll
  static void readAll() throws Exception {
    image = ImageDefinition.fromPom();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(DEPLOY)) {
      files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
    for (Path file : files) {
      List<Object> objects = new ArrayList<>();
      for (JsonNode document : StrictManifests.YAML.readValues(
          StrictManifests.YAML.getFactory().createParser(file.toFile()), JsonNode.class).readAll()) {
        objects.add(typed(document, file));
      }
      manifests.put(DEPLOY.relativize(file), objects);
    }
  }

  static Object typed(JsonNode document, Path file) throws IOException {
    String kind = document.path("kind").asText();
    String apiVersion = document.path("apiVersion").asText();
    String where = file.getFileName() + " " + kind;
    return switch (apiVersion + " " + kind) {
      case "apps/v1 Deployment" -> StrictManifests.read(document, Deployment.class, where);
      case "v1 Service" -> StrictManifests.read(document, Service.class, where);
      case "v1 PersistentVolumeClaim" -> StrictManifests.read(document, PersistentVolumeClaim.class, where);
      case "v1 ConfigMap" -> StrictManifests.read(document, ConfigMap.class, where);
      case "autoscaling/v2 HorizontalPodAutoscaler" -> StrictManifests.read(document, HorizontalPodAutoscaler.class, where);
      case "serving.kserve.io/v1alpha1 ServingRuntime" -> StrictManifests.read(document, KServe.ServingRuntime.class, where);
      case "serving.kserve.io/v1beta1 InferenceService" -> StrictManifests.read(document, KServe.InferenceService.class, where);
      default -> throw new AssertionError(file + ": no API type for " + apiVersion + " " + kind);
    };
  }

  @SuppressWarnings("unchecked")
  static <T> List<T> all(Class<T> type) {
    return manifests.values().stream().flatMap(List::stream).filter(type::isInstance).map(o -> (T) o).toList();
  }

  @Test
  void everyManifestIsRead() {
    assertThat(manifests.keySet()).extracting(Path::toString).contains(
        "kubernetes/deployment.yaml", "kubernetes/service.yaml", "kubernetes/hpa.yaml", "kubernetes/pvc.yaml",
        "kubernetes/prometheus-adapter-rules.yaml", "kubernetes/models-init-container.yaml",
        "kserve/serving-runtime.yaml", "kserve/inference-service.yaml");
  }

  @Test
  void anUnknownFieldIsRefused() throws IOException {
    JsonNode bad = StrictManifests.YAML.readTree("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
        + "spec:\n  template:\n    spec:\n      containers:\n        - name: x\n          imagePullPolicyy: Always\n");
    assertThatThrownBy(() -> typed(bad, Path.of("bad.yaml")))
        .hasMessageContaining("imagePullPolicyy")
        .hasMessageContaining(".spec.template.spec.containers[0]");
  }

  @Test
  void deploymentsRunTheImageAsItIsBuilt() {
    List<Deployment> deployments = all(Deployment.class);
    assertThat(deployments).hasSize(2);
    for (Deployment deployment : deployments) {
      PodSpec pod = deployment.getSpec().getTemplate().getSpec();
      Container nereid = pod.getContainers().get(0);
      String where = deployment.getMetadata().getName();
      assertThat(nereid.getPorts()).extracting(ContainerPort::getContainerPort).as(where)
          .containsExactlyInAnyOrderElementsOf(image.ports());
      assertThat(nereid.getArgs()).as(where).containsSubsequence("--model-repository", image.arg("--model-repository"))
          .containsSubsequence("--address", "0.0.0.0");
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(image.uid());
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(nereid.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains(image.arg("--model-repository"));

      // Probes on Nereid's health endpoints, on the HTTP port.
      assertThat(path(nereid.getReadinessProbe().getHttpGet())).isEqualTo("/v2/health/ready");
      assertThat(path(nereid.getStartupProbe().getHttpGet())).isEqualTo("/v2/health/ready");
      assertThat(path(nereid.getLivenessProbe().getHttpGet())).isEqualTo("/v2/health/live");
      assertThat(port(nereid, nereid.getReadinessProbe().getHttpGet())).isEqualTo(8000);
      // A startup probe long enough for slow model loads (at least two minutes).
      assertThat(nereid.getStartupProbe().getPeriodSeconds() * nereid.getStartupProbe().getFailureThreshold())
          .isGreaterThanOrEqualTo(120);

      // SIGTERM drains for --exit-timeout-secs: the pod must not be killed before.
      int exitTimeout = Integer.parseInt(argAfter(nereid.getArgs(), "--exit-timeout-secs"));
      assertThat(pod.getTerminationGracePeriodSeconds()).isBetween((long) exitTimeout + 1, (long) exitTimeout + 15);
      assertThat(nereid.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(nereid.getResources().getLimits()).containsKey("memory");
    }
  }

  @Test
  void theServiceReachesTheContainersPorts() {
    Service service = all(Service.class).get(0);
    Deployment deployment = (Deployment) manifests.get(Path.of("kubernetes", "deployment.yaml")).get(0);
    Container nereid = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    for (ServicePort port : service.getSpec().getPorts()) {
      assertThat(nereid.getPorts()).anySatisfy(p -> {
        assertThat(p.getName()).isEqualTo(port.getTargetPort().getStrVal());
        assertThat(p.getContainerPort()).isEqualTo(port.getPort());
      });
    }
    PersistentVolumeClaim claim = all(PersistentVolumeClaim.class).get(0);
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo(claim.getMetadata().getName()));
  }

  @Test
  void theAutoscalerScalesOnAMetricNereidExports() throws IOException {
    HorizontalPodAutoscaler hpa = all(HorizontalPodAutoscaler.class).get(0);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("nereid");
    String metric = hpa.getSpec().getMetrics().get(0).getPods().getMetric().getName();

    ConfigMap adapter = all(ConfigMap.class).get(0);
    JsonNode rule = StrictManifests.YAML.readTree(adapter.getData().get("config.yaml")).path("rules").get(0);
    assertThat(rule.path("name").path("as").asText()).isEqualTo(metric);
    String series = rule.path("seriesQuery").asText().replaceAll("\\{.*", "").replace("'", "");

    // The series is one a running Nereid server really has on its metrics endpoint.
    try (Server server = new Server(ServerOptions.of(Path.of("..", "examples", "models"))
        .toBuilder().modelControlMode(dev.nereid.ModelControlMode.EXPLICIT).startupModel("identity").build()).start()) {
      assertThat(server.metrics()).contains("# TYPE " + series + " gauge");
    }
  }

  @Test
  void kserveRuntimeFollowsKServesTritonConventions() {
    KServe.ServingRuntime runtime = all(KServe.ServingRuntime.class).get(0);
    assertThat(runtime.spec().protocolVersions()).containsExactly("v2", "grpc-v2");
    assertThat(runtime.spec().supportedModelFormats()).extracting(KServe.ModelFormat::name).contains("triton", "onnx");
    Container container = runtime.spec().containers().get(0);
    assertThat(container.getName()).isEqualTo("kserve-container");
    assertThat(container.getArgs()).containsSubsequence("--model-repository", "/mnt/models")
        .containsSubsequence("--http-port", "8080").containsSubsequence("--grpc-port", "9000")
        .containsSubsequence("--address", "0.0.0.0");
    assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(8080);
    assertThat(container.getSecurityContext().getRunAsUser()).isEqualTo(image.uid());
    assertThat(runtime.spec().annotations()).containsEntry("prometheus.kserve.io/port", argAfter(container.getArgs(), "--metrics-port"));
    assertThat(container.getArgs().get(0)).isEqualTo(image.args().get(0));

    KServe.InferenceService service = all(KServe.InferenceService.class).get(0);
    assertThat(service.spec().predictor().model().runtime()).isEqualTo(runtime.metadata().getName());
    assertThat(runtime.spec().supportedModelFormats()).extracting(KServe.ModelFormat::name)
        .contains(service.spec().predictor().model().modelFormat().name());
    assertThat(runtime.spec().protocolVersions()).contains(service.spec().predictor().model().protocolVersion());
    assertThat(service.spec().predictor().model().storageUri()).isNotBlank();
  }

  static String path(HTTPGetAction get) {
    return get.getPath();
  }

  static int port(Container container, HTTPGetAction get) {
    if (get.getPort().getIntVal() != null) {
      return get.getPort().getIntVal();
    }
    return container.getPorts().stream().filter(p -> p.getName().equals(get.getPort().getStrVal()))
        .findFirst().orElseThrow().getContainerPort();
  }

  static String argAfter(List<String> args, String option) {
    int i = args.indexOf(option);
    assertThat(i).as("%s in %s", option, args).isNotNegative();
    return args.get(i + 1);
  }
}
