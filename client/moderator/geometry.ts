/**
 * Canvas geometry for the panel: snapping and resize math, in 1920×1080 canvas units. Pure, so
 * it is the same whether the canvas is drawn at 40 % or 100 %.
 */
import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** Within this many canvas px an edge or centre line pulls harder than the grid. */
export const EDGE_SNAP = 12;
const MIN_SIZE = 8;

export interface Snap {
  /** Grid step in canvas px; 0 or 1 means no grid. */
  grid: number;
  /** Off while Alt is held, or when the moderator switched snapping off. */
  enabled: boolean;
}

/** One coordinate: canvas edges and centre first (what matters on stream), else the grid. */
function snapAxis(pos: number, size: number, span: number, snap: Snap): number {
  if (!snap.enabled) return Math.round(pos);
  for (const target of [0, span - size, (span - size) / 2]) {
    if (Math.abs(pos - target) <= EDGE_SNAP) return Math.round(target);
  }
  return toGrid(pos, snap.grid);
}

/** One edge of a resized box: the canvas edges and centre line, else the grid. */
function snapEdge(pos: number, span: number, snap: Snap): number {
  if (!snap.enabled) return Math.round(pos);
  for (const target of [0, span, span / 2]) if (Math.abs(pos - target) <= EDGE_SNAP) return target;
  return toGrid(pos, snap.grid);
}

const toGrid = (value: number, grid: number) => (grid > 1 ? Math.round(value / grid) * grid : Math.round(value));

/** Where a box dragged by (dx, dy) from `start` lands. */
export function moveRect(start: Rect, dx: number, dy: number, snap: Snap): { x: number; y: number } {
  return {
    x: snapAxis(start.x + dx, start.w, CANVAS_WIDTH, snap),
    y: snapAxis(start.y + dy, start.h, CANVAS_HEIGHT, snap),
  };
}

/**
 * The box after dragging `handle` by (dx, dy). The opposite edge stays put; with
 * `keepAspect` a corner follows the larger relative change, an edge grows the other axis
 * about its centre.
 */
export function resizeRect(start: Rect, handle: Handle, dx: number, dy: number, keepAspect: boolean, snap: Snap): Rect {
  let left = start.x;
  let top = start.y;
  let right = start.x + start.w;
  let bottom = start.y + start.h;
  if (handle.includes('w')) left = Math.min(snapEdge(left + dx, CANVAS_WIDTH, snap), right - MIN_SIZE);
  if (handle.includes('e')) right = Math.max(snapEdge(right + dx, CANVAS_WIDTH, snap), left + MIN_SIZE);
  if (handle.includes('n')) top = Math.min(snapEdge(top + dy, CANVAS_HEIGHT, snap), bottom - MIN_SIZE);
  if (handle.includes('s')) bottom = Math.max(snapEdge(bottom + dy, CANVAS_HEIGHT, snap), top + MIN_SIZE);

  if (keepAspect && start.w > 0 && start.h > 0) {
    const ratio = start.w / start.h;
    let w = right - left;
    let h = bottom - top;
    const corner = handle.length === 2;
    if (corner) {
      if (w / start.w >= h / start.h) h = w / ratio;
      else w = h * ratio;
      if (handle.includes('w')) left = right - w;
      else right = left + w;
      if (handle.includes('n')) top = bottom - h;
      else bottom = top + h;
    } else if (handle === 'e' || handle === 'w') {
      h = w / ratio;
      top = start.y + (start.h - h) / 2;
      bottom = top + h;
    } else {
      w = h * ratio;
      left = start.x + (start.w - w) / 2;
      right = left + w;
    }
  }
  return { x: Math.round(left), y: Math.round(top), w: Math.round(right - left), h: Math.round(bottom - top) };
}

/** A box of `w`×`h` centred on the canvas (media added from the library). */
export function centred(w: number, h: number): Rect {
  return { x: Math.round((CANVAS_WIDTH - w) / 2), y: Math.round((CANVAS_HEIGHT - h) / 2), w, h };
}

/** Fit natural media dimensions into at most half the canvas, keeping the aspect ratio. */
export function fitSize(naturalW: number, naturalH: number): { w: number; h: number } {
  if (!(naturalW > 0 && naturalH > 0)) return { w: 640, h: 360 };
  const scale = Math.min(1, CANVAS_WIDTH / 2 / naturalW, CANVAS_HEIGHT / 2 / naturalH);
  return { w: Math.max(MIN_SIZE, Math.round(naturalW * scale)), h: Math.max(MIN_SIZE, Math.round(naturalH * scale)) };
}

/** Where a new item goes: centred, then stepped down-right past every item already there. */
export function cascadePosition(items: readonly { x: number; y: number }[], w: number, h: number, step = 40): { x: number; y: number } {
  let x = Math.round((CANVAS_WIDTH - w) / 2);
  let y = Math.round((CANVAS_HEIGHT - h) / 2);
  for (let i = 0; i < 50 && items.some((item) => item.x === x && item.y === y); i++) {
    x += step;
    y += step;
    // Off the canvas: start a new diagonal from the top left.
    if (x + w > CANVAS_WIDTH || y + h > CANVAS_HEIGHT) {
      x = step * (i % 10);
      y = step * ((i + 1) % 10);
    }
  }
  return { x, y };
}
