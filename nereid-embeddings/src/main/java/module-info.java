/**
 * The Java models of the {@code text_embedding} ensemble. The core's {@code java} backend instantiates them
 * by class name, so their package is exported.
 */
module dev.nereid.embeddings {
  requires dev.nereid;
  requires ai.djl.tokenizers;

  exports dev.nereid.examples.embeddings;
}
