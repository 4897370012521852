/**
 * Every field of the selected item's kind. Typing is shown at once and sent after a short
 * quiet time as one op (and one undo step); toggles and selects are sent immediately.
 */
import type { ComponentChildren } from 'preact';
import { CheckField, InputField, NumberField, Row, SliderField } from './fields.tsx';
import { MediaLookFields, OverflowWarning, TextStyleFields } from './properties-style.tsx';
import { MotionFields, ShowForField, TimerFields, TransportFields } from './properties-time.tsx';
import { t } from './i18n.ts';
import { kindName } from './item-label.ts';
import type { ItemFields } from './op-sender.ts';
import type { SceneClient } from './scene-client.ts';
import { ItemUndo } from './item-undo.tsx';

const TYPING_DEBOUNCE_MS = 300;

export function Properties({ client }: { client: SceneClient }) {
  const item = client.item(client.selection);
  if (!item) {
    return (
      <section class="card properties">
        <h2>{t('props.title')}</h2>
        <p class="muted">{t('props.none')}</p>
      </section>
    );
  }
  const typed = (changes: ItemFields) => client.edit(item.id, changes, TYPING_DEBOUNCE_MS);
  const set = (changes: ItemFields) => client.change(item.id, changes);
  // Keyed by id: drafts of one item's fields never leak into the next one's.
  const media = item.kind === 'video' || item.kind === 'audio';
  // Outside the session's scopes or items filter: every field shows, none can change.
  const editable = client.may('patch', item);
  return (
    <section class="card properties" key={item.id} data-properties={item.id}>
      <h2>
        {t('props.title')} · {kindName(item.kind)}
      </h2>
      <ItemUndo client={client} item={item} />
      {!editable && <p class="muted" data-read-only>{t('prod.read_only')}</p>}
      <fieldset class="plain" disabled={!editable}>
        <InputField label={t('props.name')} name="name" value={item.name} onValue={(name) => typed({ name })} maxLength={120} />
        {item.kind === 'text' && <InputField label={t('props.text')} name="text" multiline value={item.text} onValue={(text) => typed({ text })} maxLength={2000} />}
        {(item.kind === 'text' || item.kind === 'timer') && <OverflowWarning id={item.id} />}
        {item.kind === 'timer' && <TimerFields item={item} client={client} set={set} />}
        {media && <TransportFields item={item} client={client} set={set} />}
        {(item.kind === 'image' || media) && (
          <InputField label={t('props.src')} name="src" value={item.src} onValue={(src) => typed({ src })} maxLength={2048} />
        )}
        {media && (
          <Row>
            <SliderField label={t('props.volume')} name="volume" value={item.volume ?? 1} min={0} max={1} step={0.05} onNumber={(volume) => typed({ volume })} />
            <CheckField label={t('props.loop')} name="loop" checked={item.loop ?? false} onChange={(loop) => set({ loop })} />
            <CheckField label={t('props.muted')} name="muted" checked={item.muted ?? false} onChange={(muted) => set({ muted })} />
          </Row>
        )}
        {item.kind === 'webrtc' && (
          <Row>
            <InputField label={t('props.webrtcRoom')} name="webrtcRoom" value={item.webrtcRoom} onValue={(webrtcRoom) => webrtcRoom && typed({ webrtcRoom })} maxLength={64} />
            <InputField label={t('props.webrtcToken')} name="webrtcToken" type="password" value={item.webrtcToken} onValue={(webrtcToken) => typed({ webrtcToken })} />
          </Row>
        )}
        <Row>
          <CheckField label={t('props.visible')} name="visible" checked={item.visible} onChange={(visible) => set({ visible })} />
          <CheckField label={t('props.locked')} name="locked" checked={item.locked} onChange={(locked) => set({ locked })} />
        </Row>
        <ShowForField item={item} set={set} />
        <Group title={t('props.layout')} open>
          <Row>
            {(['x', 'y', 'w', 'h'] as const).map((key) => (
              <NumberField key={key} label={key} name={key} value={item[key]} min={key === 'w' || key === 'h' ? 0 : -100000} max={100000} onNumber={(n) => typed({ [key]: n })} />
            ))}
          </Row>
          <SliderField label={t('props.rotation')} name="rotation" value={item.rotation} min={-180} max={180} onNumber={(rotation) => typed({ rotation })} />
          <SliderField label={t('props.opacity')} name="opacity" value={item.opacity} min={0} max={1} step={0.05} onNumber={(opacity) => typed({ opacity })} />
        </Group>
        {(item.kind === 'text' || item.kind === 'timer') && (
          <Group title={t('props.textStyle')} open>
            <TextStyleFields item={item} typed={typed} set={set} />
          </Group>
        )}
        {item.kind !== 'text' && item.kind !== 'timer' && (
          <Group title={t('props.look')}>
            <MediaLookFields item={item} typed={typed} set={set} />
          </Group>
        )}
        <Group title={t('props.motion')}>
          <MotionFields item={item} set={set} />
        </Group>
      </fieldset>
    </section>
  );
}

function Group({ title, open, children }: { title: string; open?: boolean; children: ComponentChildren }) {
  return (
    <details class="group" open={open}>
      <summary>{title}</summary>
      {children}
    </details>
  );
}
