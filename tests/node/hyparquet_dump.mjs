// Reads a Parquet file with hyparquet (a second, independent reader) and
// prints a header line {"num_rows", "columns": [{"path", "type", "logical"}]}
// then each row as a JSON line (bigints as decimal strings, bytes as UTF-8).
// Usage: node hyparquet_dump.mjs FILE
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const path = process.argv[2];
try {
  const buf = readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(file);
  const leaves = [];
  const walk = (node, prefix) => {
    const name = prefix ? `${prefix}.${node.element.name}` : node.element.name;
    if (!node.children.length) {
      leaves.push({
        path: name,
        type: node.element.type,
        repetition: node.element.repetition_type,
        logical: node.element.logical_type ? node.element.logical_type.type : null,
      });
    }
    for (const c of node.children) walk(c, prefix === null ? '' : name);
  };
  for (const c of parquetSchema(meta).children) walk(c, '');
  console.log(JSON.stringify({ num_rows: Number(meta.num_rows), row_groups: meta.row_groups.length,
                               created_by: meta.created_by, columns: leaves }));
  const rows = await parquetReadObjects({ file, compressors, utf8: true });
  const replacer = (k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v instanceof Date) return v.toISOString();
    return v;
  };
  for (const row of rows) console.log(JSON.stringify(row, replacer));
} catch (e) {
  console.error(`hyparquet: ${e.message}`);
  process.exit(1);
}
