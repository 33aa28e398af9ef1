/**
 * Account information consents: the request body's validation (`consents` schema and the rules
 * the schema's descriptions state), the consent resource, its authorisation sub-resources and the
 * per-day access counters.
 */
import { randomUUID } from 'node:crypto';

import type { AccountDef } from '../seed/catalog.js';
import { dayToIso, epochDay, isIsoDate } from '../seed/dates.js';
import { BgError, formatError } from './errors.js';

export type ConsentStatus =
  'received' | 'rejected' | 'valid' | 'revokedByPsu' | 'expired' | 'terminatedByTpp';
export type ScaStatus = 'received' | 'psuAuthenticated' | 'started' | 'finalised' | 'failed';
export type AllAccountsValue = 'allAccounts' | 'allAccountsWithOwnerName';

export interface AccountRef {
  bban: string;
  currency?: string;
  cashAccountType?: string;
}

/**
 * What the TPP asked for:
 * - `dedicated`: accounts/balances/transactions name accounts;
 * - `bankOffered`: those arrays are present but empty, the PSU picks the accounts at the bank;
 * - `availableAccounts`: the list of accounts only (with balances for `availableAccountsWithBalance`);
 * - `allPsd2`: every service on every account.
 */
export interface RequestedAccess {
  kind: 'dedicated' | 'bankOffered' | 'availableAccounts' | 'allPsd2';
  accounts?: AccountRef[];
  balances?: AccountRef[];
  transactions?: AccountRef[];
  availableAccounts?: AllAccountsValue;
  availableAccountsWithBalance?: AllAccountsValue;
  allPsd2?: AllAccountsValue;
  restrictedTo?: string[];
}

/** What the PSU granted, by account index. */
export interface Grant {
  accounts: Set<number>;
  balances: Set<number>;
  transactions: Set<number>;
  /** The consent reads only the account list (`availableAccounts…`). */
  listOnly: boolean;
  /** The account list may carry balances (`availableAccountsWithBalance`). */
  listWithBalance: boolean;
  ownerName: boolean;
}

export interface Authorisation {
  id: string;
  scaStatus: ScaStatus;
  step: 'login' | 'otp' | 'decide' | 'done';
  /** The browser session bound to this authorisation (a cookie), set on the first page view. */
  session?: string;
  loginFailures: number;
  otpFailures: number;
  psuIndex?: number;
  /** Why it failed, shown on the last page. */
  outcome?: string;
}

export interface Consent {
  id: string;
  status: ConsentStatus;
  requested: RequestedAccess;
  recurringIndicator: boolean;
  /** Adjusted to the bank's maximum validity. */
  validUntil: string;
  frequencyPerDay: number;
  combinedServiceIndicator: boolean;
  redirectUri: string;
  nokRedirectUri?: string;
  /** `PSU-ID` sent with the request: the PSU who must log in. */
  psuIdHint?: string;
  psuIndex?: number;
  grant?: Grant;
  createdAt: string;
  lastActionDay: number;
  authorisations: Authorisation[];
  /** Accesses without PSU involvement: `${day}|${endpoint}|${accountIndex}` → count. */
  usage: Map<string, number>;
  /** Totals for the control API. */
  counted: number;
  notCounted: number;
  refused: number;
}

export interface ConsentRequestHeaders {
  redirectUri: string;
  nokRedirectUri?: string;
  psuIdHint?: string;
}

export interface ParsedConsentRequest {
  requested: RequestedAccess;
  recurringIndicator: boolean;
  validUntil: string;
  frequencyPerDay: number;
  combinedServiceIndicator: boolean;
}

const ACCESS_KEYS = new Set([
  'accounts',
  'balances',
  'transactions',
  'availableAccounts',
  'availableAccountsWithBalance',
  'allPsd2',
  'restrictedTo',
  'additionalInformation',
]);
const REF_IDS = ['iban', 'bban', 'pan', 'maskedPan', 'msisdn', 'other'] as const;
const REF_KEYS = new Set<string>([...REF_IDS, 'currency', 'cashAccountType']);
const ALL_VALUES = new Set(['allAccounts', 'allAccountsWithOwnerName']);

/** Validates a `POST /v1/consents` body; throws the BgError the standard prescribes. */
export function parseConsentRequest(
  body: unknown,
  todayDay: number,
  limits: { maxFrequencyPerDay: number; maxConsentDays: number },
): ParsedConsentRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw formatError('The request body must be a JSON object (consents).');
  const b = body as Record<string, unknown>;
  for (const key of [
    'access',
    'recurringIndicator',
    'validUntil',
    'frequencyPerDay',
    'combinedServiceIndicator',
  ])
    if (b[key] === undefined || b[key] === null) throw formatError(`${key} is missing.`, key);

  const requested = parseAccess(b.access);
  if (typeof b.recurringIndicator !== 'boolean')
    throw formatError('recurringIndicator must be a boolean.', 'recurringIndicator');
  if (typeof b.combinedServiceIndicator !== 'boolean')
    throw formatError('combinedServiceIndicator must be a boolean.', 'combinedServiceIndicator');
  if (typeof b.validUntil !== 'string' || !isIsoDate(b.validUntil))
    throw formatError('validUntil must be an ISO date (YYYY-MM-DD).', 'validUntil');
  if (typeof b.frequencyPerDay !== 'number' || !Number.isSafeInteger(b.frequencyPerDay))
    throw formatError('frequencyPerDay must be an integer.', 'frequencyPerDay');
  if (b.frequencyPerDay < 1) throw formatError('frequencyPerDay must be at least 1.', 'frequencyPerDay');
  if (b.frequencyPerDay > limits.maxFrequencyPerDay)
    throw formatError(
      `frequencyPerDay must not exceed ${limits.maxFrequencyPerDay} (no other frequency is agreed with this ASPSP).`,
      'frequencyPerDay',
    );
  if (!b.recurringIndicator && b.frequencyPerDay !== 1)
    throw formatError(
      'A one-off consent (recurringIndicator false) has frequencyPerDay 1.',
      'frequencyPerDay',
    );
  if (b.combinedServiceIndicator)
    throw new BgError(
      400,
      'SESSIONS_NOT_SUPPORTED',
      'This ASPSP offers no payment initiation, so combined service sessions are not supported.',
      'combinedServiceIndicator',
    );
  const until = epochDay(b.validUntil);
  if (until < todayDay)
    throw new BgError(400, 'PERIOD_INVALID', `validUntil ${b.validUntil} lies in the past.`, 'validUntil');
  return {
    requested,
    recurringIndicator: b.recurringIndicator,
    validUntil: dayToIso(Math.min(until, todayDay + limits.maxConsentDays)),
    frequencyPerDay: b.frequencyPerDay,
    combinedServiceIndicator: b.combinedServiceIndicator,
  };
}

function parseAccess(raw: unknown): RequestedAccess {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw formatError('access must be an object (accountAccess).', 'access');
  const a = raw as Record<string, unknown>;
  for (const k of Object.keys(a))
    if (!ACCESS_KEYS.has(k))
      throw formatError(`access.${k} is not an element of accountAccess.`, `access.${k}`);
  if (a.additionalInformation !== undefined)
    throw new BgError(
      400,
      'PARAMETER_NOT_SUPPORTED',
      'access.additionalInformation is not supported by this ASPSP.',
      'access.additionalInformation',
    );
  const lists: Partial<Record<'accounts' | 'balances' | 'transactions', AccountRef[]>> = {};
  for (const key of ['accounts', 'balances', 'transactions'] as const) {
    if (a[key] === undefined) continue;
    if (!Array.isArray(a[key]))
      throw formatError(`access.${key} must be an array of account references.`, `access.${key}`);
    lists[key] = (a[key] as unknown[]).map((r, i) => parseRef(r, `access.${key}[${i}]`));
  }
  const alls: Partial<
    Record<'availableAccounts' | 'availableAccountsWithBalance' | 'allPsd2', AllAccountsValue>
  > = {};
  for (const key of ['availableAccounts', 'availableAccountsWithBalance', 'allPsd2'] as const) {
    if (a[key] === undefined) continue;
    if (typeof a[key] !== 'string' || !ALL_VALUES.has(a[key] as string))
      throw formatError(
        `access.${key} must be "allAccounts" or "allAccountsWithOwnerName".`,
        `access.${key}`,
      );
    alls[key] = a[key] as AllAccountsValue;
  }
  let restrictedTo: string[] | undefined;
  if (a.restrictedTo !== undefined) {
    if (
      !Array.isArray(a.restrictedTo) ||
      a.restrictedTo.some((t) => typeof t !== 'string' || !/^[A-Z]{4}$/.test(t))
    )
      throw formatError(
        'access.restrictedTo must be an array of ISO 20022 cash account type codes.',
        'access.restrictedTo',
      );
    restrictedTo = a.restrictedTo as string[];
  }

  const present = Object.values(lists);
  const filled = present.filter((l) => l.length > 0);
  const allKeys = Object.keys(alls);
  if (filled.length > 0 && filled.length !== present.length)
    throw formatError(
      'If one of access.accounts, access.balances, access.transactions is empty, the others used must be empty too.',
      'access',
    );
  if (allKeys.length > 1) throw formatError(`access may hold only one of ${allKeys.join(', ')}.`, 'access');
  if (allKeys.length === 1 && present.length > 0)
    throw formatError(
      `access.${allKeys[0]} cannot be combined with access.accounts, access.balances or access.transactions.`,
      'access',
    );
  if (restrictedTo && filled.length > 0)
    throw formatError(
      'access.restrictedTo may only be used when no account is named.',
      'access.restrictedTo',
    );

  if (filled.length > 0) return { kind: 'dedicated', ...lists };
  if (present.length > 0) return { kind: 'bankOffered', ...lists, restrictedTo };
  if (alls.allPsd2) return { kind: 'allPsd2', allPsd2: alls.allPsd2, restrictedTo };
  if (alls.availableAccounts || alls.availableAccountsWithBalance)
    return { kind: 'availableAccounts', ...alls, restrictedTo };
  throw formatError(
    'access asks for nothing: name accounts, balances, transactions, availableAccounts or allPsd2.',
    'access',
  );
}

function parseRef(raw: unknown, path: string): AccountRef {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw formatError(`${path} must be an account reference object.`, path);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!REF_KEYS.has(k))
      throw formatError(`${path}.${k} is not an element of accountReference.`, `${path}.${k}`);
  const ids = REF_IDS.filter((k) => r[k] !== undefined);
  if (ids.length !== 1)
    throw formatError(`${path} must identify the account by exactly one of ${REF_IDS.join(', ')}.`, path);
  if (ids[0] !== 'bban')
    throw new BgError(
      400,
      'PARAMETER_NOT_SUPPORTED',
      `${path}.${ids[0]}: accounts of this ASPSP have no IBAN or card reference; use the bban (20-digit account number).`,
      `${path}.${ids[0]}`,
    );
  if (typeof r.bban !== 'string' || !/^[a-zA-Z0-9]{1,30}$/.test(r.bban))
    throw formatError(`${path}.bban must match [a-zA-Z0-9]{1,30}.`, `${path}.bban`);
  const ref: AccountRef = { bban: r.bban };
  if (r.currency !== undefined) {
    if (typeof r.currency !== 'string' || !/^[A-Z]{3}$/.test(r.currency))
      throw formatError(`${path}.currency must be an ISO 4217 code.`, `${path}.currency`);
    ref.currency = r.currency;
  }
  if (r.cashAccountType !== undefined) {
    if (typeof r.cashAccountType !== 'string')
      throw formatError(`${path}.cashAccountType must be a string.`, `${path}.cashAccountType`);
    ref.cashAccountType = r.cashAccountType;
  }
  return ref;
}

/** Does this reference name this account? */
export function refMatches(ref: AccountRef, a: AccountDef): boolean {
  return (
    ref.bban === a.bban &&
    (ref.currency === undefined || ref.currency === a.currency) &&
    (ref.cashAccountType === undefined || ref.cashAccountType === a.cashAccountType)
  );
}

export class ConsentStore {
  private readonly consents = new Map<string, Consent>();
  private readonly byAuth = new Map<string, Consent>();
  private readonly requestIds = new Set<string>();

  /** Remembers a POST's X-Request-ID; false when it was used before. */
  claimRequestId(id: string): boolean {
    if (this.requestIds.has(id.toLowerCase())) return false;
    this.requestIds.add(id.toLowerCase());
    return true;
  }

  create(
    parsed: ParsedConsentRequest,
    headers: ConsentRequestHeaders,
    todayDay: number,
    createdAt: string,
  ): Consent {
    const consent: Consent = {
      id: randomUUID(),
      status: 'received',
      ...parsed,
      ...headers,
      createdAt,
      lastActionDay: todayDay,
      authorisations: [],
      usage: new Map(),
      counted: 0,
      notCounted: 0,
      refused: 0,
    };
    this.consents.set(consent.id, consent);
    return consent;
  }

  addAuthorisation(consent: Consent): Authorisation {
    const auth: Authorisation = {
      id: randomUUID(),
      scaStatus: 'received',
      step: 'login',
      loginFailures: 0,
      otpFailures: 0,
    };
    consent.authorisations.push(auth);
    this.byAuth.set(auth.id, consent);
    return auth;
  }

  get(id: string): Consent | undefined {
    return this.consents.get(id);
  }

  byAuthorisation(authId: string): { consent: Consent; auth: Authorisation } | undefined {
    const consent = this.byAuth.get(authId);
    const auth = consent?.authorisations.find((a) => a.id === authId);
    return consent && auth ? { consent, auth } : undefined;
  }

  all(): Consent[] {
    return [...this.consents.values()];
  }

  /**
   * Moves a received or valid consent to `expired` once its validUntil (inclusive) has passed on
   * the bank's calendar. Returns the current status.
   */
  refresh(consent: Consent, todayDay: number): ConsentStatus {
    if (
      (consent.status === 'valid' || consent.status === 'received') &&
      todayDay > epochDay(consent.validUntil)
    ) {
      consent.status = 'expired';
      consent.lastActionDay = epochDay(consent.validUntil) + 1;
    }
    return consent.status;
  }
}
