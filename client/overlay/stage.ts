import { CANVAS_HEIGHT, CANVAS_WIDTH } from '../../src/protocol/constants.ts';

/** Scale the canvas-sized stage to fit the window, centred with letterbox bars. */
export function fitStage(stage: HTMLElement): void {
  const fit = () => {
    const scale = Math.min(innerWidth / CANVAS_WIDTH, innerHeight / CANVAS_HEIGHT);
    const left = (innerWidth - CANVAS_WIDTH * scale) / 2;
    const top = (innerHeight - CANVAS_HEIGHT * scale) / 2;
    stage.style.transform = `translate(${left}px, ${top}px) scale(${scale})`;
  };
  fit();
  addEventListener('resize', fit);
}
