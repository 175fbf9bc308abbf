/** One row of the condition builder: its type, then the inputs that type needs. */
import type { ConditionDraft, ConditionType } from './conditions';
import { CONDITION_TYPES, DEVICES, newCondition, WEEKDAYS } from './conditions';
import { toAdd } from './form-end';

interface Props {
  n: number;
  draft: ConditionDraft;
  onChange(d: ConditionDraft): void;
  onRemove(): void;
}

/** Checkboxes for a list of choices (devices, weekdays). */
function Picks(p: { legend: string; options: [string, string][]; props: Props }) {
  const { draft, onChange } = p.props;
  return (
    <fieldset class="picks">
      <legend>{p.legend}</legend>
      {p.options.map(([value, label]) => (
        <label key={value}>
          <input
            type="checkbox"
            checked={draft.picks.includes(value)}
            onChange={(e) =>
              onChange({
                ...draft,
                picks: e.currentTarget.checked
                  ? [...draft.picks, value]
                  : draft.picks.filter((v) => v != value),
              })
            }
          />{' '}
          {label}
        </label>
      ))}
    </fieldset>
  );
}

export function ConditionFields(props: Props) {
  const { n, draft, onChange, onRemove } = props;
  // Numbers are typed as text (inputMode shows a digit keyboard): what is not a number reaches
  // the server as typed and its 400 says so, instead of the browser silently emptying it.
  const field = (key: 'value' | 'value2', label: string, type = 'text', placeholder = '') => (
    <label>
      {label}{' '}
      <input
        type="text"
        inputMode={type == 'number' ? 'decimal' : undefined}
        placeholder={placeholder}
        value={draft[key]}
        onInput={(e) => onChange({ ...draft, [key]: e.currentTarget.value })}
      />
    </label>
  );
  let inputs;
  switch (draft.type) {
    case 'url':
    case 'referrer':
      inputs = (
        <>
          <select
            aria-label={`Condition ${n}: how`}
            value={draft.op}
            onChange={(e) =>
              onChange({ ...draft, op: e.currentTarget.value as ConditionDraft['op'] })
            }
          >
            <option value="contains">contains</option>
            <option value="regex">matches the pattern</option>
          </select>
          {field('value', 'Text', 'text', draft.type == 'url' ? '/pricing' : 'google.')}
        </>
      );
      break;
    case 'timeOnPage':
    case 'timeOnSite':
      inputs = field('value', 'At least (seconds)', 'number');
      break;
    case 'visits':
      inputs = (
        <>
          {field('value', 'From visit', 'number')}
          {field('value2', 'to visit', 'number')}
        </>
      );
      break;
    case 'returning':
      inputs = (
        <select
          aria-label={`Condition ${n}: returning`}
          value={draft.value}
          onChange={(e) => onChange({ ...draft, value: e.currentTarget.value })}
        >
          <option value="true">has visited before</option>
          <option value="false">first visit</option>
        </select>
      );
      break;
    case 'device':
      inputs = <Picks legend="Devices" options={DEVICES.map((d) => [d, d])} props={props} />;
      break;
    case 'language':
      inputs = field('value', 'Language codes, comma separated', 'text', 'fr, de');
      break;
    case 'schedule':
      inputs = (
        <>
          <Picks
            legend="Weekdays (none: every day)"
            options={WEEKDAYS.map((d, i) => [String(i), d])}
            props={props}
          />
          {field('value', 'From hour', 'number', '9')}
          {field('value2', 'to hour', 'number', '17')}
        </>
      );
      break;
    case 'event':
      inputs = field('value', 'Event name (the trigger command)', 'text', 'demo');
      break;
  }
  return (
    <li class="condition">
      <select
        aria-label={`Condition ${n}: type`}
        value={draft.type}
        onChange={(e) => onChange(newCondition(e.currentTarget.value as ConditionType))}
      >
        {CONDITION_TYPES.map(([t, label]) => (
          <option key={t} value={t}>
            {label}
          </option>
        ))}
      </select>
      {inputs}
      <button
        type="button"
        onClick={(e) => {
          toAdd(e);
          onRemove();
        }}
        aria-label={`Remove condition ${n}`}
      >
        Remove
      </button>
    </li>
  );
}
