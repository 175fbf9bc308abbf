/**
 * The auto-message form's state (strings from its inputs) and the API body it becomes, and back.
 */
import type { AutoMessage } from '../../server/automation';
import { fromCondition, toCondition, type ConditionDraft } from './conditions';

export interface AutoMessageForm {
  /** Absent: a new auto message (POST); present: replaces this one (PUT). */
  id?: string;
  enabled: boolean;
  name: string;
  text: string;
  sender: string;
  frequency: 'visit' | 'visitor';
  /** Seconds, as typed. */
  delay: string;
  /** Quick replies, one a line (each line is both label and value). */
  replies: string;
  /** Country codes, as typed (`FR, BE`); empty: every country. */
  country: string;
  conditions: ConditionDraft[];
}

export const emptyForm = (): AutoMessageForm => ({
  enabled: true,
  name: '',
  text: '',
  sender: '',
  frequency: 'visit',
  delay: '',
  replies: '',
  country: '',
  conditions: [],
});

/** The form of a stored auto message. */
export function formOf(a: AutoMessage): AutoMessageForm {
  return {
    id: a.id,
    enabled: a.enabled,
    name: a.name ?? '',
    text: a.text,
    sender: a.sender ?? '',
    frequency: a.frequency,
    delay: a.delayMs === undefined ? '' : String(a.delayMs / 1000),
    replies: (a.replies ?? []).map((r) => r.label).join('\n'),
    country: (a.country ?? []).join(', '),
    conditions: a.conditions.map(fromCondition),
  };
}

/** The body of the POST or PUT (empty optional fields left out, so the server's defaults hold). */
export function bodyOf(f: AutoMessageForm): Record<string, unknown> {
  const b: Record<string, unknown> = {
    kind: 'auto-message',
    enabled: f.enabled,
    text: f.text,
    frequency: f.frequency,
    conditions: f.conditions.map(toCondition),
  };
  if (f.name.trim()) b.name = f.name.trim();
  if (f.sender.trim()) b.sender = f.sender.trim();
  const delay = f.delay.trim();
  // Not a number: sent as typed, so the server's 400 names delayMs.
  if (delay) b.delayMs = Number.isNaN(Number(delay)) ? delay : Math.round(Number(delay) * 1000);
  const replies = f.replies
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (replies.length) b.replies = replies.map((label) => ({ label, value: label }));
  // Sent as typed (split on commas and spaces): the server's 400 names a bad code.
  const country = f.country.split(/[\s,]+/).filter(Boolean);
  if (country.length) b.country = country;
  return b;
}
