/**
 * How an item looks and moves: text styling, media framing and show/hide motion. Spread into
 * the item's changeable fields in scene.ts; every client renders these the same way.
 */
import * as v from 'valibot';
import { isCssColor } from './css-color.ts';
import { FONT_WEIGHTS, MAX_MOTION_MS, MEDIA_FITS, MOTION_EASINGS, MOTION_EFFECTS, VALIGNS } from './style-options.ts';

export { FONT_WEIGHTS, MAX_MOTION_MS, MEDIA_FITS, MOTION_EASINGS, MOTION_EFFECTS, VALIGNS };
export type { MotionEffect } from './style-options.ts';

const bounded = (name: string, min: number, max: number) =>
  v.pipe(v.number(`${name} must be a number`), v.finite(`${name} must be finite`), v.minValue(min, `${name} is at least ${min}`), v.maxValue(max, `${name} is at most ${max}`));
// CSS colours only, like `color`/`bg`: never `url(` (OBS would fetch it) or `;`.
const colour = (name: string) =>
  v.pipe(v.string(`${name} must be a string`), v.maxLength(64), v.check(isCssColor, `${name} must be a CSS colour: #hex, rgb(), rgba(), hsl(), hsla(), a colour name or transparent`));
const flag = (name: string) => v.boolean(`${name} must be true or false`);

/** `normal`, `bold` or a numeric weight 100–900 in steps of 100 (what every font file offers). */
export const FontWeight = v.picklist(FONT_WEIGHTS, 'fontWeight must be normal, bold or 100–900 in steps of 100');

export const Motion = v.object({
  effect: v.picklist(MOTION_EFFECTS, `effect must be one of ${MOTION_EFFECTS.join(', ')}`),
  ms: v.pipe(v.number('ms must be a number'), v.finite('ms must be finite'), v.minValue(0), v.maxValue(MAX_MOTION_MS, `ms is at most ${MAX_MOTION_MS}`)),
  easing: v.optional(v.picklist(MOTION_EASINGS, `easing must be one of ${MOTION_EASINGS.join(', ')}`)),
});
export type Motion = v.InferOutput<typeof Motion>;

export const styleFields = {
  strokeWidth: v.optional(bounded('strokeWidth', 0, 20)),
  strokeColor: v.optional(colour('strokeColor')),
  shadowColor: v.optional(colour('shadowColor')),
  shadowBlur: v.optional(bounded('shadowBlur', 0, 100)),
  shadowX: v.optional(bounded('shadowX', -100, 100)),
  shadowY: v.optional(bounded('shadowY', -100, 100)),
  lineHeight: v.optional(bounded('lineHeight', 0.5, 3)),
  valign: v.optional(v.picklist(VALIGNS, 'valign must be top, middle or bottom')),
  autoFit: v.optional(flag('autoFit')),
  italic: v.optional(flag('italic')),
  fit: v.optional(v.picklist(MEDIA_FITS, 'fit must be contain, cover or fill')),
  radius: v.optional(bounded('radius', 0, 10_000)),
  borderWidth: v.optional(bounded('borderWidth', 0, 200)),
  borderColor: v.optional(colour('borderColor')),
  enter: v.optional(Motion),
  exit: v.optional(Motion),
};
