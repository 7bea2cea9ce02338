/**
 * The swappable modules of a model, the seam PEFT methods use. {@link
 * org.peftbench.transformer.nn.LinearLayer} ({@code Var forward(Var x)}, in/out features) with the
 * base {@link org.peftbench.transformer.nn.Linear} (HF {@code [out, in]} weights, or GPT-2 Conv1D
 * {@code [in, out]}); {@link org.peftbench.transformer.nn.NormLayer} with {@link
 * org.peftbench.transformer.nn.RmsNorm} and {@link org.peftbench.transformer.nn.LayerNorm}. A
 * {@link org.peftbench.transformer.nn.Slot} holds one module: {@code set} swaps a wrapper in (read
 * on every forward), {@code base} is the original, {@code reset} puts it back.
 */
package org.peftbench.transformer.nn;
