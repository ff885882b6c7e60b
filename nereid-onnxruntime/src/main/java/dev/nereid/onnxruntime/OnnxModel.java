package dev.nereid.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.proto.ModelConfig;
import dev.nereid.proto.ModelInstanceGroup;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.InstanceContext;
import dev.nereid.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of an ONNX model: its checked signature and one ORT session per device, shared
 * by the instances on that device. Sessions and their options are closed with the model, after every
 * instance.
 */
final class OnnxModel implements BackendModel {
  private static final Logger log = LoggerFactory.getLogger(OnnxModel.class);
  private static final int CPU = -1;

  private final OrtEnvironment env;
  private final ModelContext context;
  private final Path file;
  private final OnnxSignature signature;
  private final Map<Integer, Integer> instancesPerDevice;
  private final Map<Integer, Session> sessions = new LinkedHashMap<>();

  /** A session and the options it was made with, which ORT needs kept open as long as the session. */
  private record Session(OrtSession session, OrtSession.SessionOptions options) implements AutoCloseable {
    @Override
    public void close() throws OrtException {
      try {
        session.close();
      } finally {
        options.close();
      }
    }
  }

  private OnnxModel(OrtEnvironment env, ModelContext context, Path file, OnnxSignature signature,
      Map<Integer, Integer> instancesPerDevice) {
    this.env = env;
    this.context = context;
    this.file = file;
    this.signature = signature;
    this.instancesPerDevice = instancesPerDevice;
  }

  /** Opens the model's first session, checks the config against the model, and keeps the session. */
  static OnnxModel load(ModelContext context, Path file) throws IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<Integer, Integer> perDevice = instancesPerDevice(context.name(), context.config());
    int firstDevice = perDevice.keySet().iterator().next();
    OnnxModel model = null;
    Session first = open(env, context, file, firstDevice, perDevice.get(firstDevice));
    try {
      OnnxIo io = OnnxIo.of(first.session(), file);
      OnnxSignature signature = OnnxSignature.check(context.name(), context.config(), io);
      requireUnsignedSupport(context.name(), signature);
      model = new OnnxModel(env, context, file, signature, perDevice);
      model.sessions.put(firstDevice, first);
      return model;
    } catch (OrtException e) {
      throw OrtErrors.atLoad(context.name(), file, e);
    } finally {
      if (model == null) closeQuietly(first);
    }
  }

  @Override
  public BackendInstance createInstance(InstanceContext instance) throws OrtException {
    int device = deviceOf(instance.kind(), instance.device());
    Session session = sessions.get(device);
    if (session == null) {
      session = open(env, context, file, device, instancesPerDevice.getOrDefault(device, 1));
      sessions.put(device, session);
    }
    return new OnnxInstance(env, context.name(), context.version(), signature, session.session(),
        context.config());
  }

  @Override
  public void close() {
    for (Session s : sessions.values()) closeQuietly(s);
    sessions.clear();
  }

  private static Session open(OrtEnvironment env, ModelContext context, Path file, int device, int instances) {
    OrtSession.SessionOptions options = null;
    try {
      options = OrtSessionSettings.create(context.name(), context.config(), instances, device);
      return new Session(env.createSession(file.toString(), options), options);
    } catch (OrtException e) {
      if (options != null) options.close();
      throw OrtErrors.atLoad(context.name(), file, e);
    }
  }

  /** How many instances share each device's session; a GPU counts only when ORT can use it. */
  private static Map<Integer, Integer> instancesPerDevice(String model, ModelConfig config) {
    Map<Integer, Integer> counts = new LinkedHashMap<>();
    for (ModelInstanceGroup group : config.getInstanceGroupList()) {
      int device = deviceOf(group.getKind().name(), group.getGpusCount() > 0 ? group.getGpus(0) : 0);
      if (device == CPU && group.getKind() == ModelInstanceGroup.Kind.KIND_GPU) {
        log.warn("model '{}': instance group '{}' is KIND_GPU, but this ONNX Runtime build has only {}; running it "
            + "on CPU", model, group.getName(), OrtEnvironment.getAvailableProviders());
      }
      counts.merge(device, Math.max(1, group.getCount()), Integer::sum);
    }
    if (counts.isEmpty()) counts.put(CPU, 1);
    return counts;
  }

  private static int deviceOf(String kind, int gpu) {
    boolean gpuKind = ModelInstanceGroup.Kind.KIND_GPU.name().equals(kind);
    return gpuKind && OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA) ? Math.max(0, gpu) : CPU;
  }

  private static void requireUnsignedSupport(String model, OnnxSignature signature) {
    if (OrtInternals.available()) return;
    for (OnnxSignature.Input input : signature.inputs()) {
      DataType t = input.type();
      if (t == DataType.UINT16 || t == DataType.UINT32 || t == DataType.UINT64) {
        throw new NereidException.Unsupported("model '" + model + "': input '" + input.name() + "' is " + t
            + "; ONNX Runtime's public Java API cannot create such tensors, and " + OrtInternals.unavailableReason());
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("closing an ONNX Runtime session failed", e);
    }
  }
}
