// Reads a Parquet file with hyparquet (a second, independent reader) and
// prints a header line {"num_rows", "columns": [{"path", "type", "logical"}]}
// then each row as a JSON line (bigints as decimal strings, bytes as UTF-8).
// Given a directory, does the same for every *.parquet file below it, in name
// order, each header also holding "file" (the path relative to the directory).
// Usage: node hyparquet_dump.mjs FILE|DIR
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const replacer = (k, v) => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return v.toISOString();
  return v;
};

async function dump(path, extra) {
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
  console.log(JSON.stringify({ ...extra, num_rows: Number(meta.num_rows), row_groups: meta.row_groups.length,
                               created_by: meta.created_by, columns: leaves }));
  const rows = await parquetReadObjects({ file, compressors, utf8: true });
  for (const row of rows) console.log(JSON.stringify(row, replacer));
}

function parquetFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...parquetFiles(p));
    else if (name.endsWith('.parquet')) out.push(p);
  }
  return out;
}

const path = process.argv[2];
let current = path;
try {
  if (statSync(path).isDirectory()) {
    for (const f of parquetFiles(path)) {
      current = f;
      await dump(f, { file: relative(path, f) });
    }
  } else {
    await dump(path, {});
  }
} catch (e) {
  console.error(`hyparquet: ${current}: ${e.message}`);
  process.exit(1);
}
