/** Property sections for how an item looks: text styling (with fonts) and media framing. */
import { useEffect, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import { FONT_STACKS, FONT_WEIGHTS, MEDIA_FITS, VALIGNS } from '../../src/protocol/style-options.ts';
import { CheckField, ColorField, NumberField, Row, SelectField, SliderField } from './fields.tsx';
import { sessionApi } from './api.ts';
import { t, type MessageKey } from './i18n.ts';
import type { ItemFields } from './op-sender.ts';

interface SectionProps {
  item: Item;
  typed(changes: ItemFields): void;
  set(changes: ItemFields): void;
}

/** System stacks plus the fonts in the media library (loaded with @font-face by the renderer). */
function useFontOptions(current: string | undefined): [string, string][] {
  const [uploaded, setUploaded] = useState<[string, string][]>([]);
  useEffect(() => {
    sessionApi<{ files: { name: string; path: string; mime: string | null }[] }>('/api/uploads').then(
      (res) => setUploaded(res.files.filter((f) => f.mime?.startsWith('font/')).map((f) => [f.path, f.name])),
      () => setUploaded([]),
    );
  }, []);
  const options: [string, string][] = [...FONT_STACKS.map(([label, stack]) => [stack, label] as [string, string]), ...uploaded];
  if (current && !options.some(([value]) => value === current)) options.unshift([current, current]);
  return options;
}

export function TextStyleFields({ item, typed, set }: SectionProps) {
  const fonts = useFontOptions(item.fontFamily);
  const weights = FONT_WEIGHTS.map((w) => [String(w), typeof w === 'number' ? String(w) : t(`props.${w}` as MessageKey)] as [string, string]);
  return (
    <>
      <Row>
        <SelectField label={t('props.fontFamily')} value={item.fontFamily ?? FONT_STACKS[0]![1]} options={fonts} onChange={(fontFamily) => set({ fontFamily })} />
        <NumberField label={t('props.fontSize')} name="fontSize" value={item.fontSize ?? 48} min={1} max={1000} onNumber={(fontSize) => typed({ fontSize })} />
      </Row>
      <Row>
        <SelectField
          label={t('props.fontWeight')}
          value={String(item.fontWeight ?? 'normal')}
          options={weights}
          onChange={(w) => set({ fontWeight: (/^\d+$/.test(w) ? Number(w) : w) as Item['fontWeight'] })}
        />
        <CheckField label={t('props.italic')} name="italic" checked={item.italic ?? false} onChange={(italic) => set({ italic })} />
        <CheckField label={t('props.autoFit')} name="autoFit" checked={item.autoFit ?? false} onChange={(autoFit) => set({ autoFit })} />
      </Row>
      <Row>
        <SelectField label={t('props.align')} value={item.align ?? 'left'} options={[['left', t('props.left')], ['center', t('props.center')], ['right', t('props.right')]]} onChange={(align) => set({ align })} />
        <SelectField label={t('props.valign')} value={item.valign ?? 'top'} options={VALIGNS.map((v) => [v, t(`props.valign_${v}`)])} onChange={(valign) => set({ valign })} />
        <NumberField label={t('props.lineHeight')} name="lineHeight" value={item.lineHeight ?? 1.2} min={0.5} max={3} step={0.1} onNumber={(lineHeight) => typed({ lineHeight })} />
      </Row>
      <Row>
        <ColorField label={t('props.color')} value={item.color} onText={(color) => typed({ color })} onPick={(color) => set({ color })} />
        <ColorField label={t('props.bg')} value={item.bg} noneLabel={t('props.none_colour')} onText={(bg) => typed({ bg })} onPick={(bg) => set({ bg })} />
      </Row>
      <h3>{t('props.outline')}</h3>
      <Row>
        <SliderField label={t('props.strokeWidth')} name="strokeWidth" value={item.strokeWidth ?? 0} min={0} max={20} onNumber={(strokeWidth) => typed({ strokeWidth })} />
        <ColorField label={t('props.strokeColor')} value={item.strokeColor} noneLabel={t('props.none_colour')} onText={(strokeColor) => typed({ strokeColor })} onPick={(strokeColor) => set({ strokeColor })} />
      </Row>
      <h3>{t('props.shadow')}</h3>
      <Row>
        <ColorField label={t('props.shadowColor')} value={item.shadowColor} noneLabel={t('props.none_colour')} onText={(shadowColor) => typed({ shadowColor })} onPick={(shadowColor) => set({ shadowColor })} />
        <SliderField label={t('props.shadowBlur')} name="shadowBlur" value={item.shadowBlur ?? 0} min={0} max={100} onNumber={(shadowBlur) => typed({ shadowBlur })} />
      </Row>
      <Row>
        <SliderField label="X" name="shadowX" value={item.shadowX ?? 0} min={-100} max={100} onNumber={(shadowX) => typed({ shadowX })} />
        <SliderField label="Y" name="shadowY" value={item.shadowY ?? 0} min={-100} max={100} onNumber={(shadowY) => typed({ shadowY })} />
      </Row>
    </>
  );
}

export function MediaLookFields({ item, typed, set }: SectionProps) {
  return (
    <>
      {item.kind !== 'audio' && (
        <Row>
          <SelectField label={t('props.fit')} value={item.fit ?? 'contain'} options={MEDIA_FITS.map((f) => [f, t(`props.fit_${f}`)])} onChange={(fit) => set({ fit })} />
          <NumberField label={t('props.radius')} name="radius" value={item.radius ?? 0} min={0} max={10000} onNumber={(radius) => typed({ radius })} />
        </Row>
      )}
      <Row>
        <SliderField label={t('props.borderWidth')} name="borderWidth" value={item.borderWidth ?? 0} min={0} max={50} onNumber={(borderWidth) => typed({ borderWidth })} />
        <ColorField label={t('props.borderColor')} value={item.borderColor} noneLabel={t('props.none_colour')} onText={(borderColor) => typed({ borderColor })} onPick={(borderColor) => set({ borderColor })} />
      </Row>
    </>
  );
}

/** The canvas flags text that is clipped by its box (renderer's data-overflow): say so here. */
export function OverflowWarning({ id }: { id: string }) {
  const [clipped, setClipped] = useState(false);
  useEffect(() => {
    const check = () => setClipped(document.querySelector(`.canvas-stage [data-id="${CSS.escape(id)}"] .text-box[data-overflow]`) !== null);
    check();
    const handle = setInterval(check, 500);
    return () => clearInterval(handle);
  }, [id]);
  return clipped ? (
    <p class="notice" role="status" data-overflow-warning>
      {t('props.overflow')}
    </p>
  ) : null;
}
