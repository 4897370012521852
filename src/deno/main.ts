/**
 * `npm run start:deno`: the Deno edge. Serve, print what the streamer needs, and drain on
 * SIGTERM/SIGINT, exactly like `npm start` on Node.
 */
import { startServer } from './server.ts';
import { ConfigError } from '../config.ts';
import { printWelcome } from '../node/welcome.ts';

try {
  const server = await startServer();
  await printWelcome(server);
  let stopping = false;
  const stop = (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: draining…`);
    const forced = setTimeout(() => Deno.exit(1), 10_000);
    Deno.unrefTimer(forced);
    server.close().then(() => Deno.exit(0), () => Deno.exit(1));
  };
  Deno.addSignalListener('SIGTERM', () => stop('SIGTERM'));
  Deno.addSignalListener('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    Deno.exit(2);
  }
  throw error;
}
