import pc from 'picocolors';

export interface BannerInfo {
  mode: 'dev' | 'start';
  /** The one address to open: Vite in dev, the API (serving the SPA) in start. */
  url: string;
  adminToken: string;
  generatedToken: boolean;
  redis: string;
  tryCommands: string[];
  /** With `--postgres`: the catalog's database and a psql line that writes behind the API's back. */
  postgres?: { description: string; tryCommands: string[] };
  apiPort: number;
}

/** What a newcomer needs once everything answers: where to click, what to type. */
export function printBanner(info: BannerInfo, out: NodeJS.WritableStream = process.stdout): void {
  const rule = pc.dim('─'.repeat(72));
  const lines = [
    '',
    rule,
    `  ${pc.bold(info.mode === 'dev' ? 'Redis cache stack is up (dev, hot reload)' : 'Redis cache stack is up (production build)')}`,
    '',
    `  Open   ${pc.bold(pc.cyan(info.url))}`,
    '',
    `  Admin token  ${pc.bold(info.adminToken)}`,
    info.generatedToken
      ? pc.dim('               generated for this session; set ADMIN_TOKEN to choose your own')
      : pc.dim('               from ADMIN_TOKEN'),
    `  Redis        ${info.redis}`,
    ...(info.postgres ? [`  PostgreSQL   ${info.postgres.description}`] : []),
    '',
    '  Try:',
    ...info.tryCommands.map((c) => `    ${c}`),
    ...(info.postgres
      ? [
          ...info.postgres.tryCommands.map((c) => `    ${c}`),
          pc.dim(
            `    then GET ${new URL('/api/data/prod1', `http://127.0.0.1:${info.apiPort}`).href}: the cache already dropped the old price`,
          ),
        ]
      : []),
    '',
    pc.dim(
      `  API on port ${info.apiPort} (docs: ${new URL('/api/docs', info.url).href})  ·  Ctrl-C stops everything`,
    ),
    rule,
    '',
  ];
  out.write(`${lines.join('\n')}\n`);
}
