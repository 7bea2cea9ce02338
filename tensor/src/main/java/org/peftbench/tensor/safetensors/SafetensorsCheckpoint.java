package org.peftbench.tensor.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.peftbench.tensor.Tensor;

/**
 * The weights of a HuggingFace model folder: either one {@code model.safetensors} or shards listed
 * by {@code model.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {tensor:
 * shard-file}}}). One lookup over all shards; every shard is memory-mapped and validated on open.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";

  private final Path source;
  private final List<SafetensorsFile> shards;
  private final Map<String, SafetensorsFile> byName; // sorted by tensor name
  private final Map<String, String> metadata;

  private SafetensorsCheckpoint(
      Path source,
      List<SafetensorsFile> shards,
      Map<String, SafetensorsFile> byName,
      Map<String, String> metadata) {
    this.source = source;
    this.shards = shards;
    this.byName = byName;
    this.metadata = metadata;
  }

  /**
   * Opens the weights in {@code path}: a model folder (index file preferred, else {@code
   * model.safetensors}), an index file, or a single {@code .safetensors} file.
   */
  public static SafetensorsCheckpoint open(Path path) {
    if (Files.isDirectory(path)) {
      Path index = path.resolve(INDEX_FILE);
      if (Files.isRegularFile(index)) {
        return openIndex(index);
      }
      Path single = path.resolve(SINGLE_FILE);
      if (Files.isRegularFile(single)) {
        return openSingle(single);
      }
      throw new SafetensorsException(
          path, null, "no " + SINGLE_FILE + " or " + INDEX_FILE + " in this model folder");
    }
    if (path.getFileName() != null && path.getFileName().toString().endsWith(".index.json")) {
      return openIndex(path);
    }
    return openSingle(path);
  }

  private static SafetensorsCheckpoint openSingle(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, SafetensorsFile> byName = new TreeMap<>();
    for (String n : f.names()) {
      byName.put(n, f);
    }
    return new SafetensorsCheckpoint(
        file, List.of(f), Collections.unmodifiableMap(byName), f.metadata());
  }

  private static SafetensorsCheckpoint openIndex(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(index.toFile());
    } catch (JacksonException e) {
      throw new SafetensorsException(index, null, "not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SafetensorsException(index, null, "cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsException(index, null, "index must be a JSON object");
    }
    JsonNode weightMap = root.get("weight_map");
    if (weightMap == null || !weightMap.isObject()) {
      throw new SafetensorsException(index, null, "missing or non-object \"weight_map\"");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonNode meta = root.get("metadata");
    if (meta != null && meta.isObject()) {
      for (Map.Entry<String, JsonNode> m : meta.properties()) {
        metadata.put(
            m.getKey(),
            m.getValue().isTextual() ? m.getValue().textValue() : m.getValue().toString());
      }
    }
    Path dir = index.toAbsolutePath().getParent();
    Map<String, SafetensorsFile> shardByFile = new LinkedHashMap<>();
    Map<String, SafetensorsFile> byName = new TreeMap<>();
    try {
      for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
        String tensor = e.getKey();
        if (!e.getValue().isTextual()) {
          throw new SafetensorsException(index, tensor, "weight_map value must be a file name");
        }
        String shardName = e.getValue().textValue();
        SafetensorsFile shard = shardByFile.get(shardName);
        if (shard == null) {
          Path shardPath = dir.resolve(shardName).normalize();
          if (!shardPath.startsWith(dir) || !Files.isRegularFile(shardPath)) {
            throw new SafetensorsException(
                index, tensor, "listed shard '" + shardName + "' is missing from " + dir);
          }
          shard = SafetensorsFile.open(shardPath);
          shardByFile.put(shardName, shard);
        }
        if (!shard.contains(tensor)) {
          throw new SafetensorsException(
              index, tensor, "listed in shard '" + shardName + "' but that shard does not hold it");
        }
        byName.put(tensor, shard);
      }
    } catch (RuntimeException ex) {
      shardByFile.values().forEach(SafetensorsFile::close);
      throw ex;
    }
    return new SafetensorsCheckpoint(
        index,
        List.copyOf(shardByFile.values()),
        Collections.unmodifiableMap(byName),
        Collections.unmodifiableMap(metadata));
  }

  /** The file that was opened ({@code model.safetensors} or the index). */
  public Path source() {
    return source;
  }

  /** Tensor names over all shards, sorted. */
  public List<String> names() {
    return new ArrayList<>(byName.keySet());
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  public TensorInfo info(String name) {
    return shardOf(name).info(name);
  }

  /** Tensor {@code name} as a view over its shard's mapping, in its stored dtype. */
  public Tensor tensor(String name) {
    return shardOf(name).tensor(name);
  }

  /** The file holding {@code name}. */
  public SafetensorsFile shardOf(String name) {
    SafetensorsFile f = byName.get(name);
    if (f == null) {
      throw new SafetensorsException(source, name, "no such tensor in this checkpoint");
    }
    return f;
  }

  /** {@code __metadata__} of a single file, or the index's {@code metadata}. */
  public Map<String, String> metadata() {
    return metadata;
  }

  public List<SafetensorsFile> shards() {
    return shards;
  }

  @Override
  public void close() {
    shards.forEach(SafetensorsFile::close);
  }
}
