/**
 * Dragging a file from the media library onto the canvas: the library row says what to add
 * when dragging starts, the canvas says where when it is dropped. An in-page handoff, so no
 * file data or path has to round-trip through the DataTransfer text.
 */
export const LIBRARY_DRAG_TYPE = 'application/x-stream-overlay-media';

let pending: ((at: { x: number; y: number }) => void) | null = null;

export function startLibraryDrag(e: DragEvent, add: (at: { x: number; y: number }) => void): void {
  pending = add;
  e.dataTransfer?.setData(LIBRARY_DRAG_TYPE, '1');
  if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
}

export const endLibraryDrag = () => void (pending = null);

export const isLibraryDrag = (e: DragEvent) => pending !== null && (e.dataTransfer?.types.includes(LIBRARY_DRAG_TYPE) ?? false);

/** Drop at a canvas point; false when nothing from the library was being dragged. */
export function dropLibraryItem(at: { x: number; y: number }): boolean {
  const add = pending;
  pending = null;
  add?.(at);
  return add !== null;
}
