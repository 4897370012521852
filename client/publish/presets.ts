/**
 * Quality presets: what the camera is asked for and what each viewer's encoder may spend.
 * Peer to peer every viewer gets its own encoder, so the upload is about bitrate × viewers;
 * through the SFU (JANUS_URL) there is one encoder and one upload whatever the audience.
 */
export interface Preset {
  id: string;
  label: string;
  height: number;
  fps: number;
  kbps: number;
}

export const PRESETS: readonly Preset[] = [
  { id: '480p30', label: '480p · 30 fps · 1 Mbps', height: 480, fps: 30, kbps: 1000 },
  { id: '720p30', label: '720p · 30 fps · 2.5 Mbps', height: 720, fps: 30, kbps: 2500 },
  { id: '1080p30', label: '1080p · 30 fps · 4.5 Mbps', height: 1080, fps: 30, kbps: 4500 },
  { id: '1080p60', label: '1080p · 60 fps · 6 Mbps', height: 1080, fps: 60, kbps: 6000 },
];
export const DEFAULT_PRESET = PRESETS[1]!;
export const presetById = (id: string | null | undefined) => PRESETS.find((p) => p.id === id) ?? DEFAULT_PRESET;

/** Camera constraints for a preset (16:9; the camera picks its nearest mode). */
export function cameraConstraints(preset: Preset, deviceId?: string): MediaTrackConstraints {
  return {
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    width: { ideal: Math.round((preset.height * 16) / 9) },
    height: { ideal: preset.height },
    frameRate: { ideal: preset.fps },
  };
}

/** The sender's encoding: a bitrate cap, a frame-rate cap and a downscale to the preset's height. */
export function encodingFor(preset: Preset, track: MediaStreamTrack | null): RTCRtpEncodingParameters {
  const height = track?.getSettings().height ?? preset.height;
  return {
    maxBitrate: preset.kbps * 1000,
    maxFramerate: preset.fps,
    scaleResolutionDownBy: height > preset.height ? height / preset.height : 1,
  };
}

/** Re-tune a live sender: setParameters applies without renegotiation. */
export async function applyPreset(sender: RTCRtpSender, preset: Preset): Promise<void> {
  const params = sender.getParameters();
  const first = params.encodings?.[0];
  if (!first) return;
  Object.assign(first, encodingFor(preset, sender.track));
  await sender.setParameters(params);
}
