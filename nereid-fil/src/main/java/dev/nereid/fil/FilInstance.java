package dev.nereid.fil;

import dev.nereid.DataType;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.spi.Batch;
import dev.nereid.spi.BackendInstance;
import dev.nereid.spi.BackendRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * One instance of a tree model: runs each batch as one pass of the forest over all its rows. The input is
 * read once into an instance-owned float array (the walk indexes features at random, which a Java array
 * does far faster than a buffer), and the answer is written into a new direct buffer the response owns.
 */
final class FilInstance implements BackendInstance {
  private final String model;
  private final Predictor predictor;
  private float[] rows = new float[0];
  private float[] out = new float[0];

  FilInstance(String model, Predictor predictor) {
    this.model = model;
    this.predictor = predictor;
  }

  @Override
  public void execute(Batch batch) {
    if (batch.requests().stream().allMatch(BackendRequest::isCancelled)) {
      batch.fail(new NereidException.Cancelled("request(s) for model '" + model + "' were cancelled"));
      return;
    }
    try {
      Tensor input = batch.input(FilSignature.INPUT);
      if (input == null) {
        throw new NereidException.InvalidArgument("model '" + model + "': input '" + FilSignature.INPUT + "' is missing");
      }
      long[] shape = input.shape();
      int stride = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
      if (input.dataType() != DataType.FP32 || shape.length == 0 || stride < predictor.numFeatures()) {
        throw new NereidException.InvalidArgument("model '" + model + "': input '" + FilSignature.INPUT
            + "' must be FP32 with " + predictor.numFeatures() + " or more features per row, got " + input.dataType()
            + " " + java.util.Arrays.toString(shape));
      }
      int count = Math.toIntExact(input.elementCount());
      int n = stride == 0 ? 0 : count / stride;
      if (rows.length < count) rows = new float[count];
      input.data().asFloatBuffer().get(rows, 0, count);
      int width = predictor.width();
      if (out.length < n * width) out = new float[n * width];
      batch.computeStarted();
      predictor.predict(rows, stride, n, out);
      batch.computeEnded();
      ByteBuffer buffer = ByteBuffer.allocateDirect(n * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buffer.asFloatBuffer().put(out, 0, n * width);
      long[] outShape = shape.clone();
      outShape[outShape.length - 1] = width;
      batch.respond(Map.of(FilSignature.OUTPUT, Tensor.of(DataType.FP32, outShape, buffer)));
    } catch (NereidException e) {
      batch.fail(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      batch.fail(new NereidException.Unavailable("model '" + model + "': interrupted while predicting"));
    } catch (RuntimeException e) {
      batch.fail(new NereidException.Internal("model '" + model + "': the prediction failed: " + e, e));
    }
  }
}
