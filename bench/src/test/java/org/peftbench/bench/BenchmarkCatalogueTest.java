package org.peftbench.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.peftbench.peft.PeftMethods;
import org.peftbench.peft.PeftType;

/**
 * The JMH catalogue covers every kernel and every PEFT method, and a quick run works end to end.
 */
class BenchmarkCatalogueTest {
  /** The benchmark methods JMH's annotation processor registered, as "Class.method". */
  private static Set<String> registered() {
    Set<String> names = new TreeSet<>();
    for (BenchmarkListEntry e :
        BenchmarkList.defaultList()
            .getAll(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT),
                List.of())) {
      String user = e.getUsername(); // org.peftbench.bench.Class.method
      String cls = user.substring(0, user.lastIndexOf('.'));
      names.add(cls.substring(cls.lastIndexOf('.') + 1) + user.substring(user.lastIndexOf('.')));
    }
    return names;
  }

  @Test
  void everyKernelHasABenchmark() {
    assertThat(registered())
        .contains(
            "GemmBenchmark.matmul",
            "AttentionBenchmark.forward",
            "AttentionBenchmark.backward",
            "DecodeAttentionBenchmark.decodeStep",
            "RowOpsBenchmark.rmsNormForward",
            "RowOpsBenchmark.rmsNormBackward",
            "RowOpsBenchmark.ropeForward",
            "RowOpsBenchmark.ropeBackward",
            "RowOpsBenchmark.softmaxForward",
            "RowOpsBenchmark.softmaxBackward",
            "RowOpsBenchmark.swigluForward",
            "RowOpsBenchmark.swigluBackward",
            "RowOpsBenchmark.embeddingForward",
            "RowOpsBenchmark.embeddingBackward",
            "RowOpsBenchmark.crossEntropy",
            "AdamWBenchmark.step",
            "AdamWBenchmark.clipGlobalNorm",
            "MethodLayerBenchmark.forward",
            "MethodLayerBenchmark.forwardBackward");
  }

  @Test
  void gemmCoversEveryVariantAndWeightType() throws Exception {
    assertThat(params(GemmBenchmark.class, "variant")).containsExactlyInAnyOrder("nn", "nt", "tn");
    assertThat(params(GemmBenchmark.class, "weight"))
        .containsExactlyInAnyOrder("f32", "bf16", "f16");
  }

  @Test
  void everyPeftMethodHasALayerBenchmark() throws Exception {
    List<String> methods = params(MethodLayerBenchmark.class, "method");
    for (PeftType t : PeftMethods.builtIn()) {
      assertThat(methods).as("benchmark for " + t).contains(t.name().toLowerCase(Locale.ROOT));
    }
    assertThat(methods).contains("dora", "rslora");
  }

  /** Each method's benchmark state builds and its step runs (values, not timing). */
  @Test
  void everyMethodLayerBenchmarkRuns() throws Exception {
    for (String method : params(MethodLayerBenchmark.class, "method")) {
      MethodLayerBenchmark b = new MethodLayerBenchmark();
      b.method = method;
      b.model = "smollm2-135m";
      b.tokens = "1x8";
      b.threads = 1;
      b.setUp();
      try {
        assertThat(b.forward()).as(method).isNotNull();
        float loss = b.forwardBackward();
        assertThat(loss).as(method + " loss").isFinite().isPositive();
      } finally {
        b.tearDown();
      }
    }
  }

  /** The path `./peftbench bench jmh` takes, in-process and tiny: a JSON file JmhResults reads. */
  @Test
  void aQuickJmhRunWritesJsonThatTheReportReads(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("rms.json");
    Options opt =
        new OptionsBuilder()
            .include(RowOpsBenchmark.class.getName() + ".rmsNormForward")
            .param("shape", "16x64x128x2x32x256")
            .param("threads", "1")
            .forks(0)
            .warmupIterations(1)
            .warmupTime(TimeValue.milliseconds(50))
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(50))
            .resultFormat(ResultFormatType.JSON)
            .result(json.toString())
            .shouldFailOnError(true)
            .build();
    new Runner(opt).run();
    assertThat(json).exists();
    List<JmhResults.Result> results = JmhResults.read(json);
    assertThat(results).hasSize(1);
    assertThat(results.get(0).key()).startsWith("RowOpsBenchmark.rmsNormForward [");
    assertThat(results.get(0).score()).isPositive();
    JmhResults.Comparison c = JmhResults.compare(List.of("a", "b"), List.of(results, results));
    assertThat(c.ratio(results.get(0).key())).isEqualTo(1.0);
    assertThat(Files.readString(json)).contains("\"mode\"");
  }

  private static List<String> params(Class<?> cls, String field) throws NoSuchFieldException {
    return Arrays.asList(cls.getField(field).getAnnotation(Param.class).value());
  }
}
