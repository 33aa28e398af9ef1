import { readAhead } from './read-ahead.js';

describe('readAhead', () => {
  it('yields every item in order and starts producing the next before the current is handled', async () => {
    const events: string[] = [];
    async function* pages() {
      for (let i = 1; i <= 3; i++) {
        events.push(`fetch ${i}`);
        await new Promise((r) => setTimeout(r, 5));
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const p of readAhead(pages())) {
      events.push(`write ${p}`);
      await new Promise((r) => setTimeout(r, 20));
      seen.push(p);
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(events.indexOf('fetch 2')).toBeLessThan(events.indexOf('write 1') + 2);
    expect(events.indexOf('fetch 2')).toBeLessThan(events.length);
    expect(events.slice(0, 3)).toEqual(['fetch 1', 'fetch 2', 'write 1']);
  });

  it('surfaces an error of the item read ahead only when the caller reaches it', async () => {
    async function* pages() {
      yield 1;
      throw new Error('page 2 is malformed');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const p of readAhead(pages())) seen.push(p);
      })(),
    ).rejects.toThrow('page 2 is malformed');
    expect(seen).toEqual([1]);
  });

  it('stops the source when the caller stops early', async () => {
    let closed = false;
    async function* pages() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const p of readAhead(pages())) if (p === 2) break;
    expect(closed).toBe(true);
  });
});
