/**
 * One file to the media library. XMLHttpRequest, not fetch: fetch still reports no upload
 * progress, and a 200 MB video without a progress bar looks like a hung panel.
 */
import { ApiError, errorFrom } from './api.ts';

export interface UploadedFile {
  path: string;
  mime: string;
  size: number;
  name: string;
}

/** `onProgress` gets the fraction sent and the average speed so far (bytes/s); `signal` cancels. */
export function uploadFile(file: File, onProgress: (fraction: number, bytesPerSecond: number) => void, signal?: AbortSignal): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const started = performance.now();
    xhr.open('POST', '/upload');
    xhr.upload.onprogress = (e) => {
      const seconds = (performance.now() - started) / 1000;
      if (e.lengthComputable) onProgress(e.loaded / e.total, seconds > 0 ? e.loaded / seconds : 0);
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.onabort = () => reject(new ApiError(0, 'cancelled', 'cancelled'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // A proxy's HTML error page: the status says enough.
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as UploadedFile);
      else reject(errorFrom(xhr.status, body, true));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
