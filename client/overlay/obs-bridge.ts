/**
 * The overlay's view of OBS through the browser-source API (`window.obsstudio`, obs-browser):
 * it reports `overlay.status` on connect and on every OBS event, lists scenes and transitions
 * when the page permissions allow, and runs the room's `obs.command`s (reload is the
 * overlay's own, main.tsx: it works in any browser). Every function is
 * feature-detected: older OBS builds lack some (obsproject/obs-browser#347). Outside OBS it
 * reports `obs: null`.
 */
import type { OverlayClientMessage } from '../../src/protocol/messages.ts';
import type { ObsErrorCode, ObsServerMessage, OverlayStatus } from '../../src/protocol/obs.ts';
import { OBS_COMMAND_LEVEL, OBS_CONTROL_LEVEL } from '../../src/protocol/obs-levels.ts';

type Callback<T> = (value: T) => void;
/** The parts of obs-browser's API this page uses (see @types/obs-studio); any may be missing. */
interface ObsStudio {
  pluginVersion?: string;
  getControlLevel?: (cb: Callback<number>) => void;
  getStatus?: (cb: Callback<{ streaming?: boolean; recording?: boolean }>) => void;
  getCurrentScene?: (cb: Callback<{ name?: string } | null>) => void;
  getScenes?: (cb: Callback<string[]>) => void;
  getTransitions?: (cb: Callback<string[]>) => void;
  getCurrentTransition?: (cb: Callback<string>) => void;
  setCurrentScene?: (name: string) => void;
  saveReplayBuffer?: () => void;
}

const EVENTS = ['obsSourceVisibleChanged', 'obsSourceActiveChanged', 'obsSceneChanged', 'obsStreamingStarted', 'obsStreamingStopped', 'obsRecordingStarted', 'obsRecordingStopped'] as const;

export function startObsBridge(send: (message: OverlayClientMessage) => boolean) {
  const obs = (window as { obsstudio?: ObsStudio }).obsstudio;
  // The visibility event does not fire at load (vdo.ninja#554): read the state now. Until OBS
  // says otherwise, a source that is shown at load is taken to be on program.
  const shown = document.visibilityState === 'visible';
  const status: OverlayStatus = { type: 'overlay.status', obs: null, visible: shown, active: obs ? shown : false };
  let level = 0;
  const report = () => void send({ ...status });
  const call = <T>(fn: ((cb: Callback<T>) => void) | undefined, then: Callback<T>) => {
    if (typeof fn === 'function') fn.call(obs, then);
  };

  /** What needs READ_OBS / READ_USER: streaming state, the current scene, scene and transition lists. */
  const refresh = () => {
    call(obs?.getStatus, (s) => {
      status.streaming = s?.streaming === true;
      status.recording = s?.recording === true;
      report();
    });
    if (level < OBS_CONTROL_LEVEL.READ_USER) return;
    call(obs?.getCurrentScene, (scene) => {
      status.scene = scene?.name ?? null;
      report();
    });
    call(obs?.getScenes, (names) => {
      if (Array.isArray(names)) status.scenes = names.slice(0, 200).map(String);
      report();
    });
    call(obs?.getTransitions, (names) => {
      if (Array.isArray(names)) status.transitions = names.slice(0, 100).map(String);
      report();
    });
    call(obs?.getCurrentTransition, (name) => {
      status.transition = typeof name === 'string' ? name : null;
      report();
    });
  };

  if (obs) {
    status.obs = { version: String(obs.pluginVersion ?? 'unknown').slice(0, 32), control_level: 0 };
    call(obs.getControlLevel, (value) => {
      level = Number.isInteger(value) ? Math.max(0, Math.min(5, value)) : 0;
      status.obs = { version: status.obs!.version, control_level: level };
      report();
      refresh();
    });
    for (const name of EVENTS) {
      window.addEventListener(name, (event) => {
        const detail = ((event as CustomEvent).detail ?? {}) as { visible?: boolean; active?: boolean; name?: string };
        if (name === 'obsSourceVisibleChanged') status.visible = detail.visible === true;
        else if (name === 'obsSourceActiveChanged') status.active = detail.active === true;
        else if (name === 'obsSceneChanged') status.scene = typeof detail.name === 'string' ? detail.name : (status.scene ?? null);
        else if (name.startsWith('obsStreaming')) status.streaming = name === 'obsStreamingStarted';
        else status.recording = name === 'obsRecordingStarted';
        report();
      });
    }
  }

  const answer = (cmdId: string, code?: ObsErrorCode, message?: string) =>
    send({ type: 'obs.result', cmd_id: cmdId, ok: code === undefined, ...(code ? { code, message } : {}) });

  return {
    /** After each (re)connect: the room knows nothing of this page yet. */
    connected: report,
    /** The room's `obs.command`; false for anything else. */
    handle(msg: { type: string }): boolean {
      if (msg.type !== 'obs.command') return false;
      const { cmd_id, command, name } = msg as Extract<ObsServerMessage, { type: 'obs.command' }>;
      const run = command === 'scene' ? obs?.setCurrentScene : obs?.saveReplayBuffer;
      if (typeof run !== 'function') return answer(cmd_id, 'obs_not_available', `this OBS has no ${command === 'scene' ? 'setCurrentScene' : 'saveReplayBuffer'}`), true;
      if (level < OBS_COMMAND_LEVEL[command]) return answer(cmd_id, 'obs_permission', `the browser source's page permissions are below level ${OBS_COMMAND_LEVEL[command]}`), true;
      try {
        if (command === 'scene') obs!.setCurrentScene!(name ?? '');
        else obs!.saveReplayBuffer!();
        answer(cmd_id);
      } catch (error) {
        answer(cmd_id, 'obs_failed', String(error).slice(0, 300));
      }
      return true;
    },
  };
}
