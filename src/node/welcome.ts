import type { RunningServer } from './server.ts';

const DEFAULT_ROOM = 'main';

/** What a streamer needs right after `npm start`: the OBS URL and a key for a moderator. */
export async function printWelcome(server: RunningServer): Promise<void> {
  const { services, config, url } = server;
  const base = config.PUBLIC_BASE_URL || url;
  const token = await services.viewTokens.issue(DEFAULT_ROOM);
  const lines = [
    '',
    `stream-overlay is up on ${url} (store: ${services.store.kind})`,
    '',
    `  OBS browser source (1920×1080):  ${base}/overlay?room=${DEFAULT_ROOM}&token=${token}`,
  ];
  for (const room of config.PUBLIC_OVERLAY_ROOMS) lines.push(`  WARNING: room "${room}" is public (PUBLIC_OVERLAY_ROOMS): ${base}/overlay?room=${room} works without a token`);
  try {
    const { key } = await services.keys.issue({ room: DEFAULT_ROOM, label: 'first moderator', streamerId: 'streamer', ttlSeconds: config.MODERATOR_KEY_TTL_SECONDS });
    lines.push(`  Moderator panel (one-time key, ${Math.round(config.MODERATOR_KEY_TTL_SECONDS / 60)} min):  ${base}/moderator?key=${key}`);
  } catch {
    lines.push('  (no moderator key: the store is unavailable right now)');
  }
  if (server.generatedSecrets.includes('STREAMER_API_TOKEN')) {
    lines.push('', `  Generated STREAMER_API_TOKEN (saved in ${config.DATA_DIR}/secrets.json): ${config.STREAMER_API_TOKEN}`);
  } else if (config.NODE_ENV !== 'production') {
    lines.push('', `  Streamer API: curl -H "x-streamer-token: $STREAMER_API_TOKEN" ${base}/api/moderator-keys  (token in ${config.DATA_DIR}/secrets.json unless set)`);
  }
  lines.push('');
  console.log(lines.join('\n'));
}
