/**
 * The form that creates or replaces a chatbot flow: its steps, each with a message, buttons and
 * keyword matches that lead to other steps, a question (email, name, phone), where other answers
 * go and a hand-over; beside it a preview that walks the flow as the widget shows it. The API's
 * 400 message is shown beside the form. Every text is rendered as text.
 */
import { useState } from 'preact/hooks';
import type { Call } from '../api';
import type { Automation } from '../../server/automation';
import {
  botBodyOf,
  freeStepId,
  newStep,
  removeStep,
  type BotForm,
  type ChoiceDraft,
  type StepDraft,
} from './bot-form';
import { FormEnd, toAdd, useSave } from './form-end';

interface Props {
  call: Call;
  initial: BotForm;
  /** The other flow that greets new conversations now, if any: one flow at most greets. */
  greeter?: string | undefined;
  onDone(saved: Automation | null): void;
}

const ASK_LABELS = {
  '': 'nothing',
  email: 'their email',
  name: 'their name',
  phone: 'their phone',
};

/** "Step 2: How can we…", how a step is named in menus. */
function stepName(steps: StepDraft[], id: string) {
  const i = steps.findIndex((s) => s.id == id);
  const s = steps[i];
  if (!s) return id;
  const t = s.text.trim();
  return 'Step ' + (i + 1) + (t ? ': ' + (t.length > 30 ? t.slice(0, 30) + '…' : t) : '');
}

/** A menu of the flow's steps (and `none`, when given, for "nowhere"). */
function StepSelect(p: {
  label: string;
  value: string;
  steps: StepDraft[];
  none?: string;
  onChange(id: string): void;
}) {
  return (
    <label>
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.currentTarget.value)}>
        {p.none !== undefined && <option value="">{p.none}</option>}
        {p.steps.map((s) => (
          <option key={s.id} value={s.id}>
            {stepName(p.steps, s.id)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The buttons (or keyword matches) of one step: a text and a target each. */
function Choices(p: {
  /** The step's name ("Step 2"), which starts every label. */
  n: string;
  legend: string;
  what: string;
  add: string;
  list: ChoiceDraft[];
  steps: StepDraft[];
  self: string;
  onChange(list: ChoiceDraft[]): void;
}) {
  const { list, onChange } = p;
  const put = (i: number, c: ChoiceDraft) => onChange(list.map((x, j) => (j == i ? c : x)));
  return (
    <fieldset class="choices">
      <legend>{p.legend}</legend>
      {list.map((c, i) => {
        const name = p.n + ', ' + p.what.toLowerCase() + ' ' + (i + 1);
        return (
          <div class="choice" key={i}>
            <label>
              {name}
              <input
                type="text"
                value={c.text}
                onInput={(e) => put(i, { ...c, text: e.currentTarget.value })}
              />
            </label>
            <StepSelect
              label={name + ' leads to'}
              value={c.next}
              steps={p.steps}
              onChange={(next) => put(i, { ...c, next })}
            />
            <button
              type="button"
              aria-label={'Remove ' + name.toLowerCase()}
              onClick={(e) => {
                toAdd(e);
                onChange(list.filter((_, j) => j != i));
              }}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button
        type="button"
        onClick={() => onChange([...list, { text: '', next: p.self }])}
        disabled={list.length >= 10}
      >
        {p.n + ': ' + p.add.toLowerCase()}
      </button>
    </fieldset>
  );
}

/** How the widget shows the flow: the current step's message and buttons; a button walks on. */
function Preview({ f }: { f: BotForm }) {
  const [at, setAt] = useState(f.start);
  const step = f.steps.find((s) => s.id == at) || f.steps.find((s) => s.id == f.start);
  return (
    <aside class="bot-preview" aria-label="Preview">
      <h3>Preview</h3>
      {step && (
        <div aria-live="polite">
          <p class="bubble">
            <b>{f.name || 'Bot'}</b>
            <br />
            {step.text || '(no message yet)'}
          </p>
          {step.buttons.length > 0 && (
            <div class="replies">
              {step.buttons.map((c, i) => (
                <button type="button" key={i} onClick={() => setAt(c.next)}>
                  {c.text || '(no label)'}
                </button>
              ))}
            </div>
          )}
          <p class="hint">
            {step.handover
              ? 'Then an agent takes over; the bot stays quiet.'
              : step.ask
                ? 'Waits for ' + ASK_LABELS[step.ask] + ' (checked and stored on the visitor).'
                : step.next
                  ? 'Any other answer: ' + stepName(f.steps, step.next)
                  : step.buttons.length || step.keywords.length
                    ? 'Any other answer: the bot goes quiet.'
                    : 'The bot goes quiet after this.'}
          </p>
        </div>
      )}
      <button type="button" onClick={() => setAt(f.start)}>
        Restart preview
      </button>
    </aside>
  );
}

export function BotEditor({ call, initial, onDone, greeter }: Props) {
  const [f, setF] = useState(initial);
  const { save, error, busy } = useSave(call, onDone);
  const set = (patch: Partial<BotForm>) => setF({ ...f, ...patch });
  const putStep = (id: string, patch: Partial<StepDraft>) =>
    set({ steps: f.steps.map((s) => (s.id == id ? { ...s, ...patch } : s)) });

  return (
    <div class="bot-editor">
      <form
        class="automation-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(f.id, () => botBodyOf(f));
        }}
        aria-labelledby="bot-form-title"
      >
        <h2 id="bot-form-title">{f.id ? 'Edit chatbot flow' : 'New chatbot flow'}</h2>
        <label>
          Name <small>(also the author of its messages)</small>
          <input type="text" value={f.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        </label>
        <label class="switch">
          <input
            type="checkbox"
            checked={f.greeting}
            aria-describedby={greeter ? 'bot-greeting-hint' : undefined}
            onChange={(e) => set({ greeting: e.currentTarget.checked })}
          />{' '}
          Greets new conversations
        </label>
        {greeter && (
          <p class="hint" id="bot-greeting-hint">
            {f.greeting
              ? `Saved, this flow greets in place of “${greeter}”: one flow greets.`
              : `“${greeter}” greets new conversations now.`}
          </p>
        )}
        <StepSelect
          label="Starts at"
          value={f.start}
          steps={f.steps}
          onChange={(start) => set({ start })}
        />
        <ol class="steps">
          {f.steps.map((s, i) => {
            const n = 'Step ' + (i + 1);
            return (
              <li key={s.id}>
                <fieldset class="step">
                  <legend>{n}</legend>
                  <label>
                    {n + ': message'}
                    <textarea
                      rows={2}
                      value={s.text}
                      onInput={(e) => putStep(s.id, { text: e.currentTarget.value })}
                    />
                  </label>
                  <Choices
                    n={n}
                    legend={n + ': buttons'}
                    what="Button"
                    add="Add button"
                    list={s.buttons}
                    steps={f.steps}
                    self={s.id}
                    onChange={(buttons) => putStep(s.id, { buttons })}
                  />
                  <Choices
                    n={n}
                    legend={n + ': typed answers containing'}
                    what="Keywords"
                    add="Add keywords"
                    list={s.keywords}
                    steps={f.steps}
                    self={s.id}
                    onChange={(keywords) => putStep(s.id, { keywords })}
                  />
                  <label>
                    {n + ': ask for'}
                    <select
                      value={s.ask}
                      onChange={(e) =>
                        putStep(s.id, { ask: e.currentTarget.value as StepDraft['ask'] })
                      }
                    >
                      {Object.entries(ASK_LABELS).map(([v, l]) => (
                        <option key={v} value={v}>
                          {l}
                        </option>
                      ))}
                    </select>
                  </label>
                  <StepSelect
                    label={n + ': any other answer leads to'}
                    value={s.next}
                    steps={f.steps}
                    none="nowhere (the bot goes quiet)"
                    onChange={(next) => putStep(s.id, { next })}
                  />
                  <label class="switch">
                    <input
                      type="checkbox"
                      checked={s.handover}
                      onChange={(e) => putStep(s.id, { handover: e.currentTarget.checked })}
                    />{' '}
                    {n + ': then hand over to an agent'}
                  </label>
                  {f.steps.length > 1 && (
                    <button
                      type="button"
                      onClick={(e) => {
                        toAdd(e);
                        setF(removeStep(f, s.id));
                      }}
                    >
                      {'Remove ' + n.toLowerCase()}
                    </button>
                  )}
                </fieldset>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          disabled={f.steps.length >= 50}
          onClick={() => set({ steps: [...f.steps, newStep(freeStepId(f.steps))] })}
        >
          Add step
        </button>
        <FormEnd
          enabled={f.enabled}
          onEnabled={(enabled) => set({ enabled })}
          error={error}
          busy={busy}
          onCancel={() => onDone(null)}
        />
      </form>
      <Preview f={f} />
    </div>
  );
}
