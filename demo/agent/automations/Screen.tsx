/**
 * The Automations screen: every automation with its on/off switch, figures, edit and delete,
 * and the auto-message and chatbot-flow forms. Figures are re-read every few seconds while the screen is open (they have
 * no live feed event).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Call } from '../api';
import type { Automation, AutomationStats } from '../../server/automation';
import { AutoMessageEditor } from './AutoMessageEditor';
import { BotEditor } from './BotEditor';
import { botFormOf, emptyBot, type BotForm } from './bot-form';
import { emptyForm, formOf, type AutoMessageForm } from './form';

/** How often the figures are re-read. */
export const REFRESH_MS = 3000;

type Row = Automation & { stats: AutomationStats };

const path = (id: string) => '/api/automations/' + encodeURIComponent(id);
const label = (a: Automation) => (a.kind == 'bot' ? a.name : a.name || a.text);

/** The name of the flow other than `id` that greets new conversations (one at most does). */
const greeter = (rows: Row[] | null, id: string | undefined) =>
  rows?.find((a) => a.kind == 'bot' && a.greeting && a.id != id)?.name;

export function AutomationsScreen({ call, onBack }: { call: Call; onBack(): void }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<AutoMessageForm | null>(null);
  const [bot, setBot] = useState<BotForm | null>(null);
  /** The automation whose deletion waits for a second click. */
  const [deleting, setDeleting] = useState('');
  const title = useRef<HTMLHeadingElement>(null);
  const fail = (e: unknown) => setError((e as Error).message);
  const load = () =>
    call<{ automations: Row[] }>('GET', '/api/automations').then((r) => {
      setRows(r.automations);
      setError('');
    }, fail);

  useEffect(() => {
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  // The screen opens on its heading; a form that opens (New, Edit) takes the focus to its first
  // field, and one that closes (Save, Cancel) gives it back to the heading: the button that
  // opened or closed it is gone or far below, and the focus would drop to the page.
  const form = editing || bot;
  useEffect(() => {
    const h = title.current;
    (form ? h?.closest('main')?.querySelector<HTMLElement>('form input') : h)?.focus();
  }, [form]);

  async function toggle(a: Row) {
    try {
      const { automation } = await call<{ automation: Row }>('PATCH', path(a.id), {
        enabled: !a.enabled,
      });
      setRows((rs) => rs && rs.map((r) => (r.id == a.id ? automation : r)));
      setError('');
    } catch (e) {
      fail(e);
    }
  }

  async function remove(a: Row) {
    try {
      await call('DELETE', path(a.id));
      setRows((rs) => rs && rs.filter((r) => r.id != a.id));
      setDeleting('');
      // Its row is gone: the focus goes back to the screen's heading.
      title.current?.focus();
      setError('');
    } catch (e) {
      fail(e);
    }
  }

  const done = (saved: Automation | null) => {
    setEditing(null);
    setBot(null);
    if (saved) void load();
  };

  return (
    <main class="agent automations">
      <header class="top">
        <h1 ref={title} tabIndex={-1}>
          Automations
        </h1>
        <button type="button" onClick={onBack}>
          Back to Visitors
        </button>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {editing ? (
        <AutoMessageEditor call={call} initial={editing} onDone={done} />
      ) : bot ? (
        <BotEditor call={call} initial={bot} onDone={done} greeter={greeter(rows, bot.id)} />
      ) : (
        <div class="toolbar">
          <button type="button" class="primary" onClick={() => setEditing(emptyForm())}>
            New auto message
          </button>
          <button type="button" onClick={() => setBot(emptyBot())}>
            New chatbot flow
          </button>
        </div>
      )}
      {rows == null ? (
        !error && <p role="status">Loading…</p>
      ) : rows.length == 0 ? (
        <p>No automations yet.</p>
      ) : (
        <table class="automation-list">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Shown</th>
              <th scope="col">Replied</th>
              <th scope="col">Conversations</th>
              <th scope="col">On</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id} data-id={a.id}>
                <th scope="row">{label(a)}</th>
                <td>
                  {a.kind != 'bot'
                    ? 'Auto message'
                    : a.greeting
                      ? 'Chatbot flow, greets new conversations'
                      : 'Chatbot flow'}
                </td>
                <td class="shown">{a.stats.shown}</td>
                <td class="replied">{a.stats.replied}</td>
                <td class="conversations">{a.stats.conversations}</td>
                <td>
                  <button
                    type="button"
                    role="switch"
                    class="toggle"
                    aria-checked={a.enabled}
                    aria-label={label(a)}
                    onClick={() => void toggle(a)}
                  >
                    {a.enabled ? 'On' : 'Off'}
                  </button>
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    aria-label={'Edit ' + label(a)}
                    onClick={() => (a.kind == 'bot' ? setBot(botFormOf(a)) : setEditing(formOf(a)))}
                  >
                    Edit
                  </button>
                  {deleting == a.id ? (
                    <>
                      <button
                        type="button"
                        class="danger"
                        // Takes the focus from the Delete button it replaces.
                        ref={(b) => b?.focus()}
                        aria-label={'Confirm: delete ' + label(a)}
                        onClick={() => void remove(a)}
                      >
                        Delete for good
                      </button>
                      <button
                        type="button"
                        onClick={(e) => {
                          // The Delete button comes back in its place and takes the focus.
                          const cell = e.currentTarget.parentNode!;
                          setDeleting('');
                          setTimeout(() => (cell.lastChild as HTMLElement).focus());
                        }}
                      >
                        Keep
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      aria-label={'Delete ' + label(a)}
                      onClick={() => setDeleting(a.id)}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
