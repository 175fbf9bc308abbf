/** The form that creates or replaces an auto message; the API's 400 message is shown beside it. */
import { useState } from 'preact/hooks';
import type { Call } from '../api';
import type { Automation } from '../../server/automation';
import { newCondition } from './conditions';
import { ConditionFields } from './ConditionFields';
import { bodyOf, type AutoMessageForm } from './form';
import { FormEnd, useSave } from './form-end';

interface Props {
  call: Call;
  initial: AutoMessageForm;
  onDone(saved: Automation | null): void;
}

export function AutoMessageEditor({ call, initial, onDone }: Props) {
  const [f, setF] = useState(initial);
  const { save, error, busy } = useSave(call, onDone);
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
  return (
    <form
      class="automation-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save(f.id, () => bodyOf(f));
      }}
      aria-labelledby="am-form-title"
    >
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
      <FormEnd
        enabled={f.enabled}
        onEnabled={(enabled) => set({ enabled })}
        error={error}
        busy={busy}
        onCancel={() => onDone(null)}
      />
    </form>
  );
}
