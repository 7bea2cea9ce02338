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

/**
 * Builds the module slots of a {@link ModelStructure}'s modules from the named parameters,
 * recording them in the order the blocks ask for them (the structure's build order).
 */
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

  /** The linear module {@code m} ({@code name.weight}, optional {@code name.bias}). */
  Slot<LinearLayer> linear(ModelStructure.ModuleSpec m) {
    return linear(m, param(m.name() + ".weight"));
  }

  Slot<LinearLayer> linear(ModelStructure.ModuleSpec m, Parameter weight) {
    String name = m.name();
    Linear base = new Linear(name, weight, parameters.get(name + ".bias"), m.conv1d());
    Slot<LinearLayer> slot = new Slot<>(name, base);
    linears.put(name, slot);
    return slot;
  }

  Slot<NormLayer> norm(ModelStructure.ModuleSpec m) {
    String name = m.name();
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
