package org.peftbench.transformer;

import java.util.LinkedHashMap;
import java.util.Map;
import org.peftbench.autograd.Parameter;
import org.peftbench.transformer.nn.LayerNorm;
import org.peftbench.transformer.nn.Linear;
import org.peftbench.transformer.nn.LinearLayer;
import org.peftbench.transformer.nn.NormLayer;
import org.peftbench.transformer.nn.RmsNorm;
import org.peftbench.transformer.nn.Slot;

/** Builds the module slots from the named parameters, recording them in HF module order. */
final class ModuleTree {
  private final ModelConfig config;
  final Map<String, Parameter> parameters;
  final Map<String, Slot<LinearLayer>> linears = new LinkedHashMap<>();
  final Map<String, Slot<NormLayer>> norms = new LinkedHashMap<>();

  ModuleTree(ModelConfig config, Map<String, Parameter> parameters) {
    this.config = config;
    this.parameters = parameters;
  }

  Parameter param(String name) {
    Parameter p = parameters.get(name);
    if (p == null) {
      throw new IllegalStateException("no parameter " + name);
    }
    return p;
  }

  /** The linear module {@code name} ({@code name.weight}, optional {@code name.bias}). */
  Slot<LinearLayer> linear(String name) {
    return linear(name, param(name + ".weight"));
  }

  Slot<LinearLayer> linear(String name, Parameter weight) {
    boolean conv1d = config.architecture() == Architecture.GPT2 && !name.equals("lm_head");
    Linear base = new Linear(name, weight, parameters.get(name + ".bias"), conv1d);
    Slot<LinearLayer> slot = new Slot<>(name, base);
    linears.put(name, slot);
    return slot;
  }

  Slot<NormLayer> norm(String name) {
    Parameter w = param(name + ".weight");
    NormLayer base =
        config.layerNorm()
            ? new LayerNorm(w, param(name + ".bias"), config.normEps())
            : new RmsNorm(w, config.normEps(), config.unitOffsetNorms());
    Slot<NormLayer> slot = new Slot<>(name, base);
    norms.put(name, slot);
    return slot;
  }
}
