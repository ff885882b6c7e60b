package dev.nereid.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * text_embedding on a real Spark standalone cluster that the test starts itself: a master and two
 * workers on loopback, each worker running one single-core executor JVM. One executor is killed
 * (SIGKILL) while the job runs; Spark retries its tasks on a new executor, and the output still holds
 * every row exactly once, with the vectors of the in-process API.
 */
class StandaloneClusterTest {
  @TempDir Path temp;

  @Test
  void embedsTwoThousandSentencesAndSurvivesAKilledExecutor() throws Exception {
    List<String> texts = Sentences.generate(2000, 11);
    try (StandaloneCluster cluster = new StandaloneCluster(temp, 2, 1536)) {
      SparkSession spark = SparkSession.builder()
          .master(cluster.masterUrl())
          .appName("nereid-spark-cluster-test")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.executor.memory", "1g")
          .config("spark.executor.cores", "1")
          .config("spark.executor.extraClassPath", StandaloneCluster.classPath())
          .config("spark.executor.extraJavaOptions", String.join(" ", StandaloneCluster.moduleOptions()))
          .config("spark.local.dir", temp.resolve("driver-local").toString())
          .config("spark.sql.warehouse.dir", temp.resolve("warehouse").toString())
          .getOrCreate();
      try {
        AtomicReference<ProcessHandle> killed = new AtomicReference<>();
        AtomicInteger failedTasks = new AtomicInteger();
        spark.sparkContext().addSparkListener(new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (taskEnd.reason() instanceof TaskFailedReason) {
              failedTasks.incrementAndGet();
            } else if (killed.get() == null) {
              // One task has finished and many are left: kill an executor that is busy with the next.
              List<ProcessHandle> executors = cluster.executors();
              if (!executors.isEmpty() && killed.compareAndSet(null, executors.get(0))) {
                executors.get(0).destroyForcibly();
              }
            }
          }
        });

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
          rows.add(RowFactory.create((long) i, texts.get(i)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
        List<Row> out = new NereidTransformer()
            .setModelRepository(EmbeddingReference.EXAMPLES.toString())
            .setModel("text_embedding")
            .setInputCols(new String[] {"text"})
            .setOutputCols(new String[] {"embedding"})
            // Sixteen partitions in one stage (no shuffle), so any task's end is halfway through the inference.
            .transform(spark.createDataFrame(
                new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).parallelize(rows, 16), schema))
            .collectAsList();

        assertThat(killed.get()).as("an executor was killed").isNotNull();
        assertThat(failedTasks.get()).as("tasks lost with the killed executor").isGreaterThan(0);
        assertThat(out).as(cluster.logs()).hasSize(texts.size());
        Map<Long, float[]> byId = new HashMap<>();
        for (Row row : out) {
          List<Float> vector = row.getList(2);
          float[] values = new float[vector.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = vector.get(i);
          }
          assertThat(row.getString(1)).isEqualTo(texts.get((int) row.getLong(0)));
          assertThat(byId.put(row.getLong(0), values)).as("row %d twice", row.getLong(0)).isNull();
        }
        try (EmbeddingReference reference = new EmbeddingReference()) {
          for (int i = 0; i < texts.size(); i++) {
            assertThat(EmbeddingReference.cosine(byId.get((long) i), reference.embed(texts.get(i))))
                .as(texts.get(i)).isGreaterThanOrEqualTo(0.99999);
          }
        }
      } finally {
        spark.stop();
      }
    }
  }
}
