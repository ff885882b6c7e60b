/**
 * The {@code stable_diffusion} Java model and its parts. The core's {@code java} backend instantiates it by
 * class name, so its package is exported.
 */
module dev.nereid.examples {
  requires dev.nereid;
  requires com.fasterxml.jackson.databind;

  exports dev.nereid.examples.diffusion;
}
