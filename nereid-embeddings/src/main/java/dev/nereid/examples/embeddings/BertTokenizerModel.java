package dev.nereid.examples.embeddings;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.nereid.NereidException;
import dev.nereid.Tensor;
import dev.nereid.model.JavaModel;
import dev.nereid.model.JavaModelContext;
import dev.nereid.spi.BackendRequest;
import dev.nereid.spi.Batch;
import dev.nereid.spi.ResponseFlag;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A BERT tokenizer as a model: {@code text} BYTES [n, 1] to {@code input_ids}, {@code attention_mask} and
 * {@code token_type_ids} INT64 [n, L], with HuggingFace tokenizers (through DJL) reading a
 * {@code tokenizer.json}, whose own truncation applies unless the config sets {@code max_length}.
 *
 * <p>The texts of one request are padded to the longest of that request, never to those of other
 * requests in the same batch: all-MiniLM-L6-v2 as published is dynamically quantized per tensor, so
 * padding tokens and rows of other requests shift the quantization scale and change a sentence's
 * embedding (cosine about 0.98 to the unpadded one). Config parameters: {@code tokenizer} (the file,
 * relative to the model's folder; default {@code tokenizer.json}) and {@code max_length}.
 */
public final class BertTokenizerModel implements JavaModel {
  private HuggingFaceTokenizer tokenizer;
  private String modelName;

  @Override
  public void initialize(JavaModelContext context) throws Exception {
    modelName = context.modelName();
    Path file = context.modelDirectory().resolve(context.parameter("tokenizer").orElse("tokenizer.json")).normalize();
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("tokenizer file " + file + " not found (parameter 'tokenizer')");
    }
    // Padding is done here, per request.
    Map<String, String> options = new java.util.HashMap<>(Map.of("padding", "false"));
    context.parameter("max_length").ifPresent(max -> {
      options.put("truncation", "true");
      options.put("maxLength", max);
    });
    tokenizer = HuggingFaceTokenizer.newInstance(file, options);
    context.logger().info("tokenizer {} loaded from {} (max_length {})", modelName, file, tokenizer.getMaxLength());
  }

  @Override
  public void execute(Batch batch) {
    List<BackendRequest> requests = batch.requests();
    List<String> texts = new ArrayList<>();
    int[] firstText = new int[requests.size() + 1];
    for (int r = 0; r < requests.size(); r++) {
      Tensor text = requests.get(r).input("text");
      if (text.rank() != 2 || text.dim(1) != 1) {
        throw new NereidException.InvalidArgument("model '" + modelName + "': input 'text' must have shape [n, 1], got "
            + java.util.Arrays.toString(text.shape()));
      }
      texts.addAll(List.of(text.toStrings()));
      firstText[r + 1] = texts.size();
    }
    batch.computeStarted();
    // One text at a time on this thread: batchEncode hands a batch to the tokenizers library's own
    // thread pool, which on a server already running a thread per instance costs about 60 % more CPU
    // for batches of a few texts (and its threads take cores from the model instances).
    Encoding[] encodings = new Encoding[texts.size()];
    for (int i = 0; i < encodings.length; i++) encodings[i] = tokenizer.encode(texts.get(i));
    batch.computeEnded();
    for (int r = 0; r < requests.size(); r++) {
      int n = firstText[r + 1] - firstText[r];
      int length = 0;
      for (int i = firstText[r]; i < firstText[r + 1]; i++) length = Math.max(length, encodings[i].getIds().length);
      long[] ids = new long[n * length];
      long[] mask = new long[n * length];
      long[] types = new long[n * length];
      for (int i = 0; i < n; i++) {
        Encoding e = encodings[firstText[r] + i];
        // [PAD] is id 0 in BERT vocabularies, and the arrays start zeroed: only the tokens are copied.
        System.arraycopy(e.getIds(), 0, ids, i * length, e.getIds().length);
        System.arraycopy(e.getAttentionMask(), 0, mask, i * length, e.getAttentionMask().length);
        System.arraycopy(e.getTypeIds(), 0, types, i * length, e.getTypeIds().length);
      }
      requests.get(r).responder().send(Map.of(
          "input_ids", Tensor.of(ids, n, length),
          "attention_mask", Tensor.of(mask, n, length),
          "token_type_ids", Tensor.of(types, n, length)), ResponseFlag.FINAL);
    }
  }

  @Override
  public void finalizeModel() {
    if (tokenizer != null) tokenizer.close();
  }
}
