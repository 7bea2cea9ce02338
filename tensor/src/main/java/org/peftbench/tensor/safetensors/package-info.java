/**
 * The safetensors file format: {@link org.peftbench.tensor.safetensors.SafetensorsFile} maps a file
 * (header validated: offsets in bounds, no overlaps, known dtypes) and hands out tensors over the
 * mapping without copying; {@link org.peftbench.tensor.safetensors.SafetensorsCheckpoint} opens a
 * sharded model through its {@code model.safetensors.index.json}; {@link
 * org.peftbench.tensor.safetensors.SafetensorsWriter} writes one atomically (temporary file, then
 * rename). A malformed file is a {@link org.peftbench.tensor.safetensors.SafetensorsException}
 * naming the file and the problem.
 */
package org.peftbench.tensor.safetensors;
