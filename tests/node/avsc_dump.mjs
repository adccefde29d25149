// Reads an Avro container file with avsc and prints a header line
// {"codec", "schema"} then each record as a JSON line (bytes as UTF-8).
// Given a directory, does the same for every *.avro file below it, in name
// order, each header also holding "file" (the path relative to the directory).
// Usage: node avsc_dump.mjs FILE|DIR
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import zlib from 'node:zlib';
import avro from 'avsc';
import { snappyUncompress } from 'hyparquet';

// Giving codecs replaces avsc's own, so null and deflate are listed too. Avro's snappy blocks are a raw snappy block
// followed by the big-endian CRC-32 of the uncompressed data.
function snappy(buf, cb) {
  try {
    const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length - 4);
    let len = 0;
    for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
      len += (data[i] & 0x7f) * 2 ** shift;
      if (!(data[i] & 0x80)) break;
    }
    const out = new Uint8Array(len);
    snappyUncompress(data, out);
    cb(null, Buffer.from(out));
  } catch (e) {
    cb(e);
  }
}

const replacer = (k, v) => {
  if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data).toString('utf8');
  return v;
};

function dump(path, extra) {
  return new Promise((resolve, reject) => {
    avro.createFileDecoder(path, {
      codecs: { null: (b, cb) => cb(null, b), deflate: zlib.inflateRaw, snappy },
    })
      .on('metadata', (type, codec) => {
        console.log(JSON.stringify({ ...extra, codec, schema: type.schema() }));
      })
      .on('data', (rec) => console.log(JSON.stringify(rec, replacer)))
      .on('end', resolve)
      .on('error', reject);
  });
}

function avroFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...avroFiles(p));
    else if (name.endsWith('.avro')) out.push(p);
  }
  return out;
}

const path = process.argv[2];
let current = path;
try {
  if (statSync(path).isDirectory()) {
    for (const f of avroFiles(path)) {
      current = f;
      await dump(f, { file: relative(path, f) });
    }
  } else {
    await dump(path, {});
  }
} catch (e) {
  console.error(`avsc: ${current}: ${e.message}`);
  process.exit(1);
}
