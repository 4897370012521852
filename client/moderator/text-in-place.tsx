/**
 * Double-click a text item on the canvas to edit its text where it is: a textarea over the
 * item, in the item's own font and size (canvas space, so the stage's scale applies). Blur
 * or Ctrl+Enter saves as one op (one undo step); Escape leaves the text as it was.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import type { SceneClient } from './scene-client.ts';

export function TextInPlace({ item, client, onDone }: { item: Item; client: SceneClient; onDone(): void }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const cancelled = useRef(false);
  useLayoutEffect(() => {
    const el = ref.current!;
    el.focus();
    el.select();
  }, []);
  const finish = () => {
    const text = ref.current!.value;
    if (!cancelled.current && text !== (item.text ?? '')) client.change(item.id, { text });
    onDone();
  };
  return (
    <textarea
      ref={ref}
      class="text-in-place"
      data-editing={item.id}
      defaultValue={item.text ?? ''}
      maxLength={2000}
      style={{
        left: item.x,
        top: item.y,
        width: item.w,
        height: item.h,
        fontSize: item.fontSize ?? 48,
        fontFamily: item.fontFamily || 'sans-serif',
        textAlign: item.align ?? 'left',
        lineHeight: item.lineHeight ?? 'normal',
      }}
      onPointerDown={(e) => e.stopPropagation()}
      onBlur={finish}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') {
          cancelled.current = true;
          ref.current!.blur();
        } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          ref.current!.blur();
        }
      }}
    />
  );
}
