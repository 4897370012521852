/** Room, connection, "live on overlay", who else is here, undo/redo, theme, language, logout. */
import { LANGS, plural, t, type Lang, type MessageKey } from './i18n.ts';
import type { SceneClient } from './scene-client.ts';
import { THEMES, type Theme } from './theme.ts';
import { labelText } from '../shared/label-text.ts';
import { ObsBadge } from './obs-card.tsx';

export interface Prefs {
  theme: Theme;
  lang: Lang;
  setTheme(theme: Theme): void;
  setLang(lang: Lang): void;
}

export function TopBar({ client, room, label, prefs, onLogout }: { client: SceneClient; room: string; label: string; prefs: Prefs; onLogout(): void }) {
  return (
    <header class="top-bar">
      <h1>{t('app.title')}</h1>
      <span class="room">{t('top.room', { room })}</span>
      <span class={`conn conn-${client.connection}`} data-connection={client.connection}>
        <span class="dot" /> {t(`conn.${client.connection}` as MessageKey)}
      </span>
      <LiveIndicator client={client} />
      <ObsBadge client={client} />
      <Presence client={client} fallbackLabel={label} />
      <span class="spacer" />
      <button type="button" data-action="undo" disabled={!client.canUndo} onClick={() => client.undo()} title="Ctrl+Z">
        ↶ {t('undo')}
      </button>
      <button type="button" data-action="redo" disabled={!client.canRedo} onClick={() => client.redo()} title="Ctrl+Shift+Z">
        ↷ {t('redo')}
      </button>
      <select aria-label={t('top.theme')} value={prefs.theme} onChange={(e) => prefs.setTheme(e.currentTarget.value as Theme)}>
        {THEMES.map((theme) => (
          <option key={theme} value={theme}>
            {t(`theme.${theme}`)}
          </option>
        ))}
      </select>
      <select aria-label={t('top.lang')} value={prefs.lang} onChange={(e) => prefs.setLang(e.currentTarget.value as Lang)}>
        {(Object.keys(LANGS) as Lang[]).map((lang) => (
          <option key={lang} value={lang}>
            {LANGS[lang]}
          </option>
        ))}
      </select>
      <button type="button" onClick={onLogout}>
        {t('top.logout')}
      </button>
    </header>
  );
}

/** From room.status: overlays connected, whether all drew the latest version, and how fast. */
function LiveIndicator({ client }: { client: SceneClient }) {
  const status = client.news.status;
  if (!status) return null;
  if (status.overlays === 0) {
    return (
      <span class="live off" data-live="none">
        <span class="dot" /> {t('live.none')}
      </span>
    );
  }
  const current = status.min_applied_version === status.version;
  return (
    <span class={`live ${current ? 'ok' : 'behind'}`} data-live={current ? 'ok' : 'behind'}>
      <span class="dot" /> {t(current ? 'live.on' : 'live.catching', { count: plural('plural.overlays', status.overlays) })}
      {status.apply_latency_ms !== null && <span class="muted"> · {t('live.latency', { ms: Math.max(0, Math.round(status.apply_latency_ms)) })}</span>}
    </span>
  );
}

function Presence({ client, fallbackLabel }: { client: SceneClient; fallbackLabel: string }) {
  const people = client.news.presence.length ? client.news.presence : [];
  return (
    <span class="presence" aria-label={t('presence.title')} title={t('presence.title')}>
      {people.map((p) => (
        <span key={p.id} class="person" data-presence={p.id === client.news.you ? 'me' : 'peer'} style={{ borderColor: p.color }}>
          <span class="swatch" style={{ background: p.color }} />
          {labelText(p.label || fallbackLabel)}
          {p.id === client.news.you && <span class="muted"> {t('presence.you')}</span>}
        </span>
      ))}
    </span>
  );
}
