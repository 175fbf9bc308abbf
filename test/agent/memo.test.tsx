import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { memo } from '../../demo/agent/memo';

describe('memo', () => {
  it('skips a render when every prop is the same, and renders when one changed', () => {
    let renders = 0;
    const Inner = ({ label }: { label: string; data: object }) => {
      renders++;
      return <b>{label}</b>;
    };
    const Memo = memo(Inner);
    const root = document.createElement('div');
    const data = {};
    render(<Memo label="a" data={data} />, root);
    render(<Memo label="a" data={data} />, root);
    expect(renders).toBe(1);
    render(<Memo label="b" data={data} />, root);
    expect(renders).toBe(2);
    expect(root.textContent).toBe('b');
    render(<Memo label="b" data={{}} />, root);
    expect(renders).toBe(3);
  });
});
