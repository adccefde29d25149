// Runs one SQL statement in an in-memory DuckDB and prints each result row as
// a JSON line (DuckDB's JSON forms: BIGINT as strings, timestamps as text).
// Usage: node duckdb_query.mjs "SELECT ..."
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
  console.error('usage: node duckdb_query.mjs SQL');
  process.exit(2);
}
try {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const reader = await conn.runAndReadAll(sql);
  for (const row of reader.getRowObjectsJson()) console.log(JSON.stringify(row));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
