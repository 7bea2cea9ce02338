package org.peftbench.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;

/** The text form of {@code peftbench explain}'s JSON: a tree, a tensor table, the trace. */
final class ExplainText {
  private ExplainText() {}

  static void print(JsonNode e, PrintWriter w) {
    w.printf(
        Locale.ROOT,
        "%s on %s: trainable %,d of %,d (%.4f%%)%n",
        e.get("peft_type").asText(),
        e.get("model_type").asText(),
        e.get("trainable").asLong(),
        e.get("total").asLong(),
        e.get("trainable_percent").asDouble());
    w.printf(
        Locale.ROOT,
        "  per decoder layer %,d × %d layers, outside the layers %,d%n",
        e.get("trainable_per_layer").asLong(),
        e.get("layers").asInt(),
        e.get("trainable_outside_layers").asLong());
    if (!e.get("input").asText().isEmpty()) {
      w.println("  input: " + e.get("input").asText());
    }
    w.println();
    w.printf("model (layer %d expanded; * = adapted by the method)%n", e.get("layer").asInt());
    int layer = e.get("layer").asInt(), layers = e.get("layers").asInt();
    boolean inLayers = false;
    for (JsonNode m : e.get("tree")) {
      String name = m.get("name").asText();
      boolean layerModule = name.matches(".*\\.layers\\.\\d+\\..*");
      if (layerModule && !inLayers) {
        w.printf("  layers.0 … layers.%d: %d decoder layers like this one%n", layers - 1, layers);
        inLayers = true;
      } else if (!layerModule && inLayers) {
        inLayers = false;
      }
      w.printf(
          Locale.ROOT,
          "  %s %s%-45s %-16s %,15d%n",
          m.get("adapted").asBoolean() ? "*" : " ",
          layerModule ? "  " : "",
          name,
          m.get("weight_shape").toString(),
          m.get("parameters").asLong());
    }
    JsonNode tensors = e.get("tensors");
    if (tensors == null) {
      w.println();
      w.println("(config only: adapter tensors and --trace need a model folder with weights)");
      return;
    }
    w.println();
    w.printf(
        "adapter tensors (layer %d and outside the layers; %d tensors in all)%n",
        layer, e.get("tensors_total").asInt());
    boolean trace = e.has("trace_modules");
    for (JsonNode t : tensors) {
      w.printf(
          Locale.ROOT,
          "  %-60s %-14s %,10d",
          t.get("name").asText(),
          t.get("shape").toString(),
          t.get("count").asLong());
      if (trace) {
        w.printf(
            Locale.ROOT,
            "   ‖value‖ %.4g  ‖grad‖ %.4g",
            t.get("value_norm").asDouble(),
            t.get("grad_norm").asDouble());
      }
      w.println();
    }
    w.printf(Locale.ROOT, "  shown: %,d parameters%n", e.get("tensors_shown_count").asLong());
    if (!trace) {
      return;
    }
    w.println();
    w.printf(
        Locale.ROOT,
        "trace on \"%s\" (%d tokens): loss base %.5f, adapted %.5f%n",
        e.get("trace_text").asText(),
        e.get("trace_tokens").asInt(),
        e.get("base_loss").asDouble(),
        e.get("adapted_loss").asDouble());
    for (JsonNode m : e.get("trace_modules")) {
      w.printf(
          Locale.ROOT,
          "  %-45s ‖x‖ %.4g  ‖base(x)‖ %.4g  ‖adapter change‖ %.4g%n",
          m.get("module").asText(),
          m.get("input_norm").asDouble(),
          m.get("base_output_norm").asDouble(),
          m.get("adapter_delta_norm").asDouble());
    }
  }
}
