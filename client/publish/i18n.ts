/**
 * The publisher page's strings in English and Russian; the language comes from `?lang=` or
 * the browser. `{name}` placeholders are filled as text, never parsed as markup.
 */
const en = {
  title: 'Publish to room “{room}”',
  replaced: 'Another publisher took over this room. Start again to take it back.',
  token_dead: 'This publishing link expired or was revoked; ask the streamer for a new one.',
  source: 'Source',
  camera: 'Camera',
  screen: 'Screen',
  camera_n: 'Camera {n}',
  microphone: 'Microphone',
  microphone_n: 'Microphone {n}',
  default: 'Default',
  none: 'None',
  quality: 'Quality',
  start: 'Start',
  stop: 'Stop',
  'status.idle': 'offline',
  'status.connecting': 'connecting…',
  'status.live': 'live',
  'status.replaced': 'replaced',
  viewers: 'Viewers ({n})',
  viewer: 'Viewer',
  state: 'State',
  path: 'Path',
  bitrate: 'Bitrate',
  fps: 'FPS',
  size: 'Size',
  rtt: 'RTT',
  loss: 'Loss',
  kbps: ' kbps',
  ms: ' ms',
  NotAllowedError: 'Access to the camera, microphone or screen was refused. Allow it in the browser and press Start again.',
  NotFoundError: 'No such camera or microphone was found.',
  NotReadableError: 'The camera or microphone is busy in another program.',
};

type Key = keyof typeof en;

const ru: Record<Key, string> = {
  title: 'Трансляция в комнату «{room}»',
  replaced: 'Эту комнату занял другой источник. Нажмите «Начать», чтобы вернуть её.',
  token_dead: 'Ссылка для трансляции истекла или отозвана; попросите у стримера новую.',
  source: 'Источник',
  camera: 'Камера',
  screen: 'Экран',
  camera_n: 'Камера {n}',
  microphone: 'Микрофон',
  microphone_n: 'Микрофон {n}',
  default: 'По умолчанию',
  none: 'Нет',
  quality: 'Качество',
  start: 'Начать',
  stop: 'Остановить',
  'status.idle': 'не в эфире',
  'status.connecting': 'подключение…',
  'status.live': 'в эфире',
  'status.replaced': 'заменён',
  viewers: 'Зрители ({n})',
  viewer: 'Зритель',
  state: 'Состояние',
  path: 'Маршрут',
  bitrate: 'Битрейт',
  fps: 'К/с',
  size: 'Размер',
  rtt: 'RTT',
  loss: 'Потери',
  kbps: ' кбит/с',
  ms: ' мс',
  NotAllowedError: 'Доступ к камере, микрофону или экрану запрещён. Разрешите его в браузере и нажмите «Начать» ещё раз.',
  NotFoundError: 'Такая камера или микрофон не найдены.',
  NotReadableError: 'Камера или микрофон заняты другой программой.',
};

const wanted = new URLSearchParams(location.search).get('lang') ?? navigator.language ?? '';
const dictionary: Record<Key, string> = /^ru\b/i.test(wanted) ? ru : en;
document.documentElement.lang = dictionary === ru ? 'ru' : 'en';

export function t(key: Key, vars?: Record<string, string | number>): string {
  const text = dictionary[key];
  return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
}

/** A capture error in the page's language when we know it; the browser's text otherwise. */
export function captureError(error: Error): string {
  const known = error.name === 'NotAllowedError' || error.name === 'NotFoundError' || error.name === 'NotReadableError';
  return known ? t(error.name as Key) : `${error.name ?? 'Error'}: ${error.message}`;
}
