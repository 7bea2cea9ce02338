package org.peftbench.datasets.io;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One record of a data file in the HF-datasets schema: its fields as a JSON object (whatever the
 * file format), and where it came from, for error messages.
 *
 * @param fields the record's columns; nested HF features (lists, structs) stay nested
 * @param index 0-based position of the record in its file
 * @param where "file:line" (JSONL, JSON) or "file row N" (CSV, Parquet)
 */
public record Row(JsonNode fields, long index, String where) {}
