/**
 * The tree-model backend ({@code backend: "fil"}): XGBoost, LightGBM and converted scikit-learn forests in
 * pure Java, found by the core through {@link java.util.ServiceLoader}; it exports no package.
 */
module dev.nereid.fil {
  requires dev.nereid;
  requires com.fasterxml.jackson.databind;

  provides dev.nereid.spi.Backend with dev.nereid.fil.FilBackend;
}
