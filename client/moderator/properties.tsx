/**
 * Every field of the selected item's kind. Typing is shown at once and sent after a short
 * quiet time as one op (and one undo step); toggles and selects are sent immediately.
 */
import type { Item } from '../../src/protocol/scene.ts';
import { CheckField, ColorField, InputField, NumberField, Row, SelectField } from './fields.tsx';
import { t } from './i18n.ts';
import { kindName } from './item-label.ts';
import type { ItemFields } from './op-sender.ts';
import type { SceneClient } from './scene-client.ts';

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
  return (
    <section class="card properties" key={item.id} data-properties={item.id}>
      <h2>
        {t('props.title')} · {kindName(item.kind)}
      </h2>
      <InputField label={t('props.name')} name="name" value={item.name} onValue={(name) => typed({ name })} maxLength={120} />
      {item.kind === 'text' && <TextFields item={item} typed={typed} set={set} />}
      {(item.kind === 'image' || item.kind === 'video' || item.kind === 'audio') && (
        <InputField label={t('props.src')} name="src" value={item.src} onValue={(src) => typed({ src })} maxLength={2048} />
      )}
      {(item.kind === 'video' || item.kind === 'audio') && (
        <Row>
          <NumberField label={t('props.volume')} name="volume" value={item.volume ?? 1} min={0} max={1} step={0.05} onNumber={(volume) => typed({ volume })} />
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
        {(['x', 'y', 'w', 'h'] as const).map((key) => (
          <NumberField key={key} label={key} name={key} value={item[key]} min={key === 'w' || key === 'h' ? 0 : -100000} max={100000} onNumber={(n) => typed({ [key]: n })} />
        ))}
      </Row>
      <Row>
        <NumberField label={t('props.rotation')} name="rotation" value={item.rotation} min={-3600} max={3600} onNumber={(rotation) => typed({ rotation })} />
        <NumberField label={t('props.opacity')} name="opacity" value={item.opacity} min={0} max={1} step={0.05} onNumber={(opacity) => typed({ opacity })} />
      </Row>
      <Row>
        <CheckField label={t('props.visible')} name="visible" checked={item.visible} onChange={(visible) => set({ visible })} />
        <CheckField label={t('props.locked')} name="locked" checked={item.locked} onChange={(locked) => set({ locked })} />
      </Row>
    </section>
  );
}

function TextFields({ item, typed, set }: { item: Item; typed(changes: ItemFields): void; set(changes: ItemFields): void }) {
  return (
    <>
      <InputField label={t('props.text')} name="text" multiline value={item.text} onValue={(text) => typed({ text })} maxLength={2000} />
      <Row>
        <InputField label={t('props.fontFamily')} name="fontFamily" value={item.fontFamily} onValue={(fontFamily) => typed({ fontFamily })} maxLength={256} />
        <NumberField label={t('props.fontSize')} name="fontSize" value={item.fontSize ?? 48} min={1} max={1000} onNumber={(fontSize) => typed({ fontSize })} />
      </Row>
      <Row>
        <SelectField
          label={t('props.fontWeight')}
          value={item.fontWeight ?? 'normal'}
          options={[['normal', t('props.normal')], ['bold', t('props.bold')]]}
          onChange={(fontWeight) => set({ fontWeight })}
        />
        <SelectField
          label={t('props.align')}
          value={item.align ?? 'left'}
          options={[['left', t('props.left')], ['center', t('props.center')], ['right', t('props.right')]]}
          onChange={(align) => set({ align })}
        />
      </Row>
      <Row>
        <ColorField label={t('props.color')} value={item.color} onText={(color) => typed({ color })} onPick={(color) => set({ color })} />
        <ColorField label={t('props.bg')} value={item.bg} onText={(bg) => typed({ bg })} onPick={(bg) => set({ bg })} />
      </Row>
    </>
  );
}
