package dev.nereid.spark;

import dev.nereid.Model;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * What each task runs: the model, the bound columns and the batching settings, shipped from the driver
 * to the executors. Each task feeds its partition through the executor's shared embedded server.
 *
 * @param repository where each JVM finds the model repository
 * @param model the model's name
 * @param version the model's version, or -1 for the latest
 * @param batching whether the model batches (max_batch_size above 0): rows then stack along dimension 0
 * @param inputs the input columns, in the order of the input row
 * @param inputIndexes each input column's index in the input row
 * @param outputs the output columns, appended to each row in this order
 * @param rowsPerRequest the most rows stacked into one request
 * @param maxInFlight the most requests a task keeps in flight
 */
record InferencePlan(
    RepositoryLocation repository,
    String model,
    long version,
    boolean batching,
    List<TensorColumn> inputs,
    int[] inputIndexes,
    List<TensorColumn> outputs,
    int rowsPerRequest,
    int maxInFlight) implements MapPartitionsFunction<Row, Row>, Serializable {

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Model served = ExecutorServers.model(repository.resolve(), model, version);
    TaskContext task = TaskContext.get();
    PartitionInference inference = new PartitionInference(this, served, rows, task == null ? -1 : task.partitionId());
    if (task != null) {
      // A killed or failed task leaves its requests in flight: cancel them so the executor's queue empties.
      task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> inference.cancel());
    }
    return inference;
  }
}
