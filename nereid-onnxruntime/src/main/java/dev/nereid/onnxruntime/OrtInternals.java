package dev.nereid.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two things ORT's public Java API lacks, reached through its package-private members (looked up
 * once, then called through method handles at the cost of a direct call):
 *
 * <ul>
 *   <li>a view of an ORT-allocated output's memory, so an output is copied once, straight into a
 *       direct buffer (the public {@code getByteBuffer()} copies into a heap buffer);
 *   <li>tensors of UINT16, UINT32 and UINT64, which the public factories cannot make.
 * </ul>
 *
 * Checked against the pinned ORT version (1.28.0) by the tests; when a future version moves these
 * members, {@link #available()} turns false, outputs fall back to the public copy, and models with
 * wide unsigned inputs are refused at load with a message saying why.
 */
final class OrtInternals {
  private static final Logger log = LoggerFactory.getLogger(OrtInternals.class);

  private static final MethodHandle GET_BUFFER;
  private static final MethodHandle CREATE_FROM_BUFFER;
  private static final MethodHandle NEW_TENSOR;
  private static final MethodHandle NEW_TENSOR_INFO;
  private static final MethodHandle API_HANDLE;
  private static final MethodHandle DEFAULT_ALLOCATOR;
  private static final MethodHandle ALLOCATOR_HANDLE;
  private static final String UNAVAILABLE_REASON;

  static {
    MethodHandle getBuffer = null, create = null, newTensor = null, newInfo = null, api = null, alloc = null,
        allocHandle = null;
    String reason = null;
    try {
      MethodHandles.Lookup tensor = MethodHandles.privateLookupIn(OnnxTensor.class, MethodHandles.lookup());
      getBuffer = tensor.findVirtual(OnnxTensor.class, "getBuffer", MethodType.methodType(ByteBuffer.class));
      create = tensor.findStatic(OnnxTensor.class, "createTensorFromBuffer", MethodType.methodType(long.class,
          long.class, long.class, Buffer.class, int.class, long.class, long[].class, int.class));
      newTensor = tensor.findConstructor(OnnxTensor.class, MethodType.methodType(void.class,
          long.class, long.class, TensorInfo.class, Buffer.class, boolean.class));
      newInfo = tensor.findConstructor(TensorInfo.class, MethodType.methodType(void.class,
          long[].class, OnnxJavaType.class, OnnxTensorType.class));
      Class<?> runtime = Class.forName("ai.onnxruntime.OnnxRuntime");
      api = tensor.findStaticGetter(runtime, "ortApiHandle", long.class);
      Class<?> allocator = Class.forName("ai.onnxruntime.OrtAllocator");
      alloc = tensor.findGetter(OrtEnvironment.class, "defaultAllocator", allocator);
      allocHandle = tensor.findGetter(allocator, "handle", long.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      reason = "this ONNX Runtime version does not have the members Nereid uses (" + e + ")";
      log.warn("ONNX Runtime internals unavailable; outputs take an extra copy and UINT16/32/64 inputs are refused: {}",
          reason);
    }
    GET_BUFFER = getBuffer;
    CREATE_FROM_BUFFER = create;
    NEW_TENSOR = newTensor;
    NEW_TENSOR_INFO = newInfo;
    API_HANDLE = api;
    DEFAULT_ALLOCATOR = alloc;
    ALLOCATOR_HANDLE = allocHandle;
    UNAVAILABLE_REASON = reason;
  }

  private OrtInternals() {}

  /** Whether the members were found. */
  static boolean available() {
    return UNAVAILABLE_REASON == null;
  }

  /** Why they were not, or null. */
  static String unavailableReason() {
    return UNAVAILABLE_REASON;
  }

  /**
   * A native-order view of a tensor's memory, valid only until the tensor (or the result owning it)
   * is closed.
   */
  static ByteBuffer view(OnnxTensor tensor) {
    try {
      return (ByteBuffer) GET_BUFFER.invokeExact(tensor);
    } catch (Throwable t) {
      throw asUnchecked(t);
    }
  }

  /**
   * A UINT16/UINT32/UINT64 tensor over a direct native-order buffer, without copying it. The tensor
   * keeps a reference to the buffer and does not free it on close, as ORT's own buffer-backed tensors.
   */
  static OnnxTensor unsignedTensor(OrtEnvironment env, ByteBuffer direct, long[] shape, OnnxJavaType carrier,
      OnnxTensorType onnxType) throws OrtException {
    try {
      TensorInfo info = (TensorInfo) NEW_TENSOR_INFO.invokeExact(shape.clone(), carrier, onnxType);
      long api = (long) API_HANDLE.invokeExact();
      long allocator = (long) ALLOCATOR_HANDLE.invoke(DEFAULT_ALLOCATOR.invoke(env));
      long handle = (long) CREATE_FROM_BUFFER.invokeExact(api, allocator, (Buffer) direct, direct.position(),
          (long) direct.remaining(), shape, onnxType.value);
      return (OnnxTensor) NEW_TENSOR.invokeExact(handle, allocator, info, (Buffer) direct, false);
    } catch (OrtException e) {
      throw e;
    } catch (Throwable t) {
      throw asUnchecked(t);
    }
  }

  private static RuntimeException asUnchecked(Throwable t) {
    if (t instanceof RuntimeException r) return r;
    if (t instanceof Error e) throw e;
    return new IllegalStateException(t);
  }
}
