package dev.nereid.pytorch;

import dev.nereid.Server;
import dev.nereid.ServerOptions;
import java.nio.file.Path;

/**
 * Starts a server on the repository given as the first argument and prints model 'add_sub''s state
 * and reason; {@link PyTorchMissingNativeTest} runs it in a JVM whose class path lacks libtorch.
 */
public final class MissingNativeMain {
  private MissingNativeMain() {}

  public static void main(String[] args) {
    try (Server server = new Server(ServerOptions.of(Path.of(args[0]))).start()) {
      System.out.println("STATE " + server.model("add_sub").state());
      System.out.println("REASON " + server.model("add_sub").reason());
    }
  }
}
