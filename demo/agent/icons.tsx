/**
 * The visitor state icons: a distinct shape per state (not colour alone), each with a text
 * alternative, and the legend that explains them.
 */
import type { JSX } from 'preact';
import type { Status } from './types';

/** Label and meaning of each state, in the legend's order. */
export const STATUS_INFO: Record<Status, [label: string, meaning: string]> = {
  unserved: ['Waiting', 'wrote in the chat and waits for an agent'],
  served: ['Served', 'in a conversation an agent has answered'],
  triggered: ['Auto message', 'was shown an automatic message, no chat yet'],
  active: ['Active', 'browsing, with activity in the last 10 minutes'],
  idle: ['Idle', 'still on the site, no activity for 10 minutes'],
};

// 16×16 shapes: bubble + "!", bubble + check, lightning bolt, solid dot, crescent moon.
const BUBBLE =
  'M2 3.5A1.5 1.5 0 0 1 3.5 2h9A1.5 1.5 0 0 1 14 3.5v6a1.5 1.5 0 0 1-1.5 1.5H7l-3 3v-3h-.5A1.5 1.5 0 0 1 2 9.5z';
const SHAPES: Record<Status, JSX.Element> = {
  unserved: (
    <>
      <path d={BUBBLE} />
      <path d="M8 4v3.5M8 9v.2" stroke="#fff" stroke-width="1.8" stroke-linecap="round" />
    </>
  ),
  served: (
    <>
      <path d={BUBBLE} />
      <path
        d="m5 6.5 2 2 4-4"
        stroke="#fff"
        stroke-width="1.6"
        fill="none"
        stroke-linecap="round"
      />
    </>
  ),
  triggered: <path d="M9.5 1 3 9h4l-1 6 7-8.5H9z" />,
  active: <circle cx="8" cy="8" r="5.5" />,
  idle: <path d="M10.5 2.2A6 6 0 1 0 13.8 11 5 5 0 0 1 10.5 2.2z" />,
};

/** The icon of one state, announced as its label. */
export function StateIcon({ status }: { status: Status }) {
  const info = STATUS_INFO[status] || STATUS_INFO.idle;
  return (
    <svg
      class={'state state-' + (STATUS_INFO[status] ? status : 'idle')}
      viewBox="0 0 16 16"
      width="18"
      height="18"
      role="img"
      aria-label={info[0]}
    >
      <title>{info[0] + ': ' + info[1]}</title>
      {SHAPES[status] || SHAPES.idle}
    </svg>
  );
}

/** What the icons mean. */
export function Legend() {
  return (
    <details class="legend">
      <summary>Icon legend</summary>
      <ul>
        {(Object.keys(STATUS_INFO) as Status[]).map((s) => (
          <li key={s}>
            <StateIcon status={s} />
            <span>
              <strong>{STATUS_INFO[s][0]}</strong> — {STATUS_INFO[s][1]}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}
