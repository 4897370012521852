/**
 * The allowed values of the styling fields, as plain data: item-style.ts builds the schemas
 * from these, and pages import them without pulling valibot into their bundles.
 */
export const FONT_WEIGHTS = ['normal', 'bold', 100, 200, 300, 400, 500, 600, 700, 800, 900] as const;
export const VALIGNS = ['top', 'middle', 'bottom'] as const;
export const MEDIA_FITS = ['contain', 'cover', 'fill'] as const;
export const MOTION_EFFECTS = ['none', 'fade', 'slide-up', 'slide-down', 'slide-left', 'slide-right', 'zoom', 'pop'] as const;
export const MOTION_EASINGS = ['linear', 'ease', 'ease-in', 'ease-out', 'ease-in-out'] as const;
export const MAX_MOTION_MS = 5000;

export type MotionEffect = (typeof MOTION_EFFECTS)[number];

/** A font from the media library; the renderer loads it with @font-face (the FontFace API). */
export const UPLOADED_FONT = /^\/uploads\/([0-9a-f]{64})\.(?:woff2|woff|ttf|otf)$/;

/** System font stacks that look alike on Windows (OBS), macOS and Linux without a download. */
export const FONT_STACKS: readonly [label: string, stack: string][] = [
  ['Sans', 'system-ui, "Segoe UI", Roboto, Arial, sans-serif'],
  ['Serif', 'Georgia, "Times New Roman", serif'],
  ['Mono', 'ui-monospace, Consolas, "DejaVu Sans Mono", monospace'],
  ['Condensed', '"Arial Narrow", "Roboto Condensed", sans-serif-condensed, sans-serif'],
  ['Impact', 'Impact, "Arial Black", sans-serif'],
  ['Rounded', '"Segoe UI Rounded", "Nunito", "Comic Sans MS", sans-serif'],
];
