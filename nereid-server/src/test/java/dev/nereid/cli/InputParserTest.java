package dev.nereid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing {@code --input NAME=JSON} and {@code --parameter KEY=VALUE}. */
class InputParserTest {
  @Test
  void inputsKeepJsonStructureAndOrder() {
    Map<String, Object> inputs = InputParser.inputs(List.of("b=[[1, 2.5], [3, 4]]", "a=\"x=y\"", "c=true"));

    assertThat(inputs).containsExactly(
        Map.entry("b", List.of(List.of(1, 2.5), List.of(3, 4))),
        Map.entry("a", "x=y"),
        Map.entry("c", true));
  }

  @Test
  void inputErrorsNameTheInput() {
    assertThatThrownBy(() -> InputParser.inputs(List.of("a=[1,")))
        .hasMessageStartingWith("input 'a' is not valid JSON");
    assertThatThrownBy(() -> InputParser.inputs(List.of("a=[1, null]")))
        .hasMessage("input 'a' holds a JSON null; give numbers, strings or booleans");
    assertThatThrownBy(() -> InputParser.inputs(List.of("a=[1]", "a=[2]")))
        .hasMessage("input 'a' is given more than once");
    assertThatThrownBy(() -> InputParser.inputs(List.of("=[1]")))
        .hasMessage("--input '=[1]' is not of the form NAME=JSON");
  }

  @Test
  void parameterValuesAreTyped() {
    Map<String, Object> p = InputParser.parameters(List.of(
        "i=-42", "d=2.5", "e=1e3", "t=true", "f=false", "s=hello", "big=99999999999999999999", "empty=", "kv=a=b"));

    assertThat(p).containsExactly(
        Map.entry("i", -42L), Map.entry("d", 2.5), Map.entry("e", 1000.0), Map.entry("t", true),
        Map.entry("f", false), Map.entry("s", "hello"), Map.entry("big", 1e20), Map.entry("empty", ""),
        Map.entry("kv", "a=b"));
  }
}
