// Checks the Parquet test corpus (src/format/parquet/corpus_test_util.h):
// every DIR/NAME.parquet is read by DuckDB and by hyparquet, and each row is
// compared, value by value and by the column's type, with NAME.rows.jsonl;
// NAME.checks.json adds the codec, the least number of row groups and the
// dictionary-encoded columns, checked with DuckDB's parquet_metadata().
// Prints one JSON line per file: {"file", "rows", "row_groups", "problems": []}.
// Usage: node parquet_corpus_check.mjs DIR
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBInstance, DuckDBListValue, DuckDBMapValue,
  DuckDBStructValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
} from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

// JSON with numbers kept as their text ({num: "123"}), so that 64-bit
// integers survive.
function parseLossless(text) {
  let i = 0;
  const ws = () => { while (' \t\r\n'.includes(text[i])) i++; };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = {};
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        const key = value();
        ws();
        if (text[i++] !== ':') throw new Error(`expected : at ${i}`);
        obj[key] = value();
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] !== '}') throw new Error(`expected } at ${i}`);
        return obj;
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i++] !== ']') throw new Error(`expected ] at ${i}`);
        return arr;
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1));
      i = j + 1;
      return s;
    }
    for (const [word, v] of [['null', null], ['true', true], ['false', false]]) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
    if (!m) throw new Error(`unexpected ${c} at ${i}`);
    i += m[0].length;
    return { num: m[0] };
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return v;
}

const isList = (node) =>
  node.children.length > 0 &&
  (node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST');
const isMap = (node) =>
  node.children.length > 0 &&
  (node.element.converted_type === 'MAP' || node.element.logical_type?.type === 'MAP');

// DuckDB must give the container type the schema says (a LIST as a list,
// not a struct holding one).
function duckType(name, v, type) {
  if (!(v instanceof type)) throw new Error(`${name}: DuckDB gave ${v?.constructor?.name}, expected ${type.name}`);
  return v;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const utf8 = (bytes) => new TextDecoder().decode(bytes);

function isoDate(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

// One canonical form for the three sources (expected rows, DuckDB, hyparquet),
// driven by the file's schema: integers and timestamps (in the column's unit)
// as decimal strings, floating point as numbers, dates as "YYYY-MM-DD",
// strings as strings, top-level binary as "hex:..", nested binary as UTF-8,
// lists as arrays, maps as [key, value] pairs sorted by key (hyparquet gives
// maps as objects, which do not keep the order of integer-like keys).
function canon(node, v, from, top) {
  if (v === null || v === undefined) return null;
  const e = node.element;
  if (isList(node)) {
    const items = from === 'duckdb' ? duckType(e.name, v, DuckDBListValue).items : v;
    if (!Array.isArray(items)) throw new Error(`${e.name}: expected a list, got ${typeof v}`);
    const element = node.children[0].children[0];
    return items.map((x) => canon(element, x, from, false));
  }
  if (isMap(node)) {
    const [keyNode, valueNode] = node.children[0].children;
    let pairs;
    if (from === 'duckdb') {
      pairs = duckType(e.name, v, DuckDBMapValue).entries.map((kv) => [kv.key, kv.value]);
    } else {
      if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${e.name}: expected a map, got ${typeof v}`);
      pairs = Object.entries(v);
    }
    return pairs
      .map(([k, x]) => [canon(keyNode, k, from, false), canon(valueNode, x, from, false)])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  if (node.children.length > 0) {
    const entries = from === 'duckdb' ? duckType(e.name, v, DuckDBStructValue).entries : v;
    const out = {};
    for (const c of node.children) out[c.element.name] = canon(c, entries[c.element.name], from, false);
    return out;
  }
  const lt = e.logical_type?.type;
  const unit = e.logical_type?.unit ?? (e.converted_type === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS');
  switch (e.type) {
    case 'BOOLEAN':
      return from === 'expected' ? v : Boolean(v);
    case 'INT32':
    case 'INT64':
      if (lt === 'DATE' || e.converted_type === 'DATE') {
        if (from === 'expected') return v;
        if (from === 'duckdb') return isoDate((v instanceof DuckDBDateValue) ? v.days : NaN);
        return isoDate(Number(v));
      }
      if (lt === 'TIMESTAMP' || e.converted_type?.startsWith('TIMESTAMP')) {
        if (from === 'expected') return BigInt(v.num).toString();
        if (from === 'duckdb') {
          if (!(v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue)) {
            throw new Error(`${e.name}: DuckDB gave ${v?.constructor?.name} for a timestamp`);
          }
          if (unit === 'MICROS') return v.micros.toString();
          if (v.micros % 1000n !== 0n) return `${v.micros} us (not whole milliseconds)`;
          return (v.micros / 1000n).toString();
        }
        return BigInt(v).toString();  // the hyparquet parsers below keep the stored integer
      }
      return from === 'expected' ? BigInt(v.num).toString() : BigInt(v).toString();
    case 'FLOAT':
    case 'DOUBLE':
      return from === 'expected' ? Number(v.num) : Number(v);
    default: {
      const text = lt === 'STRING' || e.converted_type === 'UTF8';
      if (from === 'expected') return top && !text ? `hex:${v.hex}` : v;
      if (typeof v === 'string') return top && !text ? `hex:${Buffer.from(v).toString('hex')}` : v;
      const bytes = v instanceof DuckDBBlobValue ? v.bytes : v;
      return top && !text ? `hex:${hex(bytes)}` : utf8(bytes);
    }
  }
}

function canonRow(schema, row, from) {
  const out = {};
  for (const c of schema.children) out[c.element.name] = canon(c, row[c.element.name], from, true);
  return out;
}

// The first difference between two canonical rows, or null.
function diff(want, got, path) {
  if (typeof want !== typeof got || want === null || got === null || typeof want !== 'object') {
    return Object.is(want, got) ? null : `${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  }
  if (Array.isArray(want) !== Array.isArray(got)) return `${path}: list against non-list`;
  const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
  if (Array.isArray(want) && want.length !== got.length) {
    return `${path}: expected ${want.length} items, got ${got.length}`;
  }
  for (const k of keys) {
    const d = diff(want[k], got[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

function compareRows(name, schema, expected, rows, from, problems) {
  if (rows.length !== expected.length) {
    problems.push(`${from}: ${rows.length} rows, expected ${expected.length}`);
  }
  const n = Math.min(rows.length, expected.length);
  for (let r = 0; r < n; r++) {
    let d;
    try {
      d = diff(expected[r], canonRow(schema, rows[r], from), 'row');
    } catch (e) {
      d = e.message;
    }
    if (d) {
      problems.push(`${from}: row ${r}: ${d.length > 400 ? `${d.slice(0, 400)}...` : d}`);
      return;
    }
  }
}

const hyparquetParsers = {
  timestampFromMilliseconds: (ms) => ms,
  timestampFromMicroseconds: (us) => us,
  timestampFromNanoseconds: (ns) => ns,
  dateFromDays: (days) => days,
};

const dir = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
let failed = false;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.parquet')) continue;
  const path = join(dir, name);
  const problems = [];
  const report = { file: name, rows: 0, row_groups: 0, problems };
  try {
    const buf = readFileSync(path);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(file);
    const schema = parquetSchema(meta);
    const lines = readFileSync(`${path}.rows.jsonl`, 'utf8').split('\n').filter((l) => l.length);
    const expected = lines.map((l) => canonRow(schema, parseLossless(l), 'expected'));
    const checks = JSON.parse(readFileSync(`${path}.checks.json`, 'utf8'));
    report.rows = expected.length;
    report.row_groups = meta.row_groups.length;

    const sqlPath = path.replaceAll("'", "''");
    const duck = await conn.runAndReadAll(`SELECT * FROM read_parquet('${sqlPath}')`);
    compareRows(name, schema, expected, duck.getRowObjects(), 'duckdb', problems);

    const hy = await parquetReadObjects({ file, compressors, utf8: false, parsers: hyparquetParsers });
    compareRows(name, schema, expected, hy, 'hyparquet', problems);

    const md = (await conn.runAndReadAll(
      `SELECT row_group_id, path_in_schema, compression, encodings, dictionary_page_offset
       FROM parquet_metadata('${sqlPath}')`)).getRowObjectsJson();
    const groups = new Set(md.map((m) => m.row_group_id)).size;
    if (groups !== meta.row_groups.length) problems.push(`duckdb sees ${groups} row groups, hyparquet ${meta.row_groups.length}`);
    if (groups < checks.min_row_groups) problems.push(`${groups} row groups, expected at least ${checks.min_row_groups}`);
    if (checks.codec) {
      const codecs = [...new Set(md.map((m) => m.compression))];
      if (codecs.length !== 1 || codecs[0] !== checks.codec) {
        problems.push(`compression ${codecs.join(',')}, expected ${checks.codec}`);
      }
    }
    for (const col of checks.dictionary_columns) {
      const chunks = md.filter((m) => m.path_in_schema.split(/, ?|\./).join('.') === col);
      if (!chunks.length) problems.push(`no column chunk ${col}`);
      for (const c of chunks) {
        if (!String(c.encodings).includes('RLE_DICTIONARY') || c.dictionary_page_offset === null) {
          problems.push(`${col} in row group ${c.row_group_id} is not dictionary-encoded: ${c.encodings}`);
        }
      }
    }
  } catch (e) {
    problems.push(`error: ${e.message}`);
  }
  if (problems.length) failed = true;
  console.log(JSON.stringify(report));
}
process.exit(failed ? 1 : 0);
