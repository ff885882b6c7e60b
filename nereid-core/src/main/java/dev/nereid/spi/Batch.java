package dev.nereid.spi;

import java.util.List;

/**
 * The requests one {@code execute} call runs, and the marks that split its time into input
 * preparation, compute and output, as Triton's statistics report them. A backend that marks nothing
 * has all its time counted as compute.
 */
public interface Batch {
  /** The requests, in arrival order. */
  List<BackendRequest> requests();

  /** Marks the end of input preparation and the start of compute. */
  void computeStarted();

  /** Marks the end of compute and the start of output handling. */
  void computeEnded();
}
