/**
 * The PyTorch backend ({@code backend: "pytorch"}, {@code platform: "pytorch_libtorch"}), libtorch through
 * DJL's JNI, found by the core through {@link java.util.ServiceLoader}; it exports no package. The libtorch
 * natives jar ({@code pytorch-native-cpu}) is read only at run time and has no valid module name
 * ({@code ai.djl.pytorch_native_cpu_linux-x86_64}), so it stays on the class path.
 */
module dev.nereid.pytorch {
  requires dev.nereid;
  requires ai.djl.api;
  requires ai.djl.pytorch_engine;

  provides dev.nereid.spi.Backend with dev.nereid.pytorch.PyTorchBackend;
}
