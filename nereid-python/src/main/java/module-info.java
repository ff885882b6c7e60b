/**
 * Triton's python backend ({@code backend: "python"}), found by the core through
 * {@link java.util.ServiceLoader}; it exports no package. It reads the core's {@code internal.config} (a
 * model's config as Triton's JSON, which the stubs read and auto-complete), exported to it by name.
 */
module dev.nereid.python {
  requires dev.nereid;
  requires com.fasterxml.jackson.databind;

  provides dev.nereid.spi.Backend with dev.nereid.python.PythonBackend;
}
