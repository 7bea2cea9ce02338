package org.peftbench.harness.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.peftbench.autograd.GradMode;
import org.peftbench.autograd.Parameter;
import org.peftbench.autograd.optim.AdamW;
import org.peftbench.autograd.optim.LrSchedule;
import org.peftbench.autograd.optim.Optimizer;
import org.peftbench.autograd.optim.Sgd;
import org.peftbench.autograd.optim.TrainStep;
import org.peftbench.harness.cost.ProcessMemory;
import org.peftbench.harness.suite.TrainingSettings;
import org.peftbench.tensor.MemoryTracker;
import org.peftbench.tensor.TensorArena;

/**
 * The training loop of one run, HF Trainer style: micro-batches of {@code batch_size} examples,
 * {@code grad_accum} of them per optimizer step, global gradient-norm clipping, AdamW (or SGD) with
 * a warmup + constant/linear/cosine schedule, evaluation on the validation examples every {@code
 * eval_every_steps} steps (default: once per epoch) and at the end, and the adapter with the lowest
 * validation loss kept in {@code work/best/}.
 *
 * <p>Robustness: after every evaluation the loop writes a checkpoint ({@code work/checkpoint/}: the
 * adapter, the trainable parameters' exact values, optimizer state, and {@code state.json} with the
 * step, the losses so far and the best evaluation); a new Trainer on the same work folder resumes
 * from it. The data order derives from (seed, micro-batch index) and every dropout mask from (seed,
 * step, micro-batch, module) (see {@link TrainStep} and {@link
 * org.peftbench.autograd.StepContext}), so a resumed run continues exactly as the uninterrupted one
 * would. A NaN or infinite loss stops training with {@link Outcome#nonFinite} set instead of
 * throwing.
 *
 * <p>When the backend runs whole training steps on its device ({@link ResidentStep}) and the run
 * fits them, each optimizer step runs there; the trained values come back to the host before every
 * evaluation and checkpoint and at the end, and AdamW's moments with every checkpoint, so a resumed
 * run continues on the device (or through autograd) from the same optimizer state.
 */
public final class Trainer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** In a checkpoint: the trainable parameters' exact values, what resuming loads. */
  static final String TRAINABLE_FILE = "trainable.safetensors";

  /** In a checkpoint: the optimizer's state (a resident step's moments copied back first). */
  static final String OPTIMIZER_FILE = "optimizer.safetensors";

  /** How long to train and how: the resolved settings plus caps. */
  public record Plan(
      TrainingSettings settings, long seed, Integer maxSteps, Integer evalEverySteps) {}

  /** Called after each optimizer step and each evaluation (progress display, tests). */
  public interface Listener {
    default void onStep(int step, int totalSteps, double loss) {}

    default void onEvaluation(int step, double validationLoss) {}

    /** Something was repaired and the run goes on (a damaged checkpoint set aside). */
    default void onWarning(String message) {
      System.err.println("peftbench: warning: " + message);
    }

    /** How training runs, said once (e.g. that steps run resident on a device, or why not). */
    default void onNotice(String message) {
      System.err.println("peftbench: " + message);
    }
  }

  /** The state saved with every checkpoint (and the final trajectory). */
  public static final class State {
    public int step;
    public List<Double> losses = new ArrayList<>();
    public List<double[]> evaluations = new ArrayList<>(); // {step, epoch, val loss, train loss}
    public Integer bestStep;
    public Double bestValidationLoss;
    public double trainSeconds;
    public int timedSteps;

    /** What the checkpoint was trained on and from: see {@link Trainer#fingerprint()}. */
    public String fingerprint;
  }

  /**
   * What training produced; {@code residentDeviceBytes}: the device memory the resident training
   * step planned (weights, parameters, optimizer state, activations), −1 when steps ran per
   * operation.
   */
  public record Outcome(
      State state,
      int totalSteps,
      String nonFinite,
      boolean resumed,
      double secondsPerStep,
      long peakTensorBytes,
      long peakRssBytes,
      long residentDeviceBytes) {}

  private final RunModel model;
  private final List<TokenizedExample> train;
  private final List<TokenizedExample> validation;
  private final Plan plan;
  private final Path work;
  private final Listener listener;

  public Trainer(
      RunModel model,
      List<TokenizedExample> train,
      List<TokenizedExample> validation,
      Plan plan,
      Path workDir,
      Listener listener) {
    this.model = model;
    this.train = train;
    this.validation = validation;
    this.plan = plan;
    this.work = workDir;
    this.listener = listener == null ? new Listener() {} : listener;
  }

  public Path checkpointDir() {
    return work.resolve("checkpoint");
  }

  public Path bestDir() {
    return work.resolve("best");
  }

  /** Optimizer steps the plan asks for: epochs × micro-batches / accumulation, capped. */
  public static int totalSteps(int examples, TrainingSettings s, Integer maxSteps) {
    long perEpoch = (examples + s.batchSize() - 1) / s.batchSize();
    long steps = Math.max(1, perEpoch * s.epochs() / s.gradAccum());
    if (maxSteps != null) {
      steps = Math.min(steps, maxSteps);
    }
    return (int) steps;
  }

  public Outcome run() {
    checkExamples(); // before any work: a 100k-token row must not run for minutes first
    TrainingSettings s = plan.settings();
    DataOrder order = new DataOrder(train.size(), s.batchSize(), s.shuffle(), plan.seed());
    int total = totalSteps(train.size(), s, plan.maxSteps());
    int stepsPerEpoch = Math.max(1, order.batchesPerEpoch() / s.gradAccum());
    int evalEvery =
        plan.evalEverySteps() != null ? plan.evalEverySteps() : Math.min(stepsPerEpoch, total);
    long warmup = LrSchedule.warmupSteps(total, 0, s.warmupRatio());
    LrSchedule schedule =
        LrSchedule.byName(
            s.scheduler().toLowerCase(java.util.Locale.ROOT), s.learningRate(), warmup, total);
    List<Parameter> params = model.trainableParameters();
    if (params.isEmpty()) {
      throw new IllegalStateException("the adapted model has no trainable parameters");
    }
    Optimizer opt = newOptimizer(s, params);
    if (s.checkpointsGradients()) {
      // recompute each layer's activations in backward: autograd's and the device step's alike
      model.setGradientCheckpointing(true);
    }

    State st = new State();
    st.fingerprint = fingerprint();
    boolean resumed = false;
    Path ckpt = checkpointDir();
    recover(ckpt);
    recover(bestDir());
    if (Files.isRegularFile(ckpt.resolve("state.json"))) {
      State saved = readStateOrNull(ckpt.resolve("state.json"));
      if (saved == null) {
        setAsideDamaged(ckpt, "its state.json is unreadable");
      } else if (st.fingerprint.equals(saved.fingerprint)) {
        List<float[]> initial = params.stream().map(p -> p.value().toFloatArray()).toList();
        try {
          // the exact trainable values (an adapter file may hold less, e.g. P-tuning's output)
          if (Files.isRegularFile(ckpt.resolve(TRAINABLE_FILE))) {
            model.loadTrainable(ckpt.resolve(TRAINABLE_FILE));
          } else {
            model.loadAdapterWeights(ckpt.resolve("adapter"));
          }
          if (!Files.isRegularFile(ckpt.resolve(OPTIMIZER_FILE))) {
            throw new IllegalStateException("it has no optimizer state (" + OPTIMIZER_FILE + ")");
          }
          opt.loadState(ckpt.resolve(OPTIMIZER_FILE));
          st = saved;
          resumed = true;
        } catch (RuntimeException e) {
          // a damaged checkpoint must not block every rerun: start over from the initial weights
          restore(params, initial);
          opt = newOptimizer(s, params);
          setAsideDamaged(ckpt, e.getMessage());
        }
      } else {
        // a checkpoint of other settings, data or starting weights: never continue from it
        try {
          deleteTree(ckpt);
          deleteTree(bestDir());
        } catch (IOException e) {
          throw new IllegalStateException("cannot remove stale checkpoint " + ckpt + ": " + e, e);
        }
      }
    }

    MemoryTracker.resetPeak();
    ProcessMemory.resetPeak();
    String nonFinite = null;
    long residentBytes = -1;
    // the training loop's activations and gradients recycle the arrays of the tensors each step
    // closes (TensorArena): the shapes repeat, and the collector then has little to copy
    try (ResidentStep resident =
            ResidentStep.openOrNull(
                model,
                s,
                Math.min(s.batchSize(), train.size()),
                ResidentStep.longest(train),
                resumed ? opt : null,
                listener);
        TensorArena arena = openArena()) {
      if (resident != null) {
        residentBytes = resident.plannedDeviceBytes();
      }
      try {
        nonFinite = trainLoop(st, total, s, order, schedule, opt, evalEvery, resident);
      } finally {
        if (resident != null) {
          resident.copyToHost(); // the trained values, whatever stopped the loop
        }
      }
    }
    // test with the best adapter, as PEFT-Bench keeps the best checkpoint
    if (nonFinite == null && Files.isDirectory(bestDir())) {
      model.loadAdapterWeights(bestDir());
    }
    double sps = st.timedSteps > 0 ? st.trainSeconds / st.timedSteps : Double.NaN;
    return new Outcome(
        st,
        total,
        nonFinite,
        resumed,
        sps,
        MemoryTracker.peakBytes(),
        ProcessMemory.peakRssBytes(),
        residentBytes);
  }

  /**
   * Refuses data the loop cannot learn from or the model cannot take: no example with a target
   * token (every label −100: the loss would be 0/0), or a sequence longer than the model's
   * positions (with its virtual tokens).
   */
  void checkExamples() {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("no training examples");
    }
    boolean anyTarget = false;
    for (TokenizedExample e : train) {
      int[] labels = e.labels();
      for (int j = 1; j < labels.length; j++) { // label 0 has no position before it
        anyTarget |= labels[j] != TokenizedExample.IGNORE;
      }
    }
    if (!anyTarget) {
      throw new IllegalArgumentException(
          "the training data has no target tokens (every label is -100): nothing to learn");
    }
    for (int i = 0; i < train.size(); i++) {
      model.checkSequenceLength(train.get(i).inputIds().length, "training example " + (i + 1));
    }
    for (int i = 0; i < validation.size(); i++) {
      model.checkSequenceLength(
          validation.get(i).inputIds().length, "validation example " + (i + 1));
    }
  }

  /**
   * An arena for this run's training loop, unless one is open already (a caller measuring with its
   * own) or {@code -Dpeftbench.arena=false} turns it off; null then.
   */
  private static TensorArena openArena() {
    if (!Boolean.parseBoolean(System.getProperty("peftbench.arena", "true"))
        || TensorArena.isOpen()) {
      return null;
    }
    return TensorArena.open();
  }

  /** Optimizer steps until {@code total} or a non-finite loss (returned, else null). */
  private String trainLoop(
      State st,
      int total,
      TrainingSettings s,
      DataOrder order,
      LrSchedule schedule,
      Optimizer opt,
      int evalEvery,
      ResidentStep resident) {
    String nonFinite = null;
    TrainStep trainStep = new TrainStep(opt, schedule, s.maxGradNorm(), s.gradAccum(), plan.seed());
    while (st.step < total) {
      long t0 = System.nanoTime();
      long firstMicro = (long) st.step * s.gradAccum();
      TrainStep.Result r;
      if (resident != null) {
        // grad_accum is 1 here: one micro-batch, the schedule's learning rate of this step
        double lr = schedule.lr(st.step);
        double loss = resident.step(batch(order.microBatch(firstMicro)), lr);
        r = new TrainStep.Result(loss, Double.NaN, lr, Double.isFinite(loss) ? -1 : 0);
      } else {
        r = trainStep.run(st.step, m -> model.loss(batch(order.microBatch(firstMicro + m))));
      }
      if (r.failed()) {
        nonFinite =
            "training loss became "
                + r.loss()
                + " at step "
                + (st.step + 1)
                + " (micro-batch "
                + (firstMicro + r.failedMicroBatch())
                + ")";
        break;
      }
      double stepLoss = r.loss();
      st.step++;
      st.losses.add(stepLoss);
      // the first steps run while the JIT compiles; time the rest
      if (st.step > Math.min(2, total - 1)) {
        st.trainSeconds += (System.nanoTime() - t0) / 1e9;
        st.timedSteps++;
      }
      listener.onStep(st.step, total, stepLoss);
      if (resident != null && (st.step % evalEvery == 0 || st.step == total)) {
        resident.copyToHost(); // evaluation and checkpoints read the host's parameters
      }

      if ((st.step % evalEvery == 0 || st.step == total) && validation.isEmpty()) {
        saveCheckpoint(st, opt, resident); // nothing to select on: checkpoint for resuming only
      } else if (st.step % evalEvery == 0 || st.step == total) {
        double val = validationLoss();
        double epoch = (double) st.step * s.gradAccum() / order.batchesPerEpoch();
        st.evaluations.add(new double[] {st.step, epoch, val, stepLoss});
        listener.onEvaluation(st.step, val);
        if (!Double.isFinite(val)) {
          nonFinite = "validation loss became " + val + " at step " + st.step;
          break;
        }
        if (st.bestValidationLoss == null || val < st.bestValidationLoss) {
          st.bestValidationLoss = val;
          st.bestStep = st.step;
          replaceDir(bestDir(), d -> model.saveAdapter(d));
        }
        saveCheckpoint(st, opt, resident);
      }
    }
    return nonFinite;
  }

  /**
   * SHA-256 over everything that determines the training trajectory: the settings, seed and caps,
   * every training and validation sequence, and the names and starting values of the trainable
   * parameters. A checkpoint is resumed only when its fingerprint matches.
   */
  public String fingerprint() {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update(
          (plan.settings().trajectoryText()
                  + "|"
                  + plan.seed()
                  + "|"
                  + plan.maxSteps()
                  + "|"
                  + plan.evalEverySteps())
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8);
      for (List<TokenizedExample> split : List.of(train, validation)) {
        md.update(buf.clear().putInt(split.size()).array(), 0, 4);
        for (TokenizedExample e : split) {
          for (int[] a : new int[][] {e.inputIds(), e.labels()}) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * (a.length + 1));
            b.putInt(a.length).asIntBuffer().put(a);
            md.update(b.array());
          }
        }
      }
      for (Parameter p : model.trainableParameters()) {
        md.update(p.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        float[] v = p.value().toFloatArray();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length);
        b.asFloatBuffer().put(v);
        md.update(b.array());
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Mean over validation micro-batches of the batch loss (HF's eval_loss), without dropout. */
  public double validationLoss() {
    if (validation.isEmpty()) {
      return Double.NaN;
    }
    int bs = plan.settings().batchSize();
    double sum = 0;
    int n = 0;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int i = 0; i < validation.size(); i += bs) {
        Batch b =
            Batch.of(validation.subList(i, Math.min(validation.size(), i + bs)), model.padId());
        sum += model.loss(b).item();
        n++;
      }
    }
    return sum / n;
  }

  private Batch batch(int[] indices) {
    List<TokenizedExample> ex = new ArrayList<>(indices.length);
    for (int i : indices) {
      ex.add(train.get(i));
    }
    return Batch.of(ex, model.padId());
  }

  private void saveCheckpoint(State st, Optimizer opt, ResidentStep resident) {
    if (resident != null) {
      resident.copyOptimizerStateTo(opt); // AdamW's moments live on the device between steps
    }
    replaceDir(
        checkpointDir(),
        d -> {
          model.saveAdapter(d.resolve("adapter"));
          model.saveTrainable(d.resolve(TRAINABLE_FILE));
          opt.saveState(d.resolve(OPTIMIZER_FILE));
          try {
            // state.json last: a checkpoint folder without it is incomplete
            Files.writeString(d.resolve("state.json"), JSON.writeValueAsString(st));
          } catch (IOException e) {
            throw new IllegalStateException("cannot write checkpoint state: " + e, e);
          }
        });
  }

  private static Optimizer newOptimizer(TrainingSettings s, List<Parameter> params) {
    return s.optimizer().equalsIgnoreCase("sgd")
        ? new Sgd(params, 0.0)
        : new AdamW(params, 0.9, 0.999, 1e-8, s.weightDecay());
  }

  /** The checkpoint's state, or null when the file is damaged (truncated, not JSON). */
  private static State readStateOrNull(Path f) {
    try {
      State st = JSON.readValue(f.toFile(), State.class);
      return st == null || st.fingerprint == null ? null : st;
    } catch (IOException e) {
      return null;
    }
  }

  /** Moves a damaged checkpoint (and the best adapter saved with it) aside, with one warning. */
  private void setAsideDamaged(Path ckpt, String why) {
    Path aside = org.peftbench.harness.results.ResultStore.setAside(ckpt);
    try {
      deleteTree(bestDir()); // written by the same (damaged) trajectory
    } catch (IOException e) {
      throw new IllegalStateException("cannot remove " + bestDir() + ": " + e, e);
    }
    listener.onWarning(
        "checkpoint "
            + ckpt
            + " is damaged ("
            + why
            + "); moved aside to "
            + aside.getFileName()
            + ", training starts over");
  }

  private static void restore(List<Parameter> params, List<float[]> values) {
    for (int i = 0; i < params.size(); i++) {
      var t = params.get(i).value();
      float[] v = values.get(i);
      for (int j = 0; j < v.length; j++) {
        t.set(j, v[j]);
      }
    }
  }

  /**
   * Writes a folder beside {@code target} and swaps it in, so a kill at any moment leaves either
   * the old or the new complete folder.
   */
  static void replaceDir(Path target, java.util.function.Consumer<Path> writer) {
    try {
      Path parent = target.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path fresh = parent.resolve(target.getFileName() + ".new");
      Path old = parent.resolve(target.getFileName() + ".old");
      deleteTree(fresh);
      Files.createDirectories(fresh);
      writer.accept(fresh);
      deleteTree(old);
      if (Files.exists(target)) {
        Files.move(target, old);
      }
      Files.move(fresh, target);
      deleteTree(old);
    } catch (IOException e) {
      throw new IllegalStateException("cannot replace " + target + ": " + e, e);
    }
  }

  /** Completes a {@link #replaceDir} that a kill interrupted between its two renames. */
  static void recover(Path target) {
    try {
      Path parent = target.toAbsolutePath().getParent();
      Path fresh = parent.resolve(target.getFileName() + ".new");
      Path old = parent.resolve(target.getFileName() + ".old");
      if (!Files.exists(target) && Files.exists(old)) {
        Files.move(old, target);
      }
      deleteTree(fresh);
      deleteTree(old);
    } catch (IOException e) {
      throw new IllegalStateException("cannot recover " + target + ": " + e, e);
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
