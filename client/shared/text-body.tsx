/**
 * A text item's box: font, stroke, shadow, line height, vertical alignment, and `autoFit`
 * (shrink the font until the text fits; never overflow silently). Timers use the same look.
 * Text is always a text child, never markup: scene text comes from moderators.
 */
import type { JSX } from 'preact';
import { useLayoutEffect, useReducer, useRef } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import { fontFamilyFor } from './fonts.ts';

const JUSTIFY = { top: 'flex-start', middle: 'center', bottom: 'flex-end' } as const;
const MIN_FIT_PX = 4;

export function textStyle(item: Item, fontFamily: string): JSX.CSSProperties {
  const stroke = item.strokeWidth ?? 0;
  const shadow = item.shadowColor && (item.shadowBlur || item.shadowX || item.shadowY);
  return {
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    fontSize: item.fontSize ?? 48,
    fontFamily,
    fontWeight: item.fontWeight ?? 'normal',
    fontStyle: item.italic ? 'italic' : undefined,
    lineHeight: item.lineHeight ?? undefined,
    textAlign: item.align ?? 'left',
    color: item.color || '#fff',
    // The stroke is drawn under the fill, so a wide outline does not eat thin letters.
    ...(stroke > 0 ? { '-webkit-text-stroke': `${stroke}px ${item.strokeColor || '#000'}`, paintOrder: 'stroke fill' } : {}),
    textShadow: shadow ? `${item.shadowX ?? 0}px ${item.shadowY ?? 0}px ${item.shadowBlur ?? 0}px ${item.shadowColor}` : undefined,
  } as JSX.CSSProperties;
}

export function TextBody({ item, text }: { item: Item; text?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const [fonts, fontLoaded] = useReducer((n: number) => n + 1, 0);
  const family = fontFamilyFor(item.fontFamily, () => fontLoaded(undefined));
  const shown = text ?? item.text ?? '';
  const size = item.fontSize ?? 48;

  // Measured after layout, applied to the live node: fitting must not cost a re-render per step.
  useLayoutEffect(() => {
    const outer = box.current!;
    const el = inner.current!;
    el.style.fontSize = `${size}px`;
    const overflows = () => el.scrollHeight > outer.clientHeight + 1 || el.scrollWidth > outer.clientWidth + 1;
    if (item.autoFit && overflows()) {
      let lo = MIN_FIT_PX;
      let hi = size;
      while (hi - lo > 0.5) {
        const mid = (lo + hi) / 2;
        el.style.fontSize = `${mid}px`;
        if (overflows()) hi = mid;
        else lo = mid;
      }
      el.style.fontSize = `${lo}px`;
    }
    // Panels warn about clipped text; the overlay just clips.
    outer.toggleAttribute('data-overflow', overflows());
  }, [shown, size, family, fonts, item.autoFit, item.w, item.h, item.lineHeight, item.fontWeight, item.italic, item.strokeWidth]);

  const outer: JSX.CSSProperties = {
    display: 'flex',
    flexDirection: 'column',
    justifyContent: JUSTIFY[item.valign ?? 'top'],
    width: '100%',
    height: '100%',
    overflow: 'hidden',
    background: item.bg || undefined,
  };
  return (
    <div ref={box} class="text-box" style={outer}>
      <div ref={inner} class="text-body" style={textStyle(item, family)}>
        {shown}
      </div>
    </div>
  );
}
