import { readStorage, writeStorage } from '../shared/local-storage.ts';

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
