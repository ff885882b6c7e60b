package dev.nereid;

/** How the server decides which models are loaded, as in Triton's {@code --model-control-mode}. */
public enum ModelControlMode {
  /** Load every model at start; load and unload calls are refused; repository changes are ignored. */
  NONE,
  /** Load every model at start, then apply repository changes on each poll. */
  POLL,
  /** Load only the startup models; after that, models are loaded and unloaded by explicit calls. */
  EXPLICIT
}
