/**
 * visitor-chat for bundlers: named exports only, no side effects.
 * @example
 * import { createWidget, createMemoryTransport } from 'visitor-chat';
 * const widget = createWidget({ key: 'demo', transport: createMemoryTransport(), ui: false });
 */
export { createWidget } from './core/widget';
export type { Widget, WidgetOptions } from './core/widget';
export type { Config } from './core/config';
export type {
  Commands,
  CommandName,
  EventName,
  IdentifyInput,
  Listener,
  ThemeInput,
  VariableInput,
  WidgetEvents,
} from './core/commands';
export type { AutoMessage, ChatMessage, Delivery, Theme, WidgetState } from './core/state';
export type { KeyValueStore } from './core/storage';
export type { Logger } from './core/log';
export { createMemoryStore } from './core/storage';
export type { AutoMessageRule, Condition } from './core/rules';
export { createMemoryTransport } from './transport/memory';
export type { MemoryServer, MemoryServerOptions, MemoryTransport } from './transport/memory';
export { createWebSocketTransport, type WebSocketTransportOptions } from './transport/websocket';
export { createHttpTransport, type HttpTransportOptions } from './transport/http';
export type { ConnectionStatus, Transport, TransportListener } from './transport/types';
export { PROTOCOL_VERSION, parseServerFrame } from './protocol';
export type * from './protocol';
