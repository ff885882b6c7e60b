package dev.nereid.frontend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nereid.NereidException;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestrictedApisTest {
  @Test
  void parsesGroupsOfCategories() {
    RestrictedApis r = RestrictedApis.parse(List.of("model-repository,health:k1=v1", "shared-memory:k2=v=2"));
    assertThat(r.get(ApiCategory.MODEL_REPOSITORY)).contains(new RestrictedApis.Restriction("k1", "v1"));
    assertThat(r.get(ApiCategory.HEALTH)).contains(new RestrictedApis.Restriction("k1", "v1"));
    assertThat(r.get(ApiCategory.SHARED_MEMORY)).contains(new RestrictedApis.Restriction("k2", "v=2"));
    assertThat(r.get(ApiCategory.INFERENCE)).isEmpty();
  }

  @Test
  void aCategoryInTwoGroupsIsRefused() {
    assertThatThrownBy(() -> RestrictedApis.parse(List.of("model-repository,health:k1=v1", "metadata,health:k2=v2")))
        .isInstanceOf(NereidException.InvalidArgument.class)
        .hasMessage("api 'health' can not be specified in multiple config groups");
  }

  @Test
  void unknownCategoriesAndMalformedValuesAreRefused() {
    assertThatThrownBy(() -> RestrictedApis.parse(List.of("model-reposit,health:k1=v1")))
        .hasMessageStartingWith("unknown restricted api 'model-reposit'");
    assertThatThrownBy(() -> RestrictedApis.parse(List.of("health")))
        .hasMessageStartingWith("invalid restricted api 'health'");
    assertThatThrownBy(() -> RestrictedApis.parse(List.of("health:novalue")))
        .hasMessageStartingWith("invalid restricted api 'health:novalue'");
  }
}
