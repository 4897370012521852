/** Property sections for what runs in time: transport, "show for N s", timers and motion. */
import { useEffect, useReducer, useState } from 'preact/hooks';
import type { Item } from '../../src/protocol/scene.ts';
import type { Motion } from '../../src/protocol/item-style.ts';
import { MAX_MOTION_MS, MOTION_EFFECTS } from '../../src/protocol/style-options.ts';
import { mediaPosition } from '../../src/protocol/timeline.ts';
import { serverClock } from '../shared/server-clock.ts';
import { timerText } from '../shared/timer-format.ts';
import { CheckField, NumberField, Row, SelectField } from './fields.tsx';
import { Icon, type IconName } from './icons.tsx';
import { t, type MessageKey } from './i18n.ts';
import type { ItemFields } from './op-sender.ts';
import type { SceneClient } from './scene-client.ts';

interface SectionProps {
  item: Item;
  client: SceneClient;
  set(changes: ItemFields): void;
}

/** Re-render every `ms` while `active`: progress bars and timers read the server clock. */
function useTicker(active: boolean, ms = 250): void {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    if (!active) return;
    const handle = setInterval(() => tick(undefined), ms);
    return () => clearInterval(handle);
  }, [active, ms]);
}

/** The length of a clip, read from the panel's own copy of it on the canvas. */
function clipDuration(id: string): number {
  const el = document.querySelector<HTMLMediaElement>(`.canvas-stage [data-id="${CSS.escape(id)}"] video, .canvas-stage [data-id="${CSS.escape(id)}"] audio`);
  return el && Number.isFinite(el.duration) ? el.duration : NaN;
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

export function TransportFields({ item, client, set }: SectionProps) {
  const playback = item.playback;
  useTicker(playback?.state === 'playing');
  const duration = clipDuration(item.id);
  const raw = playback ? mediaPosition(playback, serverClock.now()) : 0;
  const position = Number.isNaN(duration) ? raw : item.loop ? raw % duration : Math.min(raw, duration);
  const cue = (action: 'play' | 'pause' | 'restart' | 'stop') => client.command({ type: 'cue', id: item.id, action });
  const buttons: [IconName, 'play' | 'pause' | 'restart' | 'stop'][] = [['play', 'play'], ['pause', 'pause'], ['restart', 'restart'], ['stop', 'stop']];
  return (
    <div class="transport" data-transport={playback?.state ?? 'none'}>
      <div class="transport-buttons">
        {buttons.map(([icon, action]) => (
          <button key={action} type="button" class="icon-button" data-cue={action} title={t(`cue.${action}` as MessageKey)} aria-label={t(`cue.${action}` as MessageKey)} onClick={() => cue(action)}>
            <Icon name={icon} />
          </button>
        ))}
        <span class="muted transport-time">
          {clock(position)}
          {!Number.isNaN(duration) && ` / ${clock(duration)}`}
        </span>
      </div>
      <progress max={Number.isNaN(duration) ? 1 : duration} value={Number.isNaN(duration) ? 0 : position} aria-label={t('cue.progress')} />
      <Row>
        <CheckField label={t('props.autoHide')} name="autoHide" checked={item.autoHide ?? false} onChange={(autoHide) => set({ autoHide })} />
      </Row>
    </div>
  );
}

/** "Show for N s": visible now, and the room hides it at server time now + N s. */
export function ShowForField({ item, set }: Omit<SectionProps, 'client'>) {
  const [seconds, setSeconds] = useState(10);
  useTicker(typeof item.hideAt === 'number', 500);
  const left = typeof item.hideAt === 'number' ? Math.max(0, Math.ceil((item.hideAt - serverClock.now()) / 1000)) : null;
  return (
    <Row>
      <NumberField label={t('props.showFor')} name="showFor" value={seconds} min={1} max={86_400} onNumber={setSeconds} />
      <button type="button" data-action="show-for" onClick={() => set({ visible: true, hideAt: Math.round(serverClock.now() + seconds * 1000) })}>
        {t('props.showForGo')}
      </button>
      {left !== null && (
        <span class="muted" data-hides-in={left}>
          {t('props.hidesIn', { n: left })}{' '}
          <button type="button" class="small" onClick={() => set({ hideAt: null })}>
            {t('props.cancel')}
          </button>
        </span>
      )}
    </Row>
  );
}

export function TimerFields({ item, client, set }: SectionProps) {
  const timer = item.timer ?? { mode: 'countdown' as const, durationMs: 60_000, format: 'mm:ss' as const };
  useTicker(timer.startedAt !== undefined && timer.pausedAt === undefined);
  const act = (action: 'start' | 'pause' | 'reset') => client.command({ type: 'timer', id: item.id, action });
  return (
    <>
      <div class="transport">
        <div class="transport-buttons">
          <button type="button" class="icon-button" data-timer="start" title={t('timer.start')} aria-label={t('timer.start')} onClick={() => act('start')}>
            <Icon name="play" />
          </button>
          <button type="button" class="icon-button" data-timer="pause" title={t('timer.pause')} aria-label={t('timer.pause')} onClick={() => act('pause')}>
            <Icon name="pause" />
          </button>
          <button type="button" class="icon-button" data-timer="reset" title={t('timer.reset')} aria-label={t('timer.reset')} onClick={() => act('reset')}>
            <Icon name="restart" />
          </button>
          <span class="transport-time">{timerText(timer, serverClock.now())}</span>
        </div>
      </div>
      <Row>
        <SelectField label={t('timer.mode')} value={timer.mode} options={[['countdown', t('timer.countdown')], ['countup', t('timer.countup')]]} onChange={(mode) => set({ timer: { ...timer, mode } })} />
        <SelectField label={t('timer.format')} value={timer.format} options={[['mm:ss', 'mm:ss'], ['hh:mm:ss', 'hh:mm:ss'], ['auto', t('timer.auto')]]} onChange={(format) => set({ timer: { ...timer, format } })} />
      </Row>
      {timer.mode === 'countdown' && (
        <Row>
          <NumberField label={t('timer.seconds')} name="durationS" value={Math.round((timer.durationMs ?? 0) / 1000)} min={0} max={360_000} onNumber={(s) => set({ timer: { ...timer, durationMs: Math.round(s * 1000) } })} />
          <label class="field">
            <span>{t('timer.endText')}</span>
            <input name="endText" maxLength={200} value={timer.endText ?? ''} onChange={(e) => set({ timer: { ...timer, endText: e.currentTarget.value } })} />
          </label>
        </Row>
      )}
    </>
  );
}

export function MotionFields({ item, set }: Omit<SectionProps, 'client'>) {
  const field = (key: 'enter' | 'exit') => {
    const motion: Motion = item[key] ?? { effect: 'none', ms: 400 };
    return (
      <Row key={key}>
        <SelectField
          label={t(`motion.${key}`)}
          value={motion.effect}
          options={MOTION_EFFECTS.map((effect) => [effect, t(`motion.${effect}` as MessageKey)])}
          onChange={(effect) => set({ [key]: { ...motion, effect } })}
        />
        <NumberField label={t('motion.ms')} name={`${key}Ms`} value={motion.ms} min={0} max={MAX_MOTION_MS} step={50} onNumber={(ms) => set({ [key]: { ...motion, ms } })} />
      </Row>
    );
  };
  return (
    <>
      {field('enter')}
      {field('exit')}
    </>
  );
}
