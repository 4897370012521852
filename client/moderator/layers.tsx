/** Every item, top of the stack first: select, show/hide, lock, reorder, duplicate, remove. */
import { useState } from 'preact/hooks';
import { sortByZ } from '../shared/renderer.tsx';
import { ConfirmButton } from './confirm-button.tsx';
import { t } from './i18n.ts';
import { Icon, KindIcon } from './icons.tsx';
import { itemLabel, kindName } from './item-label.ts';
import type { SceneClient } from './scene-client.ts';
import type { DraftDiff } from './draft-diff.ts';

export function Layers({ client, diff }: { client: SceneClient; diff: DraftDiff | null }) {
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const bottomUp = sortByZ(client.items);
  const topDown = bottomUp.slice().reverse();

  const drop = (targetId: string) => {
    if (dragging && dragging !== targetId) client.reorder(dragging, bottomUp.findIndex((i) => i.id === targetId));
    setDragging(null);
    setOver(null);
  };

  return (
    <section class="card layers">
      <header>
        <h2>{t('layers.title')}</h2>
        {topDown.length > 0 && client.may('clear') && (
          <ConfirmButton class="danger small" onConfirm={() => client.clear()}>
            {t('layers.clear')}
          </ConfirmButton>
        )}
      </header>
      {topDown.length === 0 && <p class="muted">{t('layers.empty')}</p>}
      <ul>
        {topDown.map((item) => {
          // Outside the session's scopes (or its items filter) the row shows the item but changes nothing.
          const editable = client.may('patch', item);
          const differs = diff?.marks.get(item.id);
          return (
            <li
              key={item.id}
              data-layer={item.id}
              class={`layer${item.id === client.selection ? ' selected' : ''}${over === item.id ? ' drop-target' : ''}${item.visible ? '' : ' is-hidden'}`}
              draggable={editable}
              data-editable={editable ? 'yes' : 'no'}
              data-diff-kind={differs}
              title={editable ? t('layers.drag') : undefined}
              onClick={() => client.select(item.id)}
              onDragStart={(e) => {
                setDragging(item.id);
                e.dataTransfer?.setData('text/plain', item.id);
              }}
              onDragOver={(e) => {
                if (!dragging) return;
                e.preventDefault();
                setOver(item.id);
              }}
              onDragLeave={() => setOver(null)}
              onDrop={(e) => {
                e.preventDefault();
                drop(item.id);
              }}
              onDragEnd={() => {
                setDragging(null);
                setOver(null);
              }}
            >
              <span class="kind">
                <KindIcon kind={item.kind} title={kindName(item.kind)} />
              </span>
              <span class="name" title={itemLabel(item)}>{itemLabel(item)}</span>
              {differs && <span class={`diff-badge diff-${differs}`} title={t(`prod.diff_${differs}`)}>{differs === 'added' ? '+' : '~'}</span>}
              <span class="actions" onClick={(e) => e.stopPropagation()}>
                <button type="button" class="icon" title={t('layers.visible')} aria-label={t('layers.visible')} aria-pressed={item.visible} disabled={!editable} onClick={() => client.change(item.id, { visible: !item.visible })}>
                  <Icon name={item.visible ? 'eye' : 'eyeOff'} />
                </button>
                <button type="button" class="icon" title={t('layers.lock')} aria-label={t('layers.lock')} aria-pressed={item.locked} disabled={!editable} onClick={() => client.change(item.id, { locked: !item.locked })}>
                  <Icon name={item.locked ? 'lock' : 'unlock'} />
                </button>
                {/* The rarer actions live in a row menu, so the name keeps its width. */}
                {(editable || client.may('add')) && (
                  <details class="row-menu">
                    <summary class="icon" title={t('layers.more')} aria-label={t('layers.more')}>
                      <Icon name="more" />
                    </summary>
                    <div class="menu" onClick={(e) => (e.currentTarget.parentElement as HTMLDetailsElement).removeAttribute('open')}>
                      {editable && <button type="button" onClick={() => client.toEdge(item.id, 'bringToFront')}>{t('layers.front')}</button>}
                      {editable && <button type="button" onClick={() => client.toEdge(item.id, 'sendToBack')}>{t('layers.back')}</button>}
                      {client.may('add') && <button type="button" onClick={() => client.select(client.duplicate(item.id) ?? null)}>{t('layers.duplicate')}</button>}
                      {client.may('remove', item) && <button type="button" class="danger" data-action="remove" onClick={() => client.remove(item.id)}>{t('layers.remove')}</button>}
                    </div>
                  </details>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      {diff && diff.removed.length > 0 && (
        <ul class="removed-in-draft" aria-label={t('prod.diff_removed')}>
          {diff.removed.map((item) => (
            <li key={item.id} class="layer diff-removed" data-layer-removed={item.id} data-diff-kind="removed" title={t('prod.diff_removed')}>
              <span class="kind">
                <KindIcon kind={item.kind} title={kindName(item.kind)} />
              </span>
              <span class="name">{itemLabel(item)}</span>
              <span class="diff-badge diff-removed">−</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
