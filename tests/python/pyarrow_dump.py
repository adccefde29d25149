#!/usr/bin/env python3
"""Reads Parquet files with pyarrow and prints, for each file,

  {"file":F,"num_rows":N,"row_groups":G,"codecs":["ZSTD"],"schema":"..."}
  {"__offset":17,"user":{"id":3,"name":null},"tags":["a"],...}   one per row
  {"file":F,"rows":N}                                            after the last row

in the same form as tests/java ParquetDump: integers (dates as days since the
epoch, timestamps in the column's unit) and floating point as JSON numbers,
strings as strings, binary as {"hex":"..."}, structs as objects, lists as
arrays, maps as objects, nulls as null. Values are taken from Arrow scalars
(never through pandas or datetime), so 64-bit integers and timestamps stay
exact. Run with the venv of tests/python/install.sh.
"""
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def render(s):
    if not s.is_valid:
        return None
    t = s.type
    if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t):
        # The stored integer (unit of the column), not a datetime.
        return s.cast(pa.int64() if t.bit_width == 64 else pa.int32()).as_py()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return {"hex": s.as_py().hex()}
    if pa.types.is_map(t):
        entries = s.values
        if entries is None:
            return {}
        keys = entries.field(0)
        values = entries.field(1)
        return {render(keys[i]): render(values[i]) for i in range(len(entries))}
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        values = s.values
        return [] if values is None else [render(values[i]) for i in range(len(values))]
    if pa.types.is_struct(t):
        return {t.field(i).name: render(s[i]) for i in range(t.num_fields)}
    return s.as_py()


def dump(path, out):
    f = pq.ParquetFile(path)
    md = f.metadata
    codecs = sorted({md.row_group(g).column(c).compression
                     for g in range(md.num_row_groups) for c in range(md.num_columns)})
    out.write(json.dumps({"file": path, "num_rows": md.num_rows, "row_groups": md.num_row_groups,
                          "codecs": codecs, "schema": str(f.schema)}, ensure_ascii=False) + "\n")
    rows = 0
    for batch in f.read().to_batches():  # a batch's columns are aligned
        names = batch.schema.names
        for i in range(batch.num_rows):
            row = {n: render(batch.column(c)[i]) for c, n in enumerate(names)}
            out.write(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
            rows += 1
    out.write(json.dumps({"file": path, "rows": rows}, ensure_ascii=False) + "\n")


def main():
    out = sys.stdout
    for path in sys.argv[1:]:
        dump(path, out)
    out.flush()


if __name__ == "__main__":
    main()
