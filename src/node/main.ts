/**
 * `npm start`: serve, print what the streamer needs to get going, stop cleanly on signals.
 */
import { startServer } from './server.ts';
import { ConfigError } from '../config.ts';
import { printWelcome } from './welcome.ts';
import { DataDirLockedError } from './data-dir-lock.ts';

try {
  const server = await startServer();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: draining…`);
    const forced = setTimeout(() => process.exit(1), 10_000);
    forced.unref();
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // After the handlers: a supervisor may signal as soon as it reads the banner.
  await printWelcome(server);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof DataDirLockedError) {
    console.error(`Cannot start: ${error.message}`);
    process.exit(3);
  }
  throw error;
}
