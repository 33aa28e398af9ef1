/**
 * The interaction (login) pages performing SCA: username + password, then a one-time code, then
 * the consent screen. All three steps run inside one oidc-provider interaction; the result
 * carries both `login` (amr pwd+otp) and `consent` (a grant of the requested scopes).
 *
 * Attempt limits: 5 wrong passwords or 3 wrong codes end the flow with `error=access_denied` at
 * the client's redirect_uri, as does "Cancel" or "Deny".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';

import type { UserDef } from '../seed/catalog.js';
import { BodyTooLargeError, parseForm, readBody, redirect, sendHtml } from '../http/http-util.js';
import type { Logger } from '../logger.js';
import { consentPage, errorPage, loginPage, otpPage } from './pages.js';
import { knownScopes, type ScopeScheme } from './scopes.js';

export const MAX_PASSWORD_ATTEMPTS = 5;
export const MAX_OTP_ATTEMPTS = 3;

type Stage = 'login' | 'otp' | 'consent';

interface ScaState {
  stage: Stage;
  userIndex: number;
  passwordFailures: number;
  otpFailures: number;
  expiresAt: number;
}

export interface InteractionOptions {
  provider: Provider;
  users: readonly UserDef[];
  otp: string;
  logger: Logger;
  scopes: ScopeScheme;
  clientName(clientId: string): string;
}

export class InteractionPages {
  private readonly states = new Map<string, ScaState>();

  constructor(private readonly opts: InteractionOptions) {}

  /** Handles `/interaction/...`; returns false for other paths. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|otp|confirm|abort))?\/?$/.exec(url.pathname);
    if (!m) return false;
    const [, uid, action] = m as unknown as [string, string, string | undefined];

    let details: InteractionDetails;
    try {
      details = await this.opts.provider.interactionDetails(req, res);
    } catch {
      sendHtml(
        res,
        400,
        errorPage('Session expired', {
          error:
            'The sign-in session has expired or was not started here. Go back to the app and start again.',
        }),
      );
      return true;
    }
    if (details.uid !== uid) {
      sendHtml(
        res,
        400,
        errorPage('Session mismatch', { error: 'This sign-in link does not belong to your session.' }),
      );
      return true;
    }
    this.sweep();
    const state = this.stateFor(details);

    try {
      if (req.method === 'GET' && !action) {
        this.render(res, details, state);
        return true;
      }
      if (req.method !== 'POST' || !action) {
        sendHtml(res, 405, errorPage('Method not allowed', { error: `${req.method} ${url.pathname}` }), {
          Allow: 'GET, POST',
        });
        return true;
      }
      const form = parseForm(await readBody(req, 16 * 1024));
      switch (action) {
        case 'login':
          await this.login(req, res, details, state, form);
          break;
        case 'otp':
          await this.verifyOtp(req, res, details, state, form);
          break;
        case 'confirm':
          await this.confirm(req, res, details, state, form);
          break;
        case 'abort':
          await this.deny(req, res, details, 'End-User aborted the sign-in');
          break;
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendHtml(res, 413, errorPage('Request too large', { error: err.message }));
        return true;
      }
      throw err;
    }
    return true;
  }

  private stateFor(details: InteractionDetails): ScaState {
    let state = this.states.get(details.uid);
    if (!state) {
      // A consent-only prompt (an already authenticated session) starts at the consent step.
      const sessionUser = details.session?.accountId
        ? this.opts.users.findIndex((u) => u.id === details.session?.accountId)
        : -1;
      state = {
        stage: details.prompt.name === 'consent' && sessionUser >= 0 ? 'consent' : 'login',
        userIndex: sessionUser,
        passwordFailures: 0,
        otpFailures: 0,
        expiresAt: details.exp * 1000,
      };
      this.states.set(details.uid, state);
    }
    return state;
  }

  private render(
    res: ServerResponse,
    details: InteractionDetails,
    state: ScaState,
    error?: string,
    username?: string,
  ): void {
    const clientName = this.opts.clientName(String(details.params.client_id));
    const user = this.opts.users[state.userIndex];
    switch (state.stage) {
      case 'login':
        sendHtml(res, 200, loginPage({ uid: details.uid, clientName, error, username }));
        return;
      case 'otp':
        sendHtml(
          res,
          200,
          otpPage({ uid: details.uid, phone: maskPhone(user!.phone), error, otpHint: this.opts.otp }),
        );
        return;
      case 'consent':
        sendHtml(
          res,
          200,
          consentPage({
            uid: details.uid,
            clientName,
            userName: user!.displayName,
            scopes: knownScopes(details.params.scope, this.opts.scopes),
          }),
        );
        return;
    }
  }

  private async login(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
    state: ScaState,
    form: URLSearchParams,
  ): Promise<void> {
    if (state.stage !== 'login') return redirect(res, `/interaction/${details.uid}`);
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const index = this.opts.users.findIndex((u) => u.username === username.toLowerCase());
    if (index < 0 || this.opts.users[index]!.password !== password) {
      state.passwordFailures++;
      this.opts.logger.info(
        { uid: details.uid, attempts: state.passwordFailures },
        'sca: wrong username or password',
      );
      if (state.passwordFailures >= MAX_PASSWORD_ATTEMPTS)
        return this.deny(req, res, details, 'Too many failed sign-in attempts');
      const left = MAX_PASSWORD_ATTEMPTS - state.passwordFailures;
      return this.render(
        res,
        details,
        state,
        `Wrong username or password. ${left} attempt${left === 1 ? '' : 's'} left.`,
        username,
      );
    }
    state.userIndex = index;
    state.stage = 'otp';
    redirect(res, `/interaction/${details.uid}`);
  }

  private async verifyOtp(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
    state: ScaState,
    form: URLSearchParams,
  ): Promise<void> {
    if (state.stage !== 'otp') return redirect(res, `/interaction/${details.uid}`);
    const otp = (form.get('otp') ?? '').trim();
    if (otp !== this.opts.otp) {
      state.otpFailures++;
      this.opts.logger.info({ uid: details.uid, attempts: state.otpFailures }, 'sca: wrong one-time code');
      if (state.otpFailures >= MAX_OTP_ATTEMPTS)
        return this.deny(req, res, details, 'Too many wrong one-time codes');
      const left = MAX_OTP_ATTEMPTS - state.otpFailures;
      return this.render(res, details, state, `Wrong code. ${left} attempt${left === 1 ? '' : 's'} left.`);
    }
    state.stage = 'consent';
    redirect(res, `/interaction/${details.uid}`);
  }

  private async confirm(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
    state: ScaState,
    form: URLSearchParams,
  ): Promise<void> {
    if (state.stage !== 'consent') return redirect(res, `/interaction/${details.uid}`);
    const decision = form.get('decision');
    if (decision !== 'allow') return this.deny(req, res, details, 'End-User denied the consent');

    const user = this.opts.users[state.userIndex]!;
    const clientId = String(details.params.client_id);
    const grant = new this.opts.provider.Grant({ accountId: user.id, clientId });
    const scopes = knownScopes(details.params.scope, this.opts.scopes);
    if (scopes.length) grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();
    this.states.delete(details.uid);
    this.opts.logger.info(
      { uid: details.uid, user: user.username, client_id: clientId, scope: scopes.join(' ') },
      'sca: consent granted',
    );
    await this.opts.provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id, amr: ['pwd', 'otp'], acr: 'urn:alif:sca' }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  /** Ends the flow: the client receives `error=access_denied` at its redirect_uri. */
  private async deny(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
    description: string,
  ): Promise<void> {
    this.states.delete(details.uid);
    await this.opts.provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: description },
      { mergeWithLastSubmission: false },
    );
  }

  private sweep(): void {
    const now = Date.now();
    for (const [uid, s] of this.states) if (s.expiresAt <= now) this.states.delete(uid);
  }
}

function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `+${digits.slice(0, 3)} ** *** ${digits.slice(-4, -2)} ${digits.slice(-2)}`;
}
