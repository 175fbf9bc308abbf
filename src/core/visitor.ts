import { isRecord, type Profile, type VariableValue } from '../protocol';

/** What the device keeps about the visitor besides identity and the conversation. */
export interface StoredVisitor {
  profile: Profile;
  variables: Record<string, VariableValue>;
  /** Labels of some variables, by key (Smartsupp's `{label, value}`). */
  labels?: Record<string, string>;
  customer: boolean;
  blocked: boolean;
  group?: string;
  /** Rule id → visit number it was last shown in. */
  shown: Record<string, number>;
  /** The browser's IANA time zone, read when the chat window opened (ICU is up by then). */
  timeZone?: string;
}

/** A visitor the device knows nothing about (first visit, logout). */
export const blankVisitor = (): StoredVisitor => ({
  profile: {},
  variables: {},
  customer: false,
  blocked: false,
  shown: {},
});

/** What was stored under `visitor`, checked; undefined when it is not a stored visitor. */
export function parseStoredVisitor(v: unknown): StoredVisitor | undefined {
  if (isRecord(v) && isRecord(v.profile) && isRecord(v.variables) && isRecord(v.shown))
    return {
      profile: v.profile as Profile,
      variables: v.variables as Record<string, VariableValue>,
      // Checked like the variables beside them: what this widget stored (labels: commands.ts).
      labels: isRecord(v.labels) ? (v.labels as Record<string, string>) : {},
      customer: v.customer === true,
      blocked: v.blocked === true,
      group: typeof v.group == 'string' ? v.group : undefined,
      shown: v.shown as Record<string, number>,
      timeZone: typeof v.timeZone == 'string' ? v.timeZone.slice(0, 64) : undefined,
    };
}
