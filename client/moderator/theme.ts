/** The FastAPI version's three themes, as CSS custom properties keyed by `data-theme` (moderator.css). */
export const THEMES = ['dark', 'turquoise', 'midnight'] as const;
export type Theme = (typeof THEMES)[number];

const KEY = 'so.theme';

export function savedTheme(): Theme {
  const saved = readStorage(KEY);
  return (THEMES as readonly string[]).includes(saved ?? '') ? (saved as Theme) : 'dark';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  writeStorage(KEY, theme);
}

/** Storage throws in some privacy modes; a panel without memory still works. */
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
