import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Transaction } from '#domain/transaction.js';
import {
  ChallengePending,
  NotPermitted,
  ProtocolViolation,
  TokenExpired,
  Unsupported,
  RateLimited,
  ReauthRequired,
  Transient,
  type ConnectorErrorKind,
} from '../connector-errors.js';
import type { BankSession, Checkpoint, Connector, TransactionPage } from '../connector.js';

/**
 * The contract every connector must keep (STYLE §6.3: one suite, every connector, against its
 * sandbox): paging to completion, resume from a checkpoint with no gap and no duplicate, and
 * each bank fault surfacing as its typed error. Per-bank quirks stay in per-bank specs.
 *
 * A harness adapts one connector and one bank (its sandbox app, with or without a profile) to the
 * suite; faults are injected through the bank (the sandbox's `/__sandbox/faults`), never by
 * mocking the connector.
 */

/** A fault the bank can be asked to produce, named by the error it must become. */
export type ContractFault = ConnectorErrorKind;

/** Which call the fault hits. */
export type FaultTarget = 'accounts' | 'balances' | 'transactions';

/** One connector wired to one bank for the contract suite. */
export interface ContractHarness {
  readonly connector: Connector;
  /** An account holding enough transactions for at least three pages. */
  readonly accountId: string;
  /** The number of transactions of `accountId` when the bank's seed fixes it. */
  readonly expectedTransactionCount?: number;
  /** A session of the seeded user, authorised through the connector's own flow where possible. */
  session(): Promise<BankSession>;
  /**
   * Makes the bank answer one call to `target` with `fault`, after letting `after` matching
   * calls through (default 0).
   */
  injectFault(
    fault: ContractFault,
    target: FaultTarget,
    options?: { readonly after?: number },
  ): Promise<void>;
  clearFaults(): Promise<void>;
  close(): Promise<void>;
}

const ERROR_CLASSES = {
  reauth_required: ReauthRequired,
  token_expired: TokenExpired,
  not_permitted: NotPermitted,
  unsupported: Unsupported,
  challenge_pending: ChallengePending,
  rate_limited: RateLimited,
  transient: Transient,
  protocol_violation: ProtocolViolation,
} as const;

const MAX_PAGES = 10_000;

/** Reads a stream to its end (or `maxPages`), keeping each page. */
export async function collectPages(
  stream: AsyncIterable<TransactionPage>,
  maxPages = MAX_PAGES,
): Promise<TransactionPage[]> {
  const pages: TransactionPage[] = [];
  for await (const page of stream) {
    pages.push(page);
    if (pages.length >= maxPages) throw new Error(`stream did not end within ${maxPages} pages`);
  }
  return pages;
}

const idsOf = (pages: readonly TransactionPage[]): string[] =>
  pages.flatMap((p) => p.transactions.map((t: Transaction) => t.providerTransactionId));

/** A checkpoint after a trip through JSON, as the sync engine stores it. */
const stored = (checkpoint: Checkpoint): Checkpoint => JSON.parse(JSON.stringify(checkpoint)) as Checkpoint;

/** Options of {@link describeConnectorContract}. */
export interface ContractOptions {
  /** Faults the provider's protocol has; default all but `challenge_pending` (Alif Shop's 423). */
  readonly faults?: readonly ContractFault[];
}

/** Registers the contract suite for one connector; `factory` runs once, in `beforeAll`. */
export function describeConnectorContract(
  name: string,
  factory: () => Promise<ContractHarness>,
  options: ContractOptions = {},
): void {
  const faults = options.faults ?? [
    'reauth_required',
    'token_expired',
    'not_permitted',
    'rate_limited',
    'transient',
    'protocol_violation',
  ];

  describe(`connector contract: ${name}`, () => {
    let h: ContractHarness;
    let session: BankSession;
    let full: TransactionPage[];

    beforeAll(async () => {
      h = await factory();
      session = await h.session();
      full = await collectPages(h.connector.transactions(session, h.accountId, null));
    });

    afterEach(async () => {
      await h.clearFaults();
    });

    afterAll(async () => {
      await h?.close();
    });

    it('lists the accounts, including the paged one', async () => {
      const accounts = (await h.connector.listAccounts(session)).items;
      expect(accounts.map((a) => a.providerAccountId)).toContain(h.accountId);
      expect(new Set(accounts.map((a) => a.providerAccountId)).size).toBe(accounts.length);
    });

    it('reads balances of the account, or says the bank does not show them (best effort)', async () => {
      try {
        const balances = await h.connector.getBalances(session, h.accountId);
        for (const b of balances) expect(b.amount.toString()).toMatch(/^-?\d+(\.\d+)?$/);
      } catch (err) {
        // A view without balances, or a deployment without the endpoint: coverage, not a failure.
        expect([NotPermitted, Unsupported].some((c) => err instanceof c)).toBe(true);
      }
    });

    it('pages transactions to completion: one done page at the end, no duplicate id', () => {
      expect(full.length).toBeGreaterThanOrEqual(3);
      expect(full.map((p) => p.done)).toEqual([...full.slice(1).map(() => false), true]);
      const ids = idsOf(full);
      expect(new Set(ids).size).toBe(ids.length);
      if (h.expectedTransactionCount !== undefined) expect(ids).toHaveLength(h.expectedTransactionCount);
      for (const page of full) expect(stored(page.checkpoint)).toEqual(page.checkpoint);
    });

    it('resumes from a checkpoint with exactly the rest: no gap, no duplicate', async () => {
      const all = idsOf(full);
      const picks = [...new Set([0, Math.floor((full.length - 1) / 2), full.length - 2])].filter(
        (i) => i >= 0,
      );
      for (const i of picks) {
        const before = idsOf(full.slice(0, i + 1));
        const rest = idsOf(
          await collectPages(h.connector.transactions(session, h.accountId, stored(full[i]!.checkpoint))),
        );
        expect([...before, ...rest]).toEqual(all);
      }
    });

    it('yields nothing after a done checkpoint', async () => {
      const last = full.at(-1)!;
      expect(
        await collectPages(h.connector.transactions(session, h.accountId, stored(last.checkpoint))),
      ).toEqual([]);
    });

    it('keeps the last checkpoint valid when a page fails mid-stream', async () => {
      await h.injectFault('transient', 'transactions', { after: 1 });
      const seen: TransactionPage[] = [];
      let failure: unknown = null;
      try {
        for await (const page of h.connector.transactions(session, h.accountId, null)) seen.push(page);
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeInstanceOf(Transient);
      expect(seen).toHaveLength(1);
      await h.clearFaults();
      const rest = await collectPages(
        h.connector.transactions(session, h.accountId, stored(seen[0]!.checkpoint)),
      );
      expect([...idsOf(seen), ...idsOf(rest)]).toEqual(idsOf(full));
    });

    for (const kind of faults) {
      it(`surfaces a ${kind} fault on transactions as ${ERROR_CLASSES[kind].name}`, async () => {
        await h.injectFault(kind, 'transactions');
        const err = await h.connector
          .transactions(session, h.accountId, null)
          [Symbol.asyncIterator]()
          .next()
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err).toBeInstanceOf(ERROR_CLASSES[kind]);
        expect(err).toMatchObject({ kind });
        expect((err as Error).message).not.toContain(session.accessToken);
        if (err instanceof RateLimited) expect(err.retryAfterS).toBeGreaterThanOrEqual(1);
        if (err instanceof ProtocolViolation) expect(Buffer.byteLength(err.excerpt)).toBeLessThanOrEqual(500);
      });
    }

    it('surfaces faults on account and balance reads too', async () => {
      await h.injectFault('reauth_required', 'accounts');
      await expect(h.connector.listAccounts(session)).rejects.toBeInstanceOf(ReauthRequired);
      await h.injectFault('transient', 'balances');
      await expect(h.connector.getBalances(session, h.accountId)).rejects.toBeInstanceOf(Transient);
      await h.clearFaults();
    });
  });
}
