package dev.nereid.spark;

import dev.nereid.InferenceRequest;
import dev.nereid.InferenceResponse;
import dev.nereid.Model;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spark.TensorColumn.RowPosition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One partition's rows through the model, in order: rows are grouped into requests (up to
 * {@code rowsPerRequest} rows of equal per-row shapes for a batching model, one row otherwise) and up to
 * {@code maxInFlight} requests are kept in flight, so the model's dynamic batcher sees many requests at
 * once and forms full batches. The window bounds the memory a task holds; rows come out in input order.
 */
final class PartitionInference implements Iterator<Row> {
  private final InferencePlan plan;
  private final Model model;
  private final Iterator<Row> input;
  private final int partition;
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
  private Row carried;
  private long rowIndex;
  private Iterator<Row> ready = java.util.Collections.emptyIterator();
  private volatile boolean cancelled;

  PartitionInference(InferencePlan plan, Model model, Iterator<Row> input, int partition) {
    this.plan = plan;
    this.model = model;
    this.input = input;
    this.partition = partition;
  }

  /** A request in flight and the rows it carries. */
  private record Pending(List<Row> rows, RowPosition first, CompletableFuture<InferenceResponse> response) {}

  @Override
  public boolean hasNext() {
    while (!ready.hasNext()) {
      fill();
      Pending head = inFlight.poll();
      if (head == null) {
        return false;
      }
      ready = complete(head);
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.next();
  }

  void cancel() {
    cancelled = true;
    for (Pending pending : inFlight.toArray(Pending[]::new)) {
      pending.response().cancel(true);
    }
  }

  private void fill() {
    while (!cancelled && inFlight.size() < plan.maxInFlight() && (carried != null || input.hasNext())) {
      submitNext();
    }
  }

  /** Takes the next rows whose per-row shapes agree and sends them as one request. */
  private void submitNext() {
    List<TensorColumn> inputs = plan.inputs();
    int[] indexes = plan.inputIndexes();
    List<Row> rows = new ArrayList<>();
    List<long[][]> shapes = new ArrayList<>();
    RowPosition first = new RowPosition(partition, rowIndex);
    while (rows.size() < plan.rowsPerRequest() && (carried != null || input.hasNext())) {
      Row row = carried != null ? carried : input.next();
      RowPosition at = new RowPosition(partition, rowIndex);
      long[][] rowShapes = new long[inputs.size()][];
      for (int i = 0; i < inputs.size(); i++) {
        rowShapes[i] = inputs.get(i).rowShape(row.get(indexes[i]), at);
      }
      if (!shapes.isEmpty() && !Arrays.deepEquals(shapes.get(0), rowShapes)) {
        carried = row; // a differently shaped row starts the next request
        break;
      }
      carried = null;
      rowIndex++;
      rows.add(row);
      shapes.add(rowShapes);
    }
    InferenceRequest.Builder request = InferenceRequest.builder();
    for (int i = 0; i < inputs.size(); i++) {
      TensorColumn column = inputs.get(i);
      long[] rowShape = shapes.get(0)[i];
      TensorBytes bytes = new TensorBytes(estimate(column, rowShape, rows.size()));
      for (int r = 0; r < rows.size(); r++) {
        column.write(rows.get(r).get(indexes[i]), rowShape, bytes, new RowPosition(partition, first.row() + r));
      }
      request.input(column.tensor(), Tensor.of(column.dataType(), shape(rowShape, rows.size()), bytes.finish()));
    }
    for (TensorColumn output : plan.outputs()) {
      request.output(output.tensor());
    }
    inFlight.add(new Pending(rows, first, model.inferAsync(request.build())));
  }

  private long[] shape(long[] rowShape, int rows) {
    if (!plan.batching()) {
      return rowShape;
    }
    long[] shape = new long[rowShape.length + 1];
    shape[0] = rows;
    System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
    return shape;
  }

  private static int estimate(TensorColumn column, long[] rowShape, int rows) {
    long elements = rows;
    for (long d : rowShape) {
      elements *= d;
    }
    int size = column.dataType().isFixedSize() ? column.dataType().byteSize() : 32;
    return (int) Math.min(Integer.MAX_VALUE - 64, elements * size);
  }

  private Iterator<Row> complete(Pending pending) {
    InferenceResponse response;
    try {
      response = pending.response().join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      String where = "model '" + plan.model() + "' failed on rows " + pending.first().row() + " to "
          + (pending.first().row() + pending.rows().size() - 1) + " of partition " + partition + ": " + cause.getMessage();
      if (cause instanceof NereidException nereid) {
        throw NereidException.of(nereid.code(), where, cause);
      }
      throw new NereidException.Internal(where, cause);
    }
    int rows = pending.rows().size();
    List<TensorColumn> outputs = plan.outputs();
    Object[][] values = new Object[outputs.size()][];
    for (int o = 0; o < outputs.size(); o++) {
      TensorColumn column = outputs.get(o);
      Tensor tensor = response.output(column.tensor());
      values[o] = column.readRows(tensor, rows, plan.batching(), pending.first());
    }
    List<Row> out = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      Row row = pending.rows().get(r);
      Object[] fields = new Object[row.length() + outputs.size()];
      for (int f = 0; f < row.length(); f++) {
        fields[f] = row.get(f);
      }
      for (int o = 0; o < outputs.size(); o++) {
        fields[row.length() + o] = values[o][r];
      }
      out.add(RowFactory.create(fields));
    }
    return out.iterator();
  }
}
