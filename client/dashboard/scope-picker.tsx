/**
 * What a moderator may do, as the streamer picks it: "all rights" (nothing sent, so the key
 * gets the default rights and keeps up with them), or a set of the scopes, plus an optional
 * `items` filter typed as ids or name globs. Also the one-line summary the rows show.
 */
import { DEFAULT_MODERATOR_SCOPES, SCOPES, type Scope } from '../../src/protocol/scopes.ts';
import { t, type DashboardKey } from './i18n.ts';

/** `scopes: null` is "all rights": the default scopes, not sent with an invite. */
export interface GrantDraft {
  scopes: Scope[] | null;
  items: string;
}

export const ALL_RIGHTS: GrantDraft = { scopes: null, items: '' };

/** Ids or globs separated by commas or spaces. */
export const parseItems = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

const scopeLabel = (scope: Scope) => t(`scope.${scope}` as DashboardKey);

const isDefault = (scopes: readonly string[]) =>
  scopes.length === DEFAULT_MODERATOR_SCOPES.length && DEFAULT_MODERATOR_SCOPES.every((scope) => scopes.includes(scope));

/** A listed grant as the picker starts from it. */
export function draftOf(grant: { scopes?: Scope[]; items?: string[] }): GrantDraft {
  const scopes = grant.scopes ?? [...DEFAULT_MODERATOR_SCOPES];
  return { scopes: isDefault(scopes) ? null : scopes, items: (grant.items ?? []).join(', ') };
}

/** "all rights", or the scopes by name; then the items filter when there is one. */
export function grantSummary(grant: { scopes?: Scope[]; items?: string[] }): string {
  const scopes = grant.scopes ?? DEFAULT_MODERATOR_SCOPES;
  const rights = isDefault(scopes) ? t('mods.all_rights') : scopes.length === 0 ? t('mods.no_rights') : scopes.map(scopeLabel).join(', ');
  return grant.items?.length ? `${rights} · ${t('mods.only_items', { items: grant.items.join(', ') })}` : rights;
}

export function ScopePicker({ value, onChange }: { value: GrantDraft; onChange(next: GrantDraft): void }) {
  const toggle = (scope: Scope, on: boolean) => {
    const current = value.scopes ?? [];
    // Kept in the order of SCOPES, so what is sent and shown does not depend on click order.
    onChange({ ...value, scopes: SCOPES.filter((s) => (s === scope ? on : current.includes(s))) });
  };
  return (
    <fieldset class="scopes">
      <legend>{t('mods.rights')}</legend>
      <label class="check">
        <input
          type="checkbox"
          data-scope-all
          checked={value.scopes === null}
          onChange={(e) => onChange({ ...value, scopes: e.currentTarget.checked ? null : [...DEFAULT_MODERATOR_SCOPES] })}
        />
        {t('mods.all_rights')}
      </label>
      {value.scopes !== null && (
        <div class="scope-grid">
          {SCOPES.map((scope) => (
            <label class="check" key={scope} title={scope}>
              <input type="checkbox" data-scope={scope} checked={value.scopes!.includes(scope)} onChange={(e) => toggle(scope, e.currentTarget.checked)} />
              {scopeLabel(scope)}
            </label>
          ))}
        </div>
      )}
      <label class="field">
        <span>{t('mods.items')}</span>
        <input name="items" maxLength={2000} value={value.items} placeholder="score-*, logo" onInput={(e) => onChange({ ...value, items: e.currentTarget.value })} />
      </label>
    </fieldset>
  );
}
