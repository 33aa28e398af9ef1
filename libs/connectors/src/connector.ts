import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import type { Card } from '#domain/card.js';
import type { CreditLine, Instalment, InstalmentPlan } from '#domain/credit.js';
import type { IsoDate, Timestamp } from '#domain/dates.js';
import type { ProviderId } from '#domain/provider.js';
import type { Transaction } from '#domain/transaction.js';
import type { Transfer } from '#domain/transfer.js';
import type { Capability, Permission } from '#domain/permissions.js';
import type { DriftReport, RevalidateOptions } from './revalidation.js';

/**
 * The connector contract (architecture.md): one implementation per provider translates that
 * provider's protocol into the canonical model of libs/domain. A connector is stateless between
 * calls and persists nothing — sessions and checkpoints go back to the caller, who stores them
 * (encrypted, in the case of sessions). Every bank fault surfaces as one of the errors of
 * `connector-errors.ts`; any other exception is a bug.
 */

/** JSON values, for the opaque state connectors hand to their callers to store. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

export type { Capability, Permission } from '#domain/permissions.js';

/** What Hisob asks the provider to authorise. */
export interface ConsentRequest {
  /** Hisob's consent id; connectors may use it to correlate, never as a secret. */
  readonly consentId: string;
  /** What the user is asked to grant; a connector asks the bank for no more than this. */
  readonly permissions: readonly Permission[];
  /** Hisob's callback URL the bank returns the browser to (redirect providers). */
  readonly redirectUri: string;
  /** Last day of access the user grants; null for the provider's maximum. */
  readonly validUntil: IsoDate | null;
  /** E.164 phone number for OTP providers; null otherwise. */
  readonly msisdn: string | null;
  /** The end user's IP address, when the client passed it (Berlin Group `PSU-IP-Address`). */
  readonly psuIpAddress?: string | null;
}

/**
 * The first step of an authorisation. `pending` is opaque state the caller must store with the
 * consent and hand back to {@link Connector.completeAuthorisation} (for OAuth: the PKCE
 * `code_verifier` and the redirect URI — short-lived, but store it encrypted all the same).
 */
export type AuthorisationStart =
  | {
      readonly kind: 'redirect';
      /** Where to send the end user's browser. */
      readonly authorisationUrl: string;
      /** The `state` the callback will carry: look the consent up by it. */
      readonly state: string;
      /** Opaque state to store (encrypted) until the callback. */
      readonly pending: JsonObject;
    }
  | {
      /** The provider sent the user an OTP; Hisob collects it (`POST /v1/consents/{id}/otp`). */
      readonly kind: 'otp';
      /** Opaque state to store (encrypted) until the OTP arrives. */
      readonly pending: JsonObject;
    };

/** The second step of an authorisation, with the caller's stored `pending`. */
export type AuthorisationInput =
  | {
      readonly kind: 'redirect';
      /** Every query parameter the bank appended to the callback URL (`code`, `state`, `iss`, `error`…). */
      readonly callbackParams: Readonly<Record<string, string>>;
      /** The `pending` of {@link AuthorisationStart}, as stored. */
      readonly pending: JsonObject;
    }
  | {
      readonly kind: 'otp';
      /** The code the user typed. */
      readonly otp: string;
      /** The `pending` of {@link AuthorisationStart}, as stored. */
      readonly pending: JsonObject;
    };

/**
 * Credentials for one consent at one provider. Produced by the connector, stored encrypted by the
 * caller (libs/crypto), passed back on every call. A connector never keeps one.
 */
export interface BankSession {
  /** Bearer credential for the bank's API. */
  readonly accessToken: string;
  /** Null when the provider issues none; then expiry means re-authorisation. */
  readonly refreshToken: string | null;
  /** When the access token expires; null when the provider does not say. */
  readonly expiresAt: Timestamp | null;
  /** The scope the provider granted (space-separated), null when it does not say. */
  readonly scope: string | null;
  /** Provider-specific state the connector needs later (e.g. a Berlin Group consent id). */
  readonly state: JsonObject | null;
}

/**
 * Where a transaction stream stands: opaque JSON owned by the connector, stored by the sync engine
 * in the same database transaction as the page it follows.
 */
export type Checkpoint = JsonObject;

/** One page of a transaction stream. */
export interface TransactionPage {
  /** This page's entries, each delivered once per stream; may be empty (e.g. an empty account). */
  readonly transactions: readonly Transaction[];
  /** Resume point AFTER this page: passing it back yields the next page, with no gap and no repeat. */
  readonly checkpoint: Checkpoint;
  /** True on the last page of the stream. */
  readonly done: boolean;
  /**
   * Set on the last page (`done`) when this stream's pages held EVERY pending entry the bank shows
   * for the account right now. Stored pending entries absent from it have either booked (a booked
   * entry of the stream supersedes them) or vanished; the sync removes them. Left unset, stored
   * pending entries are kept as they are.
   */
  readonly pendingComplete?: boolean;
}

/** A list item the connector could not read (unknown status, currency, shape): left out and reported. */
export interface SkippedItem {
  /** JSON path of the item in the bank's reply. */
  readonly path: string;
  readonly reason: string;
}

/** A best-effort list: what could be read, and what was left out. One bad item never hides the rest. */
export interface ItemsRead<T> {
  readonly items: readonly T[];
  readonly skipped: readonly SkippedItem[];
}

/** What {@link Connector.credit} reads. Plans or instalments it could not read are in `skipped`. */
export interface CreditLedger {
  readonly lines: readonly CreditLine[];
  readonly plans: readonly InstalmentPlan[];
  readonly instalments: readonly Instalment[];
  readonly skipped: readonly SkippedItem[];
}

/**
 * How a read happens. Berlin Group banks count reads made without the end user against the
 * consent's `frequencyPerDay`; a read the end user asked for just now (a client's manual sync
 * naming their IP address) sends `PSU-IP-Address` and is not counted. Providers without the
 * notion ignore it.
 */
export interface ReadOptions {
  /** The end user's IP address when they are present (asked for this read); absent otherwise. */
  readonly psuIpAddress?: string | null;
}

/** Options of a new transaction stream; ignored when resuming, as a checkpoint carries its own. */
export interface TransactionQuery extends ReadOptions {
  /** Earliest booking date to read (the sync engine's overlap window); null for all history. */
  readonly since?: IsoDate | null;
}

/**
 * A provider connector. Required members cover account information; optional members are
 * capabilities a provider may lack (`connector.cards?.(session)`), and `capabilities` lists the
 * ones it has.
 */
export interface Connector {
  /** Which provider this connector speaks to. */
  readonly provider: ProviderId;
  /** What this provider can serve; consistent with the optional members present. */
  readonly capabilities: readonly Capability[];

  /**
   * Starts an authorisation: a redirect URL for the user's browser, or an OTP sent to the user.
   *
   * @throws {RateLimited | Transient | ProtocolViolation}
   */
  startAuthorisation(request: ConsentRequest): Promise<AuthorisationStart>;

  /**
   * Finishes an authorisation (code exchange, OTP check) and returns the session.
   *
   * @throws {ReauthRequired} `authorisation_denied` when the user refused, `invalid_grant` for a
   *   used or expired code; plus the transport errors.
   */
  completeAuthorisation(input: AuthorisationInput): Promise<BankSession>;

  /**
   * A fresh session from the refresh token. The returned session replaces the old one entirely
   * (providers rotate refresh tokens).
   *
   * @throws {ReauthRequired} when the refresh token is gone, expired or revoked.
   */
  refresh(session: BankSession): Promise<BankSession>;

  /** Revokes the session at the provider where its protocol allows; a no-op otherwise. */
  revoke(session: BankSession): Promise<void>;

  /** The accounts the consent covers. */
  listAccounts(session: BankSession, options?: ReadOptions): Promise<ItemsRead<Account>>;

  /** Balances of one account (`providerAccountId` from {@link listAccounts}); best effort. */
  getBalances(session: BankSession, accountId: string, options?: ReadOptions): Promise<Balance[]>;

  /**
   * The transactions of one account as a resumable stream of pages.
   *
   * - `from = null` starts a new stream (window per `query`); a checkpoint from a yielded page
   *   resumes right after that page, so a crashed sync re-reads nothing it committed and skips
   *   nothing it did not.
   * - The last page has `done: true`; a checkpoint of a done page yields no further pages.
   * - An error thrown mid-stream leaves the last yielded checkpoint valid.
   */
  transactions(
    session: BankSession,
    accountId: string,
    from: Checkpoint | null,
    query?: TransactionQuery,
  ): AsyncIterable<TransactionPage>;

  /** Cards of the consent's user (best effort). */
  cards?(session: BankSession): Promise<ItemsRead<Card>>;

  /** Outgoing transfers (payment orders) of one account (best effort). */
  transfers?(session: BankSession, accountId: string): Promise<ItemsRead<Transfer>>;

  /**
   * The credit ledger (best effort): credit lines, every instalment plan the provider has (closed
   * and rejected included), and the repayment schedule of every plan that has one. One call, as
   * providers serve plans and their schedules together.
   */
  credit?(session: BankSession): Promise<CreditLedger>;

  /**
   * Re-validation (revalidation.ts): reads every resource once and reports, per resource, whether
   * it answered and how its wire differs from the connector's schemas. The report is data: only
   * a session refused by the bank throws (`TokenExpired`, `ReauthRequired`), so the caller can
   * refresh and try again.
   */
  revalidate?(session: BankSession, options?: RevalidateOptions): Promise<DriftReport>;
}
