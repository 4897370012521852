import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cascadePosition, moveRect, resizeRect } from './geometry.ts';

const geometry = suite('moderator canvas geometry');
const snap = { grid: 8, enabled: true };
const off = { grid: 8, enabled: false };
const box = { x: 100, y: 100, w: 200, h: 100 };

geometry('moves snap to the grid, and harder to canvas edges and centre', () => {
  assert.equal(moveRect(box, 13, 2, snap), { x: 112, y: 104 });
  assert.equal(moveRect(box, 13, 2, off), { x: 113, y: 102 });
  assert.equal(moveRect(box, -95, 0, snap).x, 0, 'left edge');
  assert.equal(moveRect(box, 1915 - 300, 0, snap).x, 1720, 'right edge: x + w = 1920');
  assert.equal(moveRect(box, 757, 0, snap).x, 860, 'horizontal centre: (1920 - 200) / 2');
});

geometry('resize moves only the dragged edges; Shift keeps the aspect ratio', () => {
  assert.equal(resizeRect(box, 'se', 40, 12, false, off), { x: 100, y: 100, w: 240, h: 112 });
  assert.equal(resizeRect(box, 'nw', -20, 0, false, off), { x: 80, y: 100, w: 220, h: 100 });
  assert.equal(resizeRect(box, 'se', 100, 0, true, off), { x: 100, y: 100, w: 300, h: 150 });
  assert.equal(resizeRect(box, 'e', 100, 0, true, off), { x: 100, y: 75, w: 300, h: 150 }, 'edge grows the other axis about its centre');
  assert.equal(resizeRect(box, 'w', 500, 0, false, off).w, 8, 'never below the minimum size, never flipped');
});

geometry('cascade: a new item never lands exactly on an existing one, and stays on the canvas', () => {
  const items: { x: number; y: number }[] = [];
  for (let i = 0; i < 30; i++) items.push(cascadePosition(items, 640, 120));
  assert.is(new Set(items.map((p) => `${p.x},${p.y}`)).size, 30);
  assert.ok(items.every((p) => p.x >= 0 && p.y >= 0 && p.x + 640 <= 1920 && p.y + 120 <= 1080));
});

geometry.run();
