import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { RunningServer } from './server.ts';
import { ADMIN_LINK_TTL_SECONDS } from '../access/admin-links.ts';
import { isLoopbackHost } from '../create-services.ts';
import { DEFAULT_ROOM } from '../protocol/constants.ts';
import { FIRST_MODERATOR_LABEL } from '../protocol/well-known-labels.ts';


/**
 * What a streamer needs right after `npm start`: the OBS URL, a key for a moderator, a one-time
 * admin link into the dashboard, and where else the server can be reached.
 */
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
    const { key } = await services.keys.issue({ room: DEFAULT_ROOM, label: FIRST_MODERATOR_LABEL, streamerId: 'streamer', ttlSeconds: config.MODERATOR_KEY_TTL_SECONDS });
    lines.push(`  Moderator panel (one-time key, ${Math.round(config.MODERATOR_KEY_TTL_SECONDS / 60)} min):  ${base}/moderator?key=${key}`);
  } catch {
    lines.push('  (no moderator key: the store is unavailable right now)');
  }
  try {
    const login = await services.adminLinks.issue();
    lines.push(`  Streamer dashboard (one-time admin link, ${Math.round(ADMIN_LINK_TTL_SECONDS / 60)} min):  ${base}/dashboard?login=${login}`);
  } catch {
    lines.push(`  Streamer dashboard: ${base}/dashboard (sign in with STREAMER_API_TOKEN)`);
  }
  if (!config.PUBLIC_BASE_URL && (config.HOST === '0.0.0.0' || config.HOST === '::')) {
    const lan = lanAddresses().map((address) => `http://${address.includes(':') ? `[${address}]` : address}:${server.port}`);
    if (lan.length) lines.push('', `  On your network (phones, a second PC):  ${lan.join('  ')}`);
  } else if (!config.PUBLIC_BASE_URL && isLoopbackHost(config.HOST)) {
    lines.push('', '  Only this machine can open these links. For phones or a second PC: HOST=0.0.0.0 npm start (or set PUBLIC_BASE_URL).');
  }
  if (server.generatedSecrets.includes('STREAMER_API_TOKEN')) {
    lines.push('', `  Generated STREAMER_API_TOKEN (saved in ${config.DATA_DIR}/secrets.json): ${config.STREAMER_API_TOKEN}`);
  } else if (config.NODE_ENV !== 'production') {
    lines.push('', `  Streamer API: curl -H "x-streamer-token: $STREAMER_API_TOKEN" ${base}/api/moderator-keys  (token in ${config.DATA_DIR}/secrets.json unless set)`);
  }
  lines.push('');
  console.log(lines.join('\n'));
}

/** This machine's non-internal addresses (IPv4 first: what people type into a phone). */
function lanAddresses(): string[] {
  let all: NetworkInterfaceInfo[];
  try {
    all = Object.values(networkInterfaces()).flat().filter((a): a is NetworkInterfaceInfo => a !== undefined && !a.internal);
  } catch {
    // Deno without --allow-sys may not list interfaces; the banner is a convenience.
    return [];
  }
  return [...all.filter((a) => a.family === 'IPv4'), ...all.filter((a) => a.family === 'IPv6' && !a.address.startsWith('fe80'))].map((a) => a.address);
}
