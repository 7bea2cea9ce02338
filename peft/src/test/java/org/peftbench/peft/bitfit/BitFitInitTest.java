package org.peftbench.peft.bitfit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.RandomWeights;

/**
 * BitFit's new biases start as torch's default {@code nn.Linear} bias, U(−1/√in, 1/√in)
 * (PEFT-Bench's {@code peft/bitfit/layer.py} wraps each target in a fresh {@code nn.Linear}), not
 * at zero.
 */
class BitFitInitTest {
  @Test
  void newBiasesAreUniformWithinOneOverRootFanIn() {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.putArray("architectures").add("LlamaForCausalLM");
    node.put("model_type", "llama");
    node.put("hidden_size", 64);
    node.put("intermediate_size", 96);
    node.put("num_hidden_layers", 2);
    node.put("num_attention_heads", 4);
    node.put("num_key_value_heads", 2);
    node.put("vocab_size", 32);
    node.put("max_position_embeddings", 64);
    ModelConfig config = ModelConfig.parse(node, "test llama");
    CausalLM model = CausalLM.fromTensors(config, RandomWeights.create(config, 1));
    PeftModel pm = PeftModel.apply(model, BitFitConfig.defaults(), 7);
    Map<String, Tensor> state = pm.method().stateDict();
    assertEquals(4, state.size(), state.keySet().toString()); // q_proj and v_proj of 2 layers
    double bound = 1 / Math.sqrt(64); // every target's fan-in is the hidden size
    double sumSq = 0;
    long n = 0;
    for (Tensor t : state.values()) {
      Tensor b = t.toF32();
      for (long i = 0; i < b.size(); i++) {
        float v = b.get(i);
        assertTrue(Math.abs(v) < bound, "bias " + v + " outside ±" + bound);
        sumSq += v * v;
        n++;
      }
    }
    // U(−a, a) has variance a²/3; 192 draws: within 25% of it
    assertEquals(bound * bound / 3, sumSq / n, 0.25 * bound * bound / 3);
  }
}
