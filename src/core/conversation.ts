import { parseConversationFrame } from '../protocol';
import { createDelivery, type Delivery } from './delivery';
import type { Kernel } from './kernel';

/** The conversation as the chat layer uses it once loaded. */
export interface Conversation {
  delivery: Delivery;
  /** Completes the validation of a frame with messages (protocol/incoming-messages.ts). */
  parse: typeof parseConversationFrame;
}

/**
 * Starts the conversation on a kernel: the delivery state machine, with what the device holds
 * (the stored messages, what an earlier page left unsent) loaded. Its outbox saves run alone
 * among the visitor's tabs where the browser has Web Locks.
 */
export async function startConversation(k: Kernel, startUI: () => void): Promise<Conversation> {
  const locks = k.win?.navigator.locks;
  const delivery = createDelivery(k, {
    share: (m) => k.tabs?.post({ t: 'm', m }),
    startUI,
    exclusive: locks ? (save) => locks.request('visitor-chat:outbox', save).catch(save) : undefined,
  });
  await delivery.load();
  return { delivery, parse: parseConversationFrame };
}
