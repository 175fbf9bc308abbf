/**
 * The chatbot-flow form's state (strings from its inputs, steps in the order the agent sees
 * them) and the API body it becomes, and back. Step ids are kept when editing a stored flow and
 * made up (`s1`, `s2`…) for new steps: the agent names steps by number, never by id.
 */
import type { AskField, Bot, BotStep } from '../../server/automation';

export interface ChoiceDraft {
  /** A button's label, or a keyword match's words separated by commas. */
  text: string;
  /** The id of the step it leads to. */
  next: string;
}

export interface StepDraft {
  id: string;
  text: string;
  buttons: ChoiceDraft[];
  keywords: ChoiceDraft[];
  ask: AskField | '';
  /** Where any other answer leads; empty: the bot goes quiet. */
  next: string;
  handover: boolean;
}

export interface BotForm {
  /** Absent: a new flow (POST); present: replaces this one (PUT). */
  id?: string;
  enabled: boolean;
  name: string;
  greeting: boolean;
  start: string;
  steps: StepDraft[];
}

export const newStep = (id: string): StepDraft => ({
  id,
  text: '',
  buttons: [],
  keywords: [],
  ask: '',
  next: '',
  handover: false,
});

/** An id no step of `steps` has. */
export function freeStepId(steps: StepDraft[]): string {
  for (let n = steps.length + 1; ; n++) {
    const id = 's' + n;
    if (!steps.some((s) => s.id == id)) return id;
  }
}

export const emptyBot = (): BotForm => ({
  enabled: true,
  name: '',
  greeting: false,
  start: 's1',
  steps: [newStep('s1')],
});

/** The form of a stored flow: its start step first, the others in stored order. */
export function botFormOf(b: Bot): BotForm {
  const ids = [b.start, ...Object.keys(b.steps).filter((k) => k != b.start)];
  return {
    id: b.id,
    enabled: b.enabled,
    name: b.name,
    greeting: !!b.greeting,
    start: b.start,
    steps: ids.map((id) => {
      const s = b.steps[id]!;
      return {
        id,
        text: s.text,
        buttons: (s.buttons ?? []).map((c) => ({ text: c.label, next: c.next })),
        keywords: (s.match ?? []).map((c) => ({ text: c.keywords.join(', '), next: c.next })),
        ask: s.ask ?? '',
        next: s.next ?? '',
        handover: !!s.handover,
      };
    }),
  };
}

/**
 * The body of the POST or PUT. Empty lists and fields are left out; what the agent typed is
 * otherwise sent as is, so the server's 400 names the wrong field (`steps.s2.text …`).
 */
export function botBodyOf(f: BotForm): Record<string, unknown> {
  const steps: Record<string, BotStep> = {};
  for (const d of f.steps) {
    const s: BotStep = { text: d.text };
    if (d.buttons.length) s.buttons = d.buttons.map((c) => ({ label: c.text, next: c.next }));
    if (d.keywords.length)
      s.match = d.keywords.map((c) => ({
        keywords: c.text
          .split(',')
          .map((w) => w.trim())
          .filter(Boolean),
        next: c.next,
      }));
    if (d.ask) s.ask = d.ask;
    if (d.next) s.next = d.next;
    if (d.handover) s.handover = true;
    steps[d.id] = s;
  }
  const b: Record<string, unknown> = {
    kind: 'bot',
    enabled: f.enabled,
    name: f.name,
    start: f.start,
    steps,
  };
  if (f.greeting) b.greeting = true;
  return b;
}

/**
 * Removes step `id`: what led to it leads nowhere now (buttons and keyword matches to it go, a
 * `next` to it is cleared), and the flow starts at the first step left if it started there.
 */
export function removeStep(f: BotForm, id: string): BotForm {
  const steps = f.steps
    .filter((s) => s.id != id)
    .map((s) => ({
      ...s,
      buttons: s.buttons.filter((c) => c.next != id),
      keywords: s.keywords.filter((c) => c.next != id),
      next: s.next == id ? '' : s.next,
    }));
  return { ...f, steps, start: f.start == id ? steps[0]!.id : f.start };
}
