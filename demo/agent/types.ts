/**
 * Shapes of the agent API (docs/AGENT-API.md) as the Visitors page reads them. Fields the server may
 * add later are optional, and every visitor-supplied value is treated as untrusted text.
 */
import type { Device, Message } from '../../src/protocol';
import type { Counts, ListRow } from '../shared/visitor-list';

export type { Device, Message };

export type { Counts, Filter, PageRef, Status, Variable } from '../shared/visitor-list';

/** The plan the server runs; proactive conversations need `standard` or `pro`. */
export type Plan = 'free' | 'standard' | 'pro';

/** A visitor currently (or until recently) browsing the site: a row of the list. */
export type Visitor = ListRow;

/** One page view in a visitor's history. */
export interface PageView {
  url: string;
  title: string;
  at?: number;
}

/** The visitor's rating of its last closed conversation (DESIGN.md §9). */
export interface Rating {
  value: 'good' | 'bad';
  comment?: string;
  at: number;
}

/** `GET /api/visitors/:id`. */
export interface VisitorDetail extends Visitor {
  messages: Message[];
  pages: PageView[];
  rating?: Rating | null;
}

/** `GET /api/visitors`. `plan` is read when the server sends it. */
export interface VisitorList {
  visitors: Visitor[];
  counts: Counts;
  /** How many rows matched (the answer holds a page of them). */
  total?: number;
  offset?: number;
  plan?: Plan;
  /** The feed event this answer is current with (docs/PROTOCOL.md, "Agent live feed"). */
  lastEventId?: string;
}

/** Events of the live feed `GET /api/events` (docs/PROTOCOL.md, "Agent live feed"). */
export type FeedEvent = { id?: string } & (
  | { type: 'visitor'; data: Visitor }
  | { type: 'counts'; data: Counts }
  | { type: 'message'; data: { visitorId: string; message: Message; first?: boolean } }
  | { type: 'typing'; data: { visitorId: string; on: boolean } }
  | { type: 'reset'; data: unknown }
);
