/**
 * TTS_ENGINE=espeak: Debian's espeak-ng writes a WAV into UPLOAD_DIR, cached by a hash of
 * what was asked. Spawned with an argument array (no shell) and the text on stdin, so no text
 * can become an option or a command. A slow or failing run yields null: the overlay then
 * falls back to its own voices.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import { ttsAudioName, type TtsEngine, type TtsSynthesisRequest } from '../tts-engine.ts';

export interface EspeakOptions {
  binary: string;
  /** UPLOAD_DIR: the audio is served from /uploads/ like any media. */
  outputDir: string;
  log: Logger;
  timeoutMs?: number;
}

const ENGINE_NAME = 'espeak-ng';
/** espeak-ng's own default speed; rate 1 maps to it. */
const NORMAL_WPM = 175;
const MIN_WPM = 80;
const MAX_WPM = 450;
/** A WAV header alone is 44 bytes; anything that small said nothing. */
const MIN_WAV_BYTES = 100;
/** Regional voices espeak-ng ships; every other tag is spoken by its language (`ru-RU` → `ru`). */
const REGIONAL_VOICES = new Set(['en-us', 'en-gb', 'en-029', 'pt-br', 'es-419', 'fr-be', 'fr-ch', 'vi-vn-x-central']);

export function espeakEngine(options: EspeakOptions): TtsEngine {
  const timeoutMs = options.timeoutMs ?? 10_000;
  // Two requests for the same phrase at once share one run.
  const inFlight = new Map<string, Promise<{ path: string } | null>>();

  const synthesize = async (request: TtsSynthesisRequest): Promise<{ path: string } | null> => {
    const name = await ttsAudioName(ENGINE_NAME, request);
    const final = join(options.outputDir, name);
    if (await isUsableWav(final)) return { path: `/uploads/${name}` };
    const temp = join(options.outputDir, `.incoming-${randomUUID()}.wav`);
    try {
      await runEspeak(options.binary, espeakArgs(request, temp), request.text, timeoutMs);
      if (!(await isUsableWav(temp))) throw new Error('espeak-ng produced no audio');
      await rename(temp, final);
      return { path: `/uploads/${name}` };
    } catch (error) {
      options.log.warn('tts synthesis failed', { engine: ENGINE_NAME, lang: request.lang, error: error instanceof Error ? error.message : String(error) });
      return null;
    } finally {
      await rm(temp, { force: true });
    }
  };

  return {
    name: ENGINE_NAME,
    async synthesize(request) {
      const key = JSON.stringify(request);
      let running = inFlight.get(key);
      if (!running) {
        running = synthesize(request).finally(() => inFlight.delete(key));
        inFlight.set(key, running);
      }
      return running;
    },
  };
}

export function espeakArgs(request: TtsSynthesisRequest, outFile: string): string[] {
  const wpm = Math.round(clamp(NORMAL_WPM * request.rate, MIN_WPM, MAX_WPM));
  const pitch = Math.round(clamp(request.pitch * 50, 0, 99));
  // -b 1: the text on stdin is UTF-8. No -m: markup in the text is read aloud, not obeyed.
  return ['-v', espeakVoice(request.lang), '-s', String(wpm), '-p', String(pitch), '-b', '1', '-w', outFile, '--stdin'];
}

export function espeakVoice(lang: string): string {
  const tag = lang.toLowerCase();
  if (REGIONAL_VOICES.has(tag)) return tag;
  const language = tag.split('-')[0]!;
  return language === 'zh' ? 'cmn' : language;
}

function runEspeak(binary: string, args: string[], text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'], shell: false });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`espeak-ng took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 1000) stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`espeak-ng exited with ${code}: ${stderr.trim().slice(0, 200)}`));
    });
    // A child that dies early closes stdin under us; the 'close' handler reports why.
    child.stdin.on('error', () => {});
    child.stdin.end(text, 'utf8');
  });
}

async function isUsableWav(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return info !== null && info.isFile() && info.size >= MIN_WAV_BYTES;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
