/**
 * `node --import tsx infra/dev/sql.ts <url> "<sql>"`: one statement through node-postgres, for a
 * machine without psql (the banner of `pnpm dev --postgres` prints it then). Rows come out one a
 * line, fields tab-separated (like `psql -At`); a statement without rows prints its
 * command and the rows it touched.
 */
import pg from 'pg';

async function runSql(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query({ text: sql, rowMode: 'array' });
    if (result.fields.length > 0) {
      return (result.rows as unknown[][]).map((row) => row.map((v) => String(v ?? '')).join('\t')).join('\n');
    }
    return result.rowCount === null ? result.command : `${result.command} ${result.rowCount}`;
  } finally {
    await client.end();
  }
}

const [url, sql] = process.argv.slice(2);
if (!url || !sql) {
  process.stderr.write('usage: node --import tsx infra/dev/sql.ts <postgres-url> "<sql>"\n');
  process.exit(2);
}
runSql(url, sql).then(
  (out) => process.stdout.write(out ? `${out}\n` : ''),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
