/**
 * What both automation forms share: saving (POST a new automation, PUT over a stored one; the
 * API's 400 message kept for the form to show) and the form's end (the Enabled switch, that
 * message, Save and Cancel).
 */
import { useState } from 'preact/hooks';
import type { Call } from '../api';
import type { Automation } from '../../server/automation';

/** `save(id, body)` stores the automation and hands it to `onDone`; `error` and `busy` meanwhile. */
export function useSave(call: Call, onDone: (saved: Automation | null) => void) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function save(id: string | undefined, body: () => Record<string, unknown>) {
    setBusy(true);
    setError('');
    try {
      const { automation } = await (id
        ? call<{ automation: Automation }>(
            'PUT',
            '/api/automations/' + encodeURIComponent(id),
            body(),
          )
        : call<{ automation: Automation }>('POST', '/api/automations', body()));
      onDone(automation);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }
  return { save, error, busy };
}

/**
 * For a Remove button's click: its item goes, and the focus with it would drop to the page; it
 * goes to the list's Add button instead (after the list of conditions or steps, or last in a
 * step's buttons or keywords), enabled again by the removal if it was at the limit.
 */
export function toAdd(e: Event) {
  const list = (e.currentTarget as Element).closest('ol,.choices')!;
  const add = list.tagName == 'OL' ? list.nextElementSibling : list.lastElementChild;
  setTimeout(() => (add as HTMLElement).focus());
}

export function FormEnd(p: {
  enabled: boolean;
  onEnabled(on: boolean): void;
  error: string;
  busy: boolean;
  onCancel(): void;
}) {
  return (
    <>
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          checked={p.enabled}
          onChange={(e) => p.onEnabled(e.currentTarget.checked)}
        />{' '}
        Enabled
      </label>
      {p.error && (
        <p class="error" role="alert">
          {p.error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={p.busy}>
          Save
        </button>
        <button type="button" onClick={p.onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
