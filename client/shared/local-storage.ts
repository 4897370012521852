/**
 * localStorage for small preferences (theme, language, the panel's remembered choices). It throws in some
 * privacy modes and in sandboxed frames; a page without memory still works, so every failure
 * reads as "nothing saved" and a write that fails is dropped.
 */
export function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not remembered; nothing else depends on it.
  }
}
