package dev.nereid.fil;

import dev.nereid.spi.Backend;
import dev.nereid.spi.BackendModel;
import dev.nereid.spi.ModelContext;
import dev.nereid.proto.ModelConfig;
import java.io.IOException;
import java.util.List;

/**
 * Serves tree ensembles the way Triton's FIL backend does ({@code backend: "fil"}), in pure Java: XGBoost
 * models ({@code xgboost.json}, {@code xgboost.ubj}, legacy binary {@code xgboost.model}) and LightGBM text
 * models ({@code model.txt}), chosen by the {@code model_type} parameter. Input {@code input__0} is FP32
 * {@code [num_features]} per row, missing values as NaN; output {@code output__0} is FP32: the class id,
 * the class probabilities ({@code predict_proba}) or the prediction ({@code output_class: false}).
 * Treelite checkpoints ({@code checkpoint.tl}) load as UNAVAILABLE with a reason; see the module README for
 * converting scikit-learn forests.
 *
 * <p>Instances of any kind run on the CPU (FIL's GPU options are accepted and have no effect).
 */
public final class FilBackend implements Backend {
  @Override
  public String name() {
    return "fil";
  }

  @Override
  public List<String> modelFileNames() {
    return List.of(ModelType.XGBOOST.defaultFile(), ModelType.XGBOOST_JSON.defaultFile(),
        ModelType.XGBOOST_UBJ.defaultFile());
  }

  @Override
  public ModelConfig autoCompleteConfig(ModelContext context) throws IOException {
    FilSettings settings = FilSettings.of(context);
    TreeModel model = ModelFiles.read(settings.modelType(), context.modelFile(settings.modelType().defaultFile()),
        context.name(), settings.layout());
    return FilSignature.complete(context.config(), model, OutputKind.of(settings, model, context.name()));
  }

  @Override
  public BackendModel load(ModelContext context) throws IOException {
    return FilModel.load(context);
  }
}
