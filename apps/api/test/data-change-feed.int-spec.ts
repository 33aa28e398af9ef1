import {
  DataFactory,
  minorToDecimal,
  prng,
  type TestAccount,
  type TestClient,
  type TestConsent,
} from '#testing/factories.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/** `GET /v1/transactions/sync`: a client that follows it ends with exactly Hisob's copy. */
let api: ApiHarness;
let f: DataFactory;
let client: TestClient;

beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
  client = await f.makeClient('feed');
});

afterAll(async () => {
  await f?.close();
  await api?.close();
});

type Tx = Record<string, unknown> & { id: string };
interface FeedPage {
  added: Tx[];
  modified: Tx[];
  removed: string[];
  next_cursor: string;
  has_more: boolean;
  data_as_of: string | null;
}

async function feed(consentId: string, cursor?: string, count?: number): Promise<FeedPage> {
  const qs = new URLSearchParams({
    consent_id: consentId,
    ...(cursor ? { cursor } : {}),
    ...(count ? { count: String(count) } : {}),
  });
  const r = await fetch(`${api.url}/v1/transactions/sync?${qs}`, { headers: bearer(client.apiKey) });
  if (r.status !== 200) throw new Error(`feed: ${r.status} ${await r.text()}`);
  return json(r);
}

/** A client's copy, kept by applying pages as api.md says: upsert added/modified, delete removed. */
class Follower {
  readonly copy = new Map<string, Tx>();
  cursor: string | undefined;
  constructor(private readonly consentId: string) {}
  async drain(count?: number): Promise<number> {
    let pages = 0;
    for (;;) {
      const page = await feed(this.consentId, this.cursor, count);
      pages++;
      for (const t of [...page.added, ...page.modified]) this.copy.set(t.id, t);
      for (const id of page.removed) this.copy.delete(id);
      this.cursor = page.next_cursor;
      if (!page.has_more) return pages;
    }
  }
}

/** Hisob's copy through the list endpoint (every account of the consent, every page). */
async function hisobCopy(accounts: TestAccount[]): Promise<Map<string, Tx>> {
  const out = new Map<string, Tx>();
  for (const a of accounts) {
    let cursor = '';
    do {
      const r = await fetch(
        `${api.url}/v1/accounts/${a.id}/transactions?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
        {
          headers: bearer(client.apiKey),
        },
      );
      const page = await json(r);
      for (const t of page.transactions) out.set(t.id, t);
      cursor = page.next_cursor;
    } while (cursor);
  }
  return out;
}

describe('change feed', () => {
  let consent: TestConsent;
  let account: TestAccount;

  beforeAll(async () => {
    consent = await f.makeConsent(client.id, { endUserId: 'feed-user' });
    account = await f.makeAccount(consent, { booked: '0.00', dataAsOf: new Date('2026-03-01T00:00:00Z') });
  });

  it('reports added, then modified, then removed, each once', async () => {
    const start = await feed(consent.id);
    expect(start).toEqual({
      added: [],
      modified: [],
      removed: [],
      next_cursor: expect.any(String),
      has_more: false,
      data_as_of: '2026-03-01T00:00:00.000Z',
    });

    const [a, b, c] = await f.makeTransactions(account, 3, { seed: 1, from: '2026-01-01', to: '2026-01-03' });
    const p1 = await feed(consent.id, start.next_cursor);
    expect(p1.added.map((t) => t.id)).toEqual([a!.id, b!.id, c!.id]);
    expect(p1.added[0]).toMatchObject({
      id: a!.id,
      account_id: account.id,
      amount: a!.amount,
      date: '2026-01-01',
      status: 'booked',
    });
    expect([p1.modified, p1.removed, p1.has_more]).toEqual([[], [], false]);

    await f.updateTransaction(b!.id, { amount: '-77.70', status: 'pending' });
    const p2 = await feed(consent.id, p1.next_cursor);
    expect(p2.added).toEqual([]);
    expect(p2.modified).toEqual([
      expect.objectContaining({ id: b!.id, amount: '-77.70', status: 'pending' }),
    ]);
    expect(p2.removed).toEqual([]);

    await f.removeTransaction(c!.id);
    const p3 = await feed(consent.id, p2.next_cursor);
    expect([p3.added, p3.modified, p3.removed]).toEqual([[], [], [c!.id]]);

    // Nothing new: the cursor stays where it is.
    const p4 = await feed(consent.id, p3.next_cursor);
    expect(p4).toMatchObject({
      added: [],
      modified: [],
      removed: [],
      next_cursor: p3.next_cursor,
      has_more: false,
    });

    // From the beginning, the history collapses to the current state: a (added), b (added, in its
    // latest state), c removed.
    const all = await feed(consent.id);
    expect(all.added.map((t) => t.id)).toEqual([a!.id, b!.id]);
    expect(all.added[1]).toMatchObject({ amount: '-77.70', status: 'pending' });
    expect(all.modified).toEqual([]);
    expect(all.removed).toEqual([c!.id]);
  });

  it('a row created and changed past the cursor is added once, in its latest state', async () => {
    const before = (await feed(consent.id)).next_cursor;
    const [t] = await f.makeTransactions(account, 1, {
      seed: 2,
      from: '2026-02-01',
      to: '2026-02-01',
      idPrefix: 'twice',
    });
    await f.updateTransaction(t!.id, { description: 'corrected' });
    const page = await feed(consent.id, before);
    expect(page.added).toEqual([expect.objectContaining({ id: t!.id, description: 'corrected' })]);
    expect(page.modified).toEqual([]);
  });

  it('pages by count with has_more, and refuses a cursor of another consent', async () => {
    const other = await f.makeConsent(client.id);
    const acc = await f.makeAccount(other);
    await f.makeTransactions(acc, 25, { seed: 3 });
    const p1 = await feed(other.id, undefined, 10);
    const p2 = await feed(other.id, p1.next_cursor, 10);
    const p3 = await feed(other.id, p2.next_cursor, 10);
    expect([
      p1.added.length,
      p1.has_more,
      p2.added.length,
      p2.has_more,
      p3.added.length,
      p3.has_more,
    ]).toEqual([10, true, 10, true, 5, false]);
    expect(new Set([...p1.added, ...p2.added, ...p3.added].map((t) => t.id)).size).toBe(25);

    const r = await fetch(
      `${api.url}/v1/transactions/sync?consent_id=${consent.id}&cursor=${p1.next_cursor}`,
      { headers: bearer(client.apiKey) },
    );
    expect(r.status).toBe(400);
    expect((await json(r)).errors).toEqual([{ field: 'cursor', message: 'cursor is not valid' }]);
  });

  it("reproduces Hisob's copy for a client following it while two writers change the consent", async () => {
    const c = await f.makeConsent(client.id);
    const accounts = [await f.makeAccount(c), await f.makeAccount(c)];
    const follower = new Follower(c.id);
    await f.makeTransactions(accounts[0]!, 40, { seed: 9, idPrefix: 'seed0' });
    await follower.drain(7);

    // Two writers at once (their advisory lock orders their numbering), the follower polling in between.
    const writer = async (w: number) => {
      const rnd = prng(500 + w);
      for (let i = 0; i < 30; i++) {
        const a = accounts[rnd() % 2]!;
        const live = await f.query<{ id: string }>(
          `SELECT id FROM transactions WHERE consent_id = $1 ORDER BY id`,
          [c.id],
        );
        const op = rnd() % 3;
        if (op === 0 || !live.length) {
          await f.makeTransactions(a, 1 + (rnd() % 4), { seed: w * 1000 + i, idPrefix: `w${w}-${i}` });
        } else if (op === 1) {
          const t = live[rnd() % live.length]!;
          await f
            .updateTransaction(t.id, { amount: minorToDecimal(BigInt((rnd() % 100000) - 50000)) })
            .catch(() => undefined);
        } else {
          const t = live[rnd() % live.length]!;
          await f.removeTransaction(t.id).catch(() => undefined);
        }
      }
    };
    let writing = true;
    const polling = (async () => {
      while (writing) await follower.drain(5);
    })();
    await Promise.all([writer(1), writer(2)]);
    writing = false;
    await polling;
    await follower.drain(5);

    const hisob = await hisobCopy(accounts);
    expect(hisob.size).toBeGreaterThan(0);
    expect(new Map([...follower.copy].sort())).toEqual(new Map([...hisob].sort()));
  });
});
