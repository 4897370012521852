/**
 * Write temp, fsync, rename, fsync the directory: a crash leaves the old file or the new
 * one, never a torn one. Deno's own APIs, the same on-disk result as the Node edge.
 */
export async function writeAtomically(dir: string, name: string, content: string, mode = 0o644): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  // Unique per write, in the same directory so the rename never crosses file systems.
  const temp = `${dir}/.${name}.${crypto.randomUUID()}.tmp`;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      const bytes = new TextEncoder().encode(content);
      for (let written = 0; written < bytes.length; ) written += await file.write(bytes.subarray(written));
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(temp, `${dir}/${name}`);
  } catch (err) {
    await Deno.remove(temp).catch(() => {});
    throw err;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable. Best effort: not every platform can open a directory. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // The data is already fsynced; only the directory entry's durability is left to the OS.
  }
}

/** The file's text, or null when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}
