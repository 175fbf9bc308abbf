import type { Attachment } from '../../src/protocol';

/** The attachment a server answers for a stored `file` with id `id`. */
export const storedFile = (id: string, f: File): Attachment => ({
  id,
  name: f.name,
  size: f.size,
  type: f.type,
  url: '/v1/files/' + id,
});

/**
 * A scriptable XMLHttpRequest for the file layer's uploads: each request waits in `requests`
 * until the test answers it (`progress`, `respond`, `fail`), so every step is observable.
 */
export interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  aborted: boolean;
  progress(loaded: number, total: number): void;
  respond(status: number, body?: unknown): void;
  fail(): void;
}

/** Creates a fake XMLHttpRequest class and the list of requests made with it. */
export function createFakeXHR() {
  const requests: FakeRequest[] = [];
  class FakeXHR {
    upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    status = 0;
    responseText = '';
    private req: FakeRequest | undefined;
    private m = '';
    private u = '';
    private h: Record<string, string> = {};
    open(method: string, url: string) {
      this.m = method;
      this.u = url;
    }
    setRequestHeader(name: string, value: string) {
      this.h[name.toLowerCase()] = value;
    }
    send(body: unknown) {
      const req: FakeRequest = (this.req = {
        method: this.m,
        url: this.u,
        headers: this.h,
        body,
        aborted: false,
        progress: (loaded, total) => {
          this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
        },
        respond: (status, answer) => {
          if (req.aborted) return;
          this.status = status;
          this.responseText = typeof answer == 'string' ? answer : JSON.stringify(answer ?? {});
          this.onload?.();
        },
        fail: () => {
          if (!req.aborted) this.onerror?.();
        },
      });
      requests.push(req);
    }
    abort() {
      if (this.req) this.req.aborted = true;
    }
  }
  return { XHR: FakeXHR as unknown as typeof XMLHttpRequest, requests };
}
