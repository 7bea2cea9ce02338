package org.peftbench.peft.prompttuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.peftbench.peft.PeftModel;
import org.peftbench.tensor.Half;
import org.peftbench.tensor.Tensor;
import org.peftbench.transformer.CausalLM;
import org.peftbench.transformer.ModelConfig;
import org.peftbench.transformer.RandomWeights;

/**
 * PEFT-Factory's prompt init: the virtual tokens start as the BF16-rounded embeddings of {@code
 * np.random.permutation(range(5000))[:P]} under the run seed. Seed 42's first ids, from numpy
 * (tools/gen_numpy_legacy_permutation.py): 1501, 2586, 2653, 1055, 705, 106.
 */
class PeftFactoryPromptInitTest {
  private static CausalLM model(int vocab) {
    ObjectNode node = new ObjectMapper().createObjectNode();
    node.putArray("architectures").add("LlamaForCausalLM");
    node.put("model_type", "llama");
    node.put("hidden_size", 16);
    node.put("intermediate_size", 24);
    node.put("num_hidden_layers", 1);
    node.put("num_attention_heads", 2);
    node.put("num_key_value_heads", 1);
    node.put("vocab_size", vocab);
    node.put("max_position_embeddings", 64);
    node.put("rms_norm_eps", 1e-5);
    node.put("rope_theta", 10000.0);
    ModelConfig config = ModelConfig.parse(node, "test llama");
    return CausalLM.fromTensors(config, RandomWeights.create(config, 3));
  }

  private static PromptTuningConfig config(int p) {
    return new PromptTuningConfig(
        p, null, null, null, null, PromptTuningConfig.PEFT_FACTORY_INIT, null, null);
  }

  @Test
  void virtualTokensAreTheEmbeddingsOfNumpysPermutedIds() {
    CausalLM m = model(5200);
    int[] ids = {1501, 2586, 2653, 1055, 705, 106};
    PeftModel pm = PeftModel.apply(m, config(ids.length), 42);
    Tensor prompt = pm.method().stateDict().get("prompt_embeddings").toF32();
    Tensor table = m.tokenEmbedding().value();
    int c = table.dim(1);
    float[] row = new float[c];
    boolean someRounded = false;
    for (int i = 0; i < ids.length; i++) {
      table.read((long) ids[i] * c, row, 0, c);
      for (int j = 0; j < c; j++) {
        float bf16 = Half.bf16ToFloat(Half.floatToBf16(row[j]));
        assertEquals(bf16, prompt.get((long) i * c + j), 0f, "virtual token " + i + " dim " + j);
        someRounded |= bf16 != row[j];
      }
    }
    assertTrue(someRounded, "an F32 table must show the BF16 rounding");
  }

  @Test
  void aVocabularyBelowFiveThousandIdsIsRefused() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> PeftModel.apply(model(4000), config(4), 42));
    assertTrue(e.getMessage().contains("first 5000 token ids"), e.getMessage());
  }
}
