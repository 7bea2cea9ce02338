/**
 * Test helpers shared by every module's tests through the {@code tensor} test-jar ({@code
 * <type>test-jar</type>}): seeded random tensors and weights in every storage ({@link
 * org.peftbench.tensor.testing.TestTensors}) and the closeness checks ({@link
 * org.peftbench.tensor.testing.Closeness}).
 */
package org.peftbench.tensor.testing;
