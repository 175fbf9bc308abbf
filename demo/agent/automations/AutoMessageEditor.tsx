/** The form that creates or replaces an auto message; the API's 400 message is shown beside it. */
import { useState } from 'preact/hooks';
import type { Call } from '../api';
import type { Automation } from '../../server/automation';
import { newCondition } from './conditions';
import { ConditionFields } from './ConditionFields';
import { bodyOf, type AutoMessageForm } from './form';

interface Props {
  call: Call;
  initial: AutoMessageForm;
  onDone(saved: Automation | null): void;
}

export function AutoMessageEditor({ call, initial, onDone }: Props) {
  const [f, setF] = useState(initial);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<AutoMessageForm>) => setF({ ...f, ...patch });
  const text = (
    key: 'name' | 'text' | 'sender' | 'delay' | 'country',
    label: string,
    hint = '',
  ) => (
    <label>
      {label}
      {hint && <small> {hint}</small>}
      <input
        type="text"
        inputMode={key == 'delay' ? 'decimal' : undefined}
        value={f[key]}
        onInput={(e) => set({ [key]: e.currentTarget.value })}
      />
    </label>
  );
  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body = bodyOf(f);
      const { automation } = await (f.id
        ? call<{ automation: Automation }>(
            'PUT',
            '/api/automations/' + encodeURIComponent(f.id),
            body,
          )
        : call<{ automation: Automation }>('POST', '/api/automations', body));
      onDone(automation);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }
  return (
    <form class="automation-form" onSubmit={save} aria-labelledby="am-form-title">
      <h2 id="am-form-title">{f.id ? 'Edit auto message' : 'New auto message'}</h2>
      {text('name', 'Name', '(for this list)')}
      <label>
        Message
        <textarea
          required
          rows={3}
          value={f.text}
          onInput={(e) => set({ text: e.currentTarget.value })}
        />
      </label>
      {text('sender', 'Sender name')}
      <label>
        Quick replies <small>(one a line)</small>
        <textarea
          rows={2}
          value={f.replies}
          onInput={(e) => set({ replies: e.currentTarget.value })}
        />
      </label>
      <label>
        Show{' '}
        <select
          value={f.frequency}
          onChange={(e) =>
            set({ frequency: e.currentTarget.value as AutoMessageForm['frequency'] })
          }
        >
          <option value="visit">once per visit</option>
          <option value="visitor">once per visitor</option>
        </select>
      </label>
      {text('delay', 'Delay (seconds)', '(waits, then checks again)')}
      {text('country', 'Only in countries', '(codes such as FR, BE; empty: everywhere)')}
      <fieldset>
        <legend>Conditions (all must hold)</legend>
        {f.conditions.length == 0 && <p class="hint">None: shown on every page.</p>}
        <ol class="conditions">
          {f.conditions.map((d, i) => (
            <ConditionFields
              key={i}
              n={i + 1}
              draft={d}
              onChange={(next) =>
                set({ conditions: f.conditions.map((c, j) => (j == i ? next : c)) })
              }
              onRemove={() => set({ conditions: f.conditions.filter((_, j) => j != i) })}
            />
          ))}
        </ol>
        <button
          type="button"
          onClick={() => set({ conditions: [...f.conditions, newCondition()] })}
        >
          Add condition
        </button>
      </fieldset>
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          checked={f.enabled}
          onChange={(e) => set({ enabled: e.currentTarget.checked })}
        />{' '}
        Enabled
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
