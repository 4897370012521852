/**
 * The language every page shares (the panel's and the dashboard's choice is one setting):
 * from the browser unless the user picked one (remembered). `{name}` placeholders are
 * filled as text; nothing here is ever parsed as markup.
 */
import { readStorage, writeStorage } from './local-storage.ts';

export const LANGS = { en: 'English', ru: 'Русский' } as const;
export type Lang = keyof typeof LANGS;
const KEY = 'so.lang';

let current: Lang = initialLang();

function initialLang(): Lang {
  const saved = readStorage(KEY);
  if (saved === 'en' || saved === 'ru') return saved;
  return /^ru\b/i.test(navigator.language ?? '') ? 'ru' : 'en';
}

export const lang = (): Lang => current;

export function setLang(next: Lang): void {
  current = next;
  document.documentElement.lang = next;
  writeStorage(KEY, next);
}

/** A translator over per-language dictionaries with the same keys. */
export function translator<K extends string>(dictionaries: Record<Lang, Record<K, string>>) {
  return (key: K, vars?: Record<string, string | number>): string => {
    const text = dictionaries[current][key];
    return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
  };
}
