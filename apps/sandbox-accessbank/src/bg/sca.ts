/**
 * The redirect SCA pages at `scaRedirect` (`/sca/{authorisationId}`): PSU id and password, then
 * the one-time code, then allow or deny. Plain HTML forms without JavaScript; the browser session
 * is a path-scoped cookie bound to the authorisation on the first page view.
 *
 * At the end the PSU's browser goes back (303) to `TPP-Redirect-URI` exactly as the TPP sent it,
 * query included, or on a denial to `TPP-Nok-Redirect-URI` when given. The redirect carries
 * nothing else: in the redirect approach the TPP reads the outcome from the consent status.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { SandboxConfig } from '../config.js';
import { parseForm, readBody, redirect, sendHtml } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import type { Bank } from '../seed/bank.js';
import type { AccountDef } from '../seed/catalog.js';
import { refMatches, type Authorisation, type Consent, type ConsentStore, type Grant } from './consents.js';

export const SCA_PREFIX = '/sca';
const COOKIE = 'ab_sca';
const MAX_LOGIN_FAILURES = 5;
const MAX_OTP_FAILURES = 3;

export class ScaPages {
  constructor(
    private readonly bank: Bank,
    private readonly consents: ConsentStore,
    private readonly config: SandboxConfig,
    private readonly logger: Logger,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = /^\/sca\/([^/]+)(?:\/(login|otp|decide|cancel))?\/?$/.exec(url.pathname);
    const found = m ? this.consents.byAuthorisation(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !found) {
      sendHtml(res, 404, page('Unknown authorisation', '<p>This authorisation link is unknown.</p>'));
      return;
    }
    const { consent, auth } = found;
    const base = `${SCA_PREFIX}/${auth.id}`;
    const action = m[2];
    const method = req.method ?? 'GET';

    // A consent that left `received` (terminated by the TPP, expired, authorised through another
    // authorisation) ends this one.
    this.consents.refresh(consent, this.bank.todayDay);
    if (auth.step !== 'done' && consent.status !== 'received') {
      auth.step = 'done';
      auth.scaStatus = 'failed';
      auth.outcome = `This consent is ${consent.status}; it no longer awaits your authorisation.`;
    }

    if (action === undefined) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendHtml(res, 405, page('Not allowed', '<p>Use the form.</p>'), { Allow: 'GET' });
        return;
      }
      const headers: Record<string, string> = {};
      if (auth.step !== 'done') {
        const cookie = readCookie(req);
        if (auth.session === undefined) {
          auth.session = randomBytes(18).toString('base64url');
          headers['Set-Cookie'] = `${COOKIE}=${auth.session}; Path=${base}; HttpOnly; SameSite=Lax`;
        } else if (cookie !== auth.session) {
          sendHtml(
            res,
            400,
            page('Session mismatch', '<p>This authorisation is already open in another browser session.</p>'),
          );
          return;
        }
      }
      sendHtml(res, 200, this.render(consent, auth, base), headers);
      return;
    }

    if (method !== 'POST') {
      sendHtml(res, 405, page('Not allowed', '<p>Use the form.</p>'), { Allow: 'POST' });
      return;
    }
    const form = parseForm(await readBody(req));
    if (auth.step === 'done' || auth.session === undefined || readCookie(req) !== auth.session) {
      redirect(res, base);
      return;
    }
    if (action === 'cancel') {
      this.finish(consent, auth, 'rejected', 'You cancelled the authorisation.');
      redirect(res, consent.nokRedirectUri ?? consent.redirectUri);
      return;
    }
    if (action !== stepAction(auth.step)) {
      redirect(res, base);
      return;
    }
    if (action === 'login') this.login(consent, auth, form);
    else if (action === 'otp') this.otp(consent, auth, form);
    else {
      const target = this.decide(consent, auth, form);
      if (target) {
        redirect(res, target);
        return;
      }
    }
    redirect(res, base);
  }

  private login(consent: Consent, auth: Authorisation, form: URLSearchParams): void {
    const psuId = (form.get('psuId') ?? '').trim().toLowerCase();
    const user = this.bank.catalog.users.find((u) => u.psuId === psuId);
    const hintOk = consent.psuIdHint === undefined || consent.psuIdHint.toLowerCase() === psuId;
    if (!user || user.password !== form.get('password') || !hintOk) {
      auth.loginFailures++;
      if (auth.loginFailures >= MAX_LOGIN_FAILURES)
        this.finish(consent, auth, 'rejected', 'Too many wrong passwords: the authorisation failed.');
      return;
    }
    const own = this.bank.catalog.accounts.filter((a) => a.userIndex === user.index);
    const r = consent.requested;
    if (r.kind === 'dedicated') {
      for (const ref of [...(r.accounts ?? []), ...(r.balances ?? []), ...(r.transactions ?? [])]) {
        if (!own.some((a) => refMatches(ref, a))) {
          auth.psuIndex = user.index;
          this.finish(
            consent,
            auth,
            'rejected',
            `The account ${ref.bban}${ref.currency ? ` (${ref.currency})` : ''} the TPP asked for is not one of your accounts.`,
          );
          return;
        }
      }
    }
    auth.psuIndex = user.index;
    auth.step = 'otp';
    auth.scaStatus = 'started';
  }

  private otp(consent: Consent, auth: Authorisation, form: URLSearchParams): void {
    if ((form.get('otp') ?? '').trim() !== this.config.otp) {
      auth.otpFailures++;
      if (auth.otpFailures >= MAX_OTP_FAILURES)
        this.finish(consent, auth, 'rejected', 'Too many wrong codes: the authorisation failed.');
      return;
    }
    auth.step = 'decide';
  }

  /** Returns where to send the browser, or undefined to show the page again. */
  private decide(consent: Consent, auth: Authorisation, form: URLSearchParams): string | undefined {
    const decision = form.get('decision');
    if (decision === 'deny') {
      this.finish(consent, auth, 'rejected', 'You refused the consent.');
      return consent.nokRedirectUri ?? consent.redirectUri;
    }
    if (decision !== 'allow') return undefined;
    const offered = this.offeredAccounts(consent, auth.psuIndex!);
    let chosen = offered;
    if (consent.requested.kind === 'bankOffered') {
      const ids = new Set(form.getAll('account'));
      chosen = offered.filter((a) => ids.has(a.resourceId));
      if (chosen.length === 0) {
        auth.outcome = 'Choose at least one account.';
        return undefined;
      }
    }
    consent.grant = grantFor(consent, chosen);
    consent.psuIndex = auth.psuIndex;
    consent.status = 'valid';
    consent.lastActionDay = this.bank.todayDay;
    auth.step = 'done';
    auth.scaStatus = 'finalised';
    auth.outcome = 'You allowed the access.';
    if (consent.recurringIndicator && !this.config.multipleConsents) {
      // The standard's side effect: a newly authorised recurring consent makes the PSU's older
      // recurring consents expire.
      for (const other of this.consents.all()) {
        if (
          other !== consent &&
          other.psuIndex === consent.psuIndex &&
          other.recurringIndicator &&
          other.status === 'valid'
        ) {
          other.status = 'expired';
          other.lastActionDay = this.bank.todayDay;
        }
      }
    }
    this.logger.info({ consent: consent.id, psu: auth.psuIndex }, 'consent authorised');
    return consent.redirectUri;
  }

  private finish(consent: Consent, auth: Authorisation, status: 'rejected', outcome: string): void {
    auth.step = 'done';
    auth.scaStatus = 'failed';
    auth.outcome = outcome;
    if (consent.status === 'received') {
      consent.status = status;
      consent.lastActionDay = this.bank.todayDay;
      if (auth.psuIndex !== undefined) consent.psuIndex = auth.psuIndex;
    }
    this.logger.info({ consent: consent.id, outcome }, 'consent authorisation failed');
  }

  /** The PSU's accounts the consent can cover (dedicated: the named ones). */
  private offeredAccounts(consent: Consent, psuIndex: number): AccountDef[] {
    const own = this.bank.catalog.accounts.filter((a) => a.userIndex === psuIndex);
    const r = consent.requested;
    if (r.kind === 'dedicated') {
      const refs = [...(r.accounts ?? []), ...(r.balances ?? []), ...(r.transactions ?? [])];
      return own.filter((a) => refs.some((ref) => refMatches(ref, a)));
    }
    return r.restrictedTo ? own.filter((a) => r.restrictedTo!.includes(a.cashAccountType)) : own;
  }

  private render(consent: Consent, auth: Authorisation, base: string): string {
    const error =
      auth.step === 'login' && auth.loginFailures > 0
        ? `Wrong PSU ID or password. ${MAX_LOGIN_FAILURES - auth.loginFailures} attempts left.`
        : auth.step === 'otp' && auth.otpFailures > 0
          ? `Wrong code. ${MAX_OTP_FAILURES - auth.otpFailures} attempts left.`
          : auth.step === 'decide' && auth.outcome
            ? auth.outcome
            : undefined;
    const err = error ? `<p class="error">${esc(error)}</p>` : '';
    switch (auth.step) {
      case 'login':
        return page(
          'Log in to AccessBank',
          `${err}<p>A third party asks to read your account information. Log in to continue.</p>
<form method="post" action="${base}/login">
<label>PSU ID <input name="psuId" autocomplete="username" value="${esc(consent.psuIdHint ?? '')}" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>
<form method="post" action="${base}/cancel"><button type="submit" class="secondary">Cancel</button></form>`,
        );
      case 'otp':
        return page(
          'Confirm with a one-time code',
          `${err}<p>We sent a one-time code to your phone. <small>(Sandbox: the code is <b>${esc(this.config.otp)}</b>.)</small></p>
<form method="post" action="${base}/otp">
<label>One-time code <input name="otp" inputmode="numeric" autocomplete="one-time-code" required></label>
<button type="submit">Confirm</button>
</form>
<form method="post" action="${base}/cancel"><button type="submit" class="secondary">Cancel</button></form>`,
        );
      case 'decide':
        return page(
          'Allow access to your accounts?',
          `${err}${this.describe(consent, auth.psuIndex!, base)}`,
        );
      case 'done': {
        const back =
          consent.status === 'valid' ? consent.redirectUri : (consent.nokRedirectUri ?? consent.redirectUri);
        return page(
          consent.status === 'valid' ? 'Access allowed' : 'Authorisation ended',
          `<p>${esc(auth.outcome ?? 'This authorisation is finished.')}</p><p><a href="${esc(back)}">Return to the third party</a></p>`,
        );
      }
    }
  }

  private describe(consent: Consent, psuIndex: number, base: string): string {
    const r = consent.requested;
    const services: string[] = [];
    if (r.kind === 'availableAccounts')
      services.push(
        r.availableAccountsWithBalance
          ? 'the list of your accounts with balances'
          : 'the list of your accounts',
      );
    else if (r.kind === 'allPsd2') services.push('your accounts, their balances and their transactions');
    else {
      services.push('account details');
      if (r.balances) services.push('balances');
      if (r.transactions) services.push('transactions');
    }
    const offered = this.offeredAccounts(consent, psuIndex);
    const pick = r.kind === 'bankOffered';
    const rows = offered
      .map(
        (a) =>
          `<li>${pick ? `<label><input type="checkbox" name="account" value="${esc(a.resourceId)}" checked> ` : ''}${esc(a.name)} · ${esc(a.bban)} · ${esc(a.currency)}${a.status === 'blocked' ? ' (blocked)' : ''}${pick ? '</label>' : ''}</li>`,
      )
      .join('\n');
    return `<p>The third party asks to read ${esc(services.join(', '))}${
      consent.recurringIndicator
        ? `, up to ${consent.frequencyPerDay} times a day without you, until ${esc(consent.validUntil)}`
        : ' once'
    }.</p>
<form method="post" action="${base}/decide">
<ul>${rows}</ul>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`;
  }
}

function stepAction(step: Authorisation['step']): string {
  return step === 'decide' ? 'decide' : step;
}

function grantFor(consent: Consent, chosen: AccountDef[]): Grant {
  const r = consent.requested;
  const all = new Set(chosen.map((a) => a.index));
  const none = new Set<number>();
  const matching = (refs: Consent['requested']['accounts']): Set<number> =>
    new Set(chosen.filter((a) => (refs ?? []).some((ref) => refMatches(ref, a))).map((a) => a.index));
  switch (r.kind) {
    case 'dedicated': {
      const balances = matching(r.balances);
      const transactions = matching(r.transactions);
      const accounts = new Set([...matching(r.accounts), ...balances, ...transactions]);
      return { accounts, balances, transactions, listOnly: false, listWithBalance: false, ownerName: false };
    }
    case 'bankOffered':
      return {
        accounts: all,
        balances: r.balances ? all : none,
        transactions: r.transactions ? all : none,
        listOnly: false,
        listWithBalance: false,
        ownerName: false,
      };
    case 'availableAccounts': {
      const value = r.availableAccountsWithBalance ?? r.availableAccounts;
      return {
        accounts: all,
        balances: none,
        transactions: none,
        listOnly: true,
        listWithBalance: r.availableAccountsWithBalance !== undefined,
        ownerName: value === 'allAccountsWithOwnerName',
      };
    }
    case 'allPsd2':
      return {
        accounts: all,
        balances: all,
        transactions: all,
        listOnly: false,
        listWithBalance: false,
        ownerName: r.allPsd2 === 'allAccountsWithOwnerName',
      };
  }
}

function readCookie(req: IncomingMessage): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · AccessBank Tajikistan</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f5f8;margin:0;color:#1c2430}
header{background:#005baa;color:#fff;padding:14px 24px;font-weight:600;letter-spacing:.02em}
main{max-width:440px;margin:32px auto;background:#fff;border-radius:10px;padding:24px 28px;box-shadow:0 2px 10px #0001}
h1{font-size:1.25rem;margin-top:0}label{display:block;margin:12px 0}input[name=psuId],input[type=password],input[name=otp]{display:block;width:100%;box-sizing:border-box;padding:8px;margin-top:4px;border:1px solid #b9c2cf;border-radius:6px}
button{background:#e2001a;color:#fff;border:0;border-radius:6px;padding:9px 18px;margin:10px 8px 0 0;font-size:1rem;cursor:pointer}
button.secondary{background:#6b7686}.error{color:#b00020;font-weight:600}ul{padding-left:18px}small{color:#5b6573}
</style></head>
<body><header>AccessBank Tajikistan · Sandbox</header><main><h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}
