import type { Warn } from './log';

/** A tiny typed event emitter whose listeners cannot throw into the emitter's caller. */
export interface Emitter<Events extends object> {
  on<K extends keyof Events>(type: K, fn: (payload: Events[K]) => void): () => void;
  off<K extends keyof Events>(type: K, fn: (payload: Events[K]) => void): void;
  emit<K extends keyof Events>(type: K, payload: Events[K]): void;
}

/**
 * Creates an emitter (mitt-style). A listener that throws is reported with `warn` and the
 * remaining listeners still run.
 */
export function createEmitter<Events extends object>(warn: Warn): Emitter<Events> {
  const all = new Map<keyof Events, Array<(payload: never) => void>>();
  return {
    on(type, fn) {
      const list = all.get(type) || [];
      // Once per function, like addEventListener: the script-tag entry may subscribe a queued
      // listener before the chat layer runs the same `on` command.
      if (!list.includes(fn as never)) list.push(fn as (payload: never) => void);
      all.set(type, list);
      return () => this.off(type, fn);
    },
    off(type, fn) {
      const list = all.get(type);
      if (list)
        all.set(
          type,
          list.filter((f) => f !== fn),
        );
    },
    emit(type, payload) {
      for (const fn of all.get(type) || []) {
        try {
          (fn as (payload: unknown) => void)(payload);
        } catch (e) {
          warn('a "' + String(type) + '" listener threw: ' + String(e));
        }
      }
    },
  };
}
