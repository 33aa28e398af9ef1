import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { HisobError } from '#common/http/problem.js';
import { ConsentJobs } from '#consents/consent-jobs.js';
import { ConsentLifecycle } from '#consents/consent-lifecycle.js';
import { ConsentRevocation } from '#consents/consent-revocation.js';
import type { BankSession, JsonObject } from '#connectors/connector.js';
import { ConnectorError, RateLimited, ReauthRequired } from '#connectors/connector-errors.js';
import { findProvider } from '#connectors/providers.js';
import { permissionsOffered, type Permission } from '#domain/permissions.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { ConsentEntity, ConsentStatus } from '#persistence/entities/consent.entity.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeCursor, encodeCursor } from '../infra/cursor.js';
import type { CreateConsentDto, ListConsentsQueryDto } from './consent.dto.js';
import { keysetPage } from '../infra/keyset-page.js';

/** Where the bank sends the browser back; a public route (no API key). */
export const CALLBACK_PATH = '/v1/consents/callback';

export type CallbackOutcome =
  { kind: 'redirect'; location: string } | { kind: 'page'; consent: ConsentEntity; error: string | null };

/** Consent use cases: create (start SCA), complete on callback, read, revoke. */
@Injectable()
export class ConsentsService {
  private readonly logger = new Logger(ConsentsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: ApiEnv,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
    private readonly consents: ConsentRepository,
    private readonly vault: SessionVault,
    private readonly lifecycle: ConsentLifecycle,
    private readonly jobs: ConsentJobs,
    private readonly revocation: ConsentRevocation,
  ) {}

  async create(client: AuthenticatedClient, dto: CreateConsentDto): Promise<ConsentEntity> {
    const definition = findProvider(dto.provider);
    if (!definition || !this.connectors.has(dto.provider)) {
      throw HisobError.validation([
        { field: 'provider', message: `${dto.provider} is not available on this deployment` },
      ]);
    }
    const supported: readonly Permission[] = permissionsOffered(definition.capabilities);
    const permissions = dto.permissions ?? [...supported];
    const unsupported = permissions.filter((p) => !supported.includes(p));
    if (unsupported.length) {
      throw HisobError.validation([
        { field: 'permissions', message: `${dto.provider} does not offer: ${unsupported.join(', ')}` },
      ]);
    }
    if (!permissions.length)
      throw HisobError.validation([{ field: 'permissions', message: 'ask for at least one permission' }]);
    const expiresAt = dto.valid_until ? endOfDay(dto.valid_until) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw HisobError.validation([
        { field: 'valid_until', message: 'valid_until must be a real date, today or later' },
      ]);
    }
    if (definition.auth === 'otp' && !dto.msisdn) {
      throw HisobError.validation([
        { field: 'msisdn', message: `${dto.provider} authorises by OTP: msisdn is required` },
      ]);
    }
    // Only a registered URL: the callback must never redirect the browser somewhere else (open redirect).
    if (dto.redirect_uri !== undefined && !client.redirectUris.includes(dto.redirect_uri)) {
      throw HisobError.validation([
        {
          field: 'redirect_uri',
          message: 'redirect_uri must be one of the redirect_uris registered for the client',
        },
      ]);
    }

    // The bank is asked first; only a started authorisation becomes a row (no partial write).
    const id = randomUUID();
    const start = await this.callBank(dto.provider, 'start authorisation', () =>
      this.connectors.get(dto.provider).startAuthorisation({
        consentId: id,
        permissions,
        redirectUri: new URL(CALLBACK_PATH, this.config.HISOB_PUBLIC_URL).toString(),
        validUntil: dto.valid_until ?? null,
        msisdn: dto.msisdn ?? null,
        psuIpAddress: dto.psu_ip_address ?? null,
      }),
    );
    // One authorisation path, by the provider's auth kind: a redirect to the bank's SCA, or a
    // code the provider texted to the person.
    if (start.kind !== definition.auth) {
      throw new Error(
        `${dto.provider} started a ${start.kind} authorisation; its definition says ${definition.auth}`,
      );
    }
    return this.consents.create({
      id,
      clientId: client.id,
      provider: dto.provider,
      endUserId: dto.end_user_id,
      status: start.kind === 'otp' ? 'awaiting_otp' : 'awaiting_authorisation',
      statusReason: null,
      permissions,
      validUntil: dto.valid_until ?? null,
      expiresAt,
      redirectUri: dto.redirect_uri ?? null,
      // The phone number is kept only where the provider authorises by it.
      msisdn: start.kind === 'otp' ? (dto.msisdn ?? null) : null,
      authState: start.kind === 'redirect' ? start.state : null,
      authorisationUrl: start.kind === 'redirect' ? start.authorisationUrl : null,
      authPendingEnc: this.vault.seal(id, 'auth_pending', start.pending),
    });
  }

  /**
   * `POST /v1/consents/{id}/otp`: the code the person received. A wrong one is 400 `otp_invalid`
   * and the consent stays `awaiting_otp`; once the provider locks the code (too many attempts) or
   * it expired, the consent is `rejected`. Bank faults are 429 / 502 and change nothing.
   */
  async submitOtp(client: AuthenticatedClient, id: string, otp: string): Promise<ConsentEntity> {
    const consent = await this.get(client, id);
    if (consent.status !== 'awaiting_otp') {
      throw new HisobError(
        'consent_not_active',
        `The consent is ${consent.status}; it is not waiting for a one-time code`,
      );
    }
    const { authPendingEnc } = await this.consents.readSecrets(consent.id);
    if (!authPendingEnc)
      throw new HisobError('consent_not_active', 'The consent is not waiting for a one-time code');
    const pending = this.vault.open<JsonObject>(consent.id, 'auth_pending', authPendingEnc);
    // A refusal is the person's (a wrong or locked code); anything else is the bank's fault (429 / 502).
    const result: { session: BankSession | null; refused: ReauthRequired | null } = await this.callBank(
      consent.provider,
      'check the one-time code',
      async () => {
        try {
          const session = await this.connectors
            .get(consent.provider)
            .completeAuthorisation({ kind: 'otp', otp, pending });
          return { session, refused: null };
        } catch (err) {
          if (err instanceof ReauthRequired) return { session: null, refused: err };
          throw err;
        }
      },
    );
    const err = result.refused;
    if (err !== null) {
      if (err.reason === 'otp_invalid') {
        throw new HisobError(
          'otp_invalid',
          `The one-time code is not valid; the consent is still awaiting it (${err.message})`,
        );
      }
      await this.lifecycle.transition(consent.id, 'rejected', {
        reason: err.providerCode ?? err.reason,
        fields: { authPendingEnc: null, msisdn: null },
      });
      throw new HisobError(
        'otp_invalid',
        `The one-time code can no longer be used (${err.providerCode ?? err.reason}); the consent is rejected`,
      );
    }
    const session = result.session!;
    return this.activate(consent, session, { authPendingEnc: null });
  }

  /** An authorised consent: its session stored (encrypted), its refresh scheduled, its first sync started. */
  private async activate(
    consent: ConsentEntity,
    session: BankSession,
    cleared: Partial<ConsentEntity>,
  ): Promise<ConsentEntity> {
    const now = new Date();
    const tokenExpiresAt = session.expiresAt ? new Date(session.expiresAt) : null;
    const active = await this.lifecycle.transition(consent.id, 'active', {
      fields: {
        ...cleared,
        sessionEnc: this.vault.seal(consent.id, 'session', session),
        tokenExpiresAt,
        authorisedAt: now,
        syncState: 'queued',
        syncLastError: null,
      },
    });
    await this.jobs.scheduleRefresh(consent, tokenExpiresAt, now);
    await this.jobs.startSync(active, 'first');
    return active;
  }

  async get(client: AuthenticatedClient, id: string): Promise<ConsentEntity> {
    const consent = await this.consents.findForClient(client.id, id);
    if (!consent) throw HisobError.notFound('Consent');
    return consent;
  }

  async list(client: AuthenticatedClient, q: ListConsentsQueryDto) {
    const limit = q.limit ?? 50;
    let before: { createdAtKey: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor, ['at', 'id'] as const);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(c.at) || !/^[0-9a-f-]{36}$/.test(c.id)) {
        throw HisobError.validation([{ field: 'cursor', message: 'cursor is not valid' }]);
      }
      before = { createdAtKey: c.at, id: c.id };
    }
    const rows = await this.consents.list({
      clientId: client.id,
      endUserId: q.end_user_id,
      status: q.status,
      before,
      limit: limit + 1,
    });
    const { page, nextCursor } = keysetPage(rows, limit, (last) =>
      encodeCursor({ at: last.createdAtKey, id: last.id }),
    );
    return {
      consents: page,
      nextCursor,
    };
  }

  /**
   * The bank's redirect after SCA. The `state` is claimed atomically (one callback wins a race);
   * a temporary bank failure gives it back, so the user can retry from the same authorisation URL.
   */
  async completeCallback(params: Record<string, string>): Promise<CallbackOutcome> {
    const state = params.state;
    if (!state) throw HisobError.validation([{ field: 'state', message: 'state is required' }]);
    const consent = await this.consents.claimAwaitingByState(state);
    if (!consent)
      throw new HisobError(
        'not_found',
        'No consent is awaiting this authorisation (unknown or already used state)',
      );
    const secrets = await this.consents.readSecrets(consent.id);
    if (!secrets.authPendingEnc) throw new HisobError('not_found', 'The authorisation was already completed');
    const pending = this.vault.open<JsonObject>(consent.id, 'auth_pending', secrets.authPendingEnc);
    const connector = this.connectors.get(consent.provider);
    const cleared = { authState: null, authPendingEnc: null, authorisationUrl: null };

    if (params.error) {
      const rejected = await this.lifecycle.transition(consent.id, 'rejected', {
        reason: params.error,
        fields: cleared,
      });
      return this.back(rejected, params.error);
    }

    let session: BankSession;
    try {
      session = await retryShortWaits(() =>
        connector.completeAuthorisation({ kind: 'redirect', callbackParams: params, pending }),
      );
    } catch (err) {
      if (err instanceof ReauthRequired) {
        const reason = err.reason === 'authorisation_denied' ? 'access_denied' : err.reason;
        const rejected = await this.lifecycle.transition(consent.id, 'rejected', { reason, fields: cleared });
        return this.back(rejected, reason);
      }
      if (err instanceof ConnectorError) {
        // 429, 5xx, timeouts, malformed token replies: nothing was granted yet. The consent stays
        // awaiting authorisation and the same authorisation URL can be used again.
        this.logger.warn(
          {
            consent_id: consent.id,
            provider: consent.provider,
            status: err.status,
            code: err.providerCode,
            excerpt: err.excerpt,
            kind: err.kind,
          },
          'code exchange failed',
        );
        const reason =
          err instanceof RateLimited
            ? `bank rate limit (retry after ${err.retryAfterS} s)`
            : `bank error during code exchange (${err.kind})`;
        await this.consents.update(consent.id, { statusReason: reason, authState: state });
        const error = err.kind === 'protocol_violation' ? 'server_error' : 'temporarily_unavailable';
        return this.back(
          { ...consent, statusReason: reason },
          error,
          err instanceof RateLimited ? err.retryAfterS : undefined,
        );
      }
      throw err;
    }

    return this.back(await this.activate(consent, session, cleared), null);
  }

  /** `POST /v1/consents/{id}/sync`: a sync now, or the one already under way. */
  async sync(
    client: AuthenticatedClient,
    id: string,
    requestId: string,
    psuIpAddress?: string,
  ): Promise<string> {
    const consent = await this.get(client, id);
    if (consent.status !== 'active') {
      throw new HisobError(
        'consent_not_active',
        `The consent is ${consent.status}; only an active consent can sync`,
      );
    }
    return this.jobs.startSync(consent, 'manual', requestId, psuIpAddress);
  }

  /**
   * Revokes at the bank and at Hisob, under the consent's row lock (see ConsentRevocation): jobs
   * stopped, tokens dropped, the data's purge scheduled after the retention period.
   */
  async revoke(client: AuthenticatedClient, id: string): Promise<ConsentEntity> {
    const consent = await this.get(client, id);
    if (consent.status === 'revoked') return consent;
    return (await this.revocation.revoke(consent.id)) ?? consent;
  }

  private back(consent: ConsentEntity, error: string | null, retryAfterS?: number): CallbackOutcome {
    if (!consent.redirectUri) return { kind: 'page', consent, error };
    const url = new URL(consent.redirectUri);
    url.searchParams.set('consent_id', consent.id);
    url.searchParams.set('status', consent.status as ConsentStatus);
    if (error) url.searchParams.set('error', error);
    if (retryAfterS !== undefined) url.searchParams.set('retry_after', String(retryAfterS));
    return { kind: 'redirect', location: url.toString() };
  }

  /** Bank faults on the API's synchronous calls become 429 / 502 problems (never a 500). */
  private async callBank<T>(provider: string, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof RateLimited) {
        throw new HisobError(
          'rate_limited',
          `${provider} is rate limiting; retry after ${err.retryAfterS} s`,
          {
            headers: { 'retry-after': String(err.retryAfterS) },
          },
        );
      }
      if (err instanceof ConnectorError) {
        this.logger.warn(
          { provider, status: err.status, code: err.providerCode, excerpt: err.excerpt, kind: err.kind },
          `${what} failed`,
        );
        throw new HisobError(
          'provider_unavailable',
          `${provider} could not ${what} (${err.kind}); try again later`,
        );
      }
      throw err;
    }
  }
}

/**
 * The person who just passed SCA is waiting on this request: a token endpoint that answers 429
 * with a short `retry_after`, or a 5xx, is tried again in place (within {@link CALLBACK_WAIT_MS}
 * all told) rather than sending them back with `temporarily_unavailable`.
 */
const CALLBACK_WAIT_MS = 12_000;
const CALLBACK_TRIES = 3;

async function retryShortWaits<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + CALLBACK_WAIT_MS;
  for (let tries = 1; ; tries++) {
    try {
      return await call();
    } catch (err) {
      const waitMs =
        err instanceof RateLimited
          ? err.retryAfterS * 1000
          : err instanceof ConnectorError && err.kind === 'transient'
            ? 1_000
            : null;
      if (waitMs === null || tries >= CALLBACK_TRIES || Date.now() + waitMs > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

function endOfDay(date: string): Date | null {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || !d.toISOString().startsWith(date)) return new Date(0);
  return new Date(d.getTime() + 86_400_000);
}
