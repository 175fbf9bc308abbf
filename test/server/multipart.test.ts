// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { boundaryOf, multipartFile, type PartInfo } from '../../demo/server/multipart';

async function read(body: Buffer, boundary: string, size: number) {
  async function* chunks() {
    for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
  }
  let info: PartInfo | undefined;
  const out: Buffer[] = [];
  for await (const b of multipartFile(chunks(), boundary, (p) => (info = p))) out.push(b);
  return { info, data: Buffer.concat(out) };
}

const form = (boundary: string, data: Buffer) =>
  Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a \\"b\\".png"\r\n` +
        'Content-Type: image/png\r\n\r\n',
    ),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);

describe('multipartFile', () => {
  it('yields the first file part whole however the body is cut into chunks', async () => {
    const data = Buffer.from('\r\n--almost a boundary\r\n' + 'x'.repeat(500) + '\r\n-');
    const body = form('XyZ', data);
    for (const size of [1, 3, 7, 64, 4096]) {
      const r = await read(body, 'XyZ', size);
      expect(r.info).toEqual({ filename: 'a "b".png', type: 'image/png' });
      expect(r.data.equals(data)).toBe(true);
    }
  });

  it('refuses a body without a file part or whose file part does not end', async () => {
    const noFile = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
    );
    await expect(read(noFile, 'b', 10)).rejects.toThrow(/no file part/);
    const cut = form('b', Buffer.from('data')).subarray(0, -10);
    await expect(read(cut, 'b', 10)).rejects.toThrow(/does not end/);
  });

  it('reads the boundary of a Content-Type, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc')).toBe('----abc');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/octet-stream')).toBeUndefined();
  });
});
