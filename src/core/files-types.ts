/**
 * The file layer's public shape: uploads, the rating step and the {@link Files} API that
 * core/files.ts implements (types only: nothing here reaches a bundle).
 */
import type { Attachment, Message } from '../protocol';

/** Why an upload failed: the server's answer (413, 415, 401, 400) or what went wrong on the way. */
export type UploadError = 'big' | 'type' | 'auth' | 'empty' | 'network' | 'server' | 'gone';

/** A file on its way to the chat server, shown as a message until it is sent. */
export interface Upload {
  /** Client id: the message the file becomes keeps it (exactly-once, like text). */
  cid: string;
  name: string;
  size: number;
  type: string;
  at: number;
  /** 0 to 1. */
  progress: number;
  /** Set once the upload failed; retry (when the file is still there) or remove. */
  error?: UploadError;
  /** The file itself; gone after a reload where the device could not keep it. */
  file?: Blob;
  /** The file's bytes, once read: what the device keeps of it. */
  buf?: ArrayBuffer;
}

/** The visitor's part of the rating: asked after the conversation closed, then thanked. */
export type RatingStep = 'ask' | 'thanks' | null;

/** What the file layer shows: uploads in send order and the rating step. */
export interface FilesState {
  uploads: readonly Upload[];
  rating: RatingStep;
}

/** Answer of {@link Files.emailTranscript}. */
export type EmailResult = 'sent' | 'unavailable' | 'failed';

/**
 * Files, rating and transcript: everything of the chat that talks to the server over plain HTTP
 * beside the transport (`POST /v1/files`, `GET /v1/files/:id`, `/v1/transcript`). It loads with
 * the chat window (the script-tag build's `files.js`, with the UI's file components) or on the
 * first `sendFile`.
 */
export interface Files {
  readonly state: FilesState;
  subscribe(fn: (state: FilesState) => void): () => void;
  /** Uploads `file`, then sends it as the visitor's message (resolves with that message). */
  send(file: Blob, name?: string): Promise<Message>;
  /** Stops an upload before it finishes; the message goes away. */
  cancel(cid: string): void;
  /** Starts a failed upload again (when the file is still there). */
  retry(cid: string): void;
  /** Drops a failed upload. */
  remove(cid: string): void;
  /** A `blob:` URL of a file of this conversation, fetched with the visitor's token. */
  url(a: Attachment): Promise<string>;
  /** Saves a file of this conversation on the device (`<a download>` inside `root`). */
  download(a: Attachment, root: ParentNode): Promise<void>;
  /** The conversation as a text file. */
  transcript(root: ParentNode): Promise<void>;
  /** Has the server email the transcript; `unavailable` when it sends no email (404, 501) or no more for now (429). */
  emailTranscript(email: string): Promise<EmailResult>;
  /** The conversation was closed by an agent: ask for a rating (again after a reload, until given). */
  closed(): void;
  /** The visitor ends the conversation; a rating is asked. A reason when not connected. */
  end(): string | void;
  /** Sends the rating (`rate` frame, `rating_submitted` event); a reason when it cannot. */
  rate(value: 'good' | 'bad', comment?: string): string | void;
  /** Forgets the rating prompt without rating. */
  skipRating(): void;
}

/** Adds a visitor message with extra fields to the outbox (core/widget.ts `sendMessage`). */
export type Post = (text: string, extra: Partial<Message>) => Message | string;

/** The environment the file layer uses (globals enter at the edge: the window by default). */
export interface FilesEnv {
  XMLHttpRequest?: typeof XMLHttpRequest;
  fetch?: typeof fetch;
  URL?: Pick<typeof URL, 'createObjectURL' | 'revokeObjectURL'>;
}
