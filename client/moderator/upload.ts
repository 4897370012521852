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

export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
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
