/**
 * Shapes of the agent API (DESIGN.md §6) as the Visitors page reads them. Fields the server may
 * add later are optional, and every visitor-supplied value is treated as untrusted text.
 */
import type { Device, Message, VariableValue } from '../../src/protocol';

export type { Device, Message };

/** The list filters, as sent in `?filter=`. */
export type Filter = 'all' | 'active' | 'chatting' | 'customers' | 'auto-message' | 'blocked';

/** The state an icon shows (DESIGN.md §5). */
export type Status = 'served' | 'unserved' | 'triggered' | 'active' | 'idle';

/** The plan the server runs; proactive conversations need `standard` or `pro`. */
export type Plan = 'free' | 'standard' | 'pro';

/** A custom variable as stored: a plain value, or a labelled one (`{k: {label, value}}`). */
export type Variable = VariableValue | { label?: string; value: VariableValue };

export interface PageRef {
  url: string;
  title: string;
}

/** A visitor currently (or until recently) browsing the site. */
export interface Visitor {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  variables?: Record<string, Variable> | null;
  /** Labels of some variables, by key ("Spending" for `spending`). */
  variableLabels?: Record<string, string> | null;
  online: boolean;
  active: boolean;
  chatting: boolean;
  customer: boolean;
  verified: boolean;
  autoMessageReceived: boolean;
  blocked: boolean;
  status: Status;
  visits: number;
  pageViews: number;
  currentPage?: PageRef | null;
  referrer?: string | null;
  device?: Device | null;
  browser?: string | null;
  os?: string | null;
  language?: string | null;
  firstSeenAt: number;
  /** When this visit started, if the server tells (time on site is counted from it). */
  visitStartedAt?: number;
  connectedAt?: number;
  lastActivityAt: number;
  lastMessage?: Message | null;
  group?: string | null;
  /** The visitor is typing right now (the feed's `typing` events keep it current). */
  typing?: boolean;
}

/** One page view in a visitor's history. */
export interface PageView {
  url: string;
  title: string;
  at?: number;
}

/** `GET /api/visitors/:id`. */
export interface VisitorDetail extends Visitor {
  messages: Message[];
  pages: PageView[];
}

/** Count per filter, as `GET /api/visitors` answers them. */
export interface Counts {
  all: number;
  active: number;
  chatting: number;
  customers: number;
  autoMessage: number;
  blocked: number;
}

/** `GET /api/visitors`. `plan` is read when the server sends it. */
export interface VisitorList {
  visitors: Visitor[];
  counts: Counts;
  plan?: Plan;
}

/** Events of the live feed `GET /api/events` (docs/PROTOCOL.md, "Agent live feed"). */
export type FeedEvent =
  | { type: 'visitor'; data: Visitor }
  | { type: 'message'; data: { visitorId: string; message: Message } }
  | { type: 'typing'; data: { visitorId: string; on: boolean } };
