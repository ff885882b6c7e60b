package dev.nereid.spi;

/**
 * Whether a response sent through {@link ResponseSender#send(java.util.Map, ResponseFlag)} is the request's
 * last: Triton's {@code TRITONSERVER_RESPONSE_COMPLETE_FINAL} flag, named at the call site.
 */
public enum ResponseFlag {
  /** More responses follow; only decoupled models may send these. */
  MORE,
  /** The request's last response: the request is complete once it is sent. */
  FINAL
}
