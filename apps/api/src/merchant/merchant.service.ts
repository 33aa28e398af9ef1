import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { HisobError, type FieldError } from '#common/http/problem.js';
import { ACCOUNT_PATTERN, normalisePublicKey } from '#connectors/bepaid/bepaid.wire.js';
import { Keyring } from '#crypto/keyring.js';
import { isCurrencyCode } from '#domain/currency.js';
import { Money } from '#domain/money.js';
import {
  BepaidRepository,
  bepaidSecretAad,
  type CustomerWrite,
  type MerchantRow,
} from '#persistence/repositories/bepaid.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import {
  CUSTOMER_STATUSES,
  MAX_IMPORT_ROWS,
  type CustomerDto,
  type MerchantSetupDto,
} from './merchant.dto.js';

const DEFAULT_CURRENCY = 'TJS';

/** A merchant's bePaid set-up and customer directory (the client API side). */
@Injectable()
export class MerchantService {
  private readonly logger = new Logger(MerchantService.name);

  constructor(
    private readonly repo: BepaidRepository,
    private readonly keyring: Keyring,
    @Inject(APP_CONFIG) private readonly config: Pick<ApiEnv, 'HISOB_PUBLIC_URL'>,
  ) {}

  async setUp(client: AuthenticatedClient, dto: MerchantSetupDto) {
    const errors: FieldError[] = [];
    const currency = dto.currency ?? DEFAULT_CURRENCY;
    if (!isCurrencyCode(currency))
      errors.push({ field: 'currency', message: `currency ${currency} is not supported` });
    let publicKey: string | null = null;
    if (dto.public_key !== undefined && dto.public_key !== null && dto.public_key.trim() !== '') {
      try {
        publicKey = normalisePublicKey(dto.public_key);
      } catch (err) {
        errors.push({ field: 'public_key', message: (err as Error).message });
      }
    }
    const before = await this.repo.merchant(client.id);
    if (before && before.currency !== currency && before.customerCount > 0)
      errors.push({
        field: 'currency',
        message: `the customer directory's limits are in ${before.currency}; the currency cannot change while it has customers`,
      });
    if (errors.length) throw HisobError.validation(errors);
    await this.repo.upsertMerchant({
      clientId: client.id,
      shopId: dto.shop_id,
      secretKeyEnc: this.keyring.encrypt(dto.secret_key, bepaidSecretAad(client.id)),
      publicKey,
      currency,
    });
    this.logger.log({ client_id: client.id, public_key: publicKey !== null }, 'bePaid shop set up');
    return this.toSetup((await this.repo.merchant(client.id))!);
  }

  async setup(client: AuthenticatedClient) {
    return this.toSetup(await this.requireMerchant(client));
  }

  private async requireMerchant(client: AuthenticatedClient): Promise<MerchantRow> {
    const m = await this.repo.merchant(client.id);
    if (!m) throw new HisobError('not_found', 'No bePaid shop is set up: PUT /v1/merchant/bepaid first');
    return m;
  }

  private toSetup(m: MerchantRow) {
    const base = `${this.config.HISOB_PUBLIC_URL.replace(/\/+$/, '')}/bepaid/${m.clientId}`;
    return {
      shop_id: m.shopId,
      public_key_configured: m.publicKey !== null,
      currency: m.currency,
      customer_count: m.customerCount,
      verification_url: `${base}/account_verification`,
      notification_url: `${base}/notifications`,
      updated_at: m.updatedAt.toISOString(),
    };
  }

  async putCustomer(client: AuthenticatedClient, account: string, dto: CustomerDto) {
    const m = await this.requireMerchant(client);
    const errors: FieldError[] = [];
    const row = checkCustomer({ account, ...dto }, m.currency, '', errors);
    if (!row) throw HisobError.validation(errors);
    const created = await this.repo.upsertCustomer(client.id, row);
    return { created, customer: await this.customer(client, account, m) };
  }

  async customer(client: AuthenticatedClient, account: string, merchant?: MerchantRow) {
    const m = merchant ?? (await this.requireMerchant(client));
    if (!ACCOUNT_PATTERN.test(account)) throw HisobError.notFound('Customer');
    const c = await this.repo.customer(client.id, account);
    if (!c) throw HisobError.notFound('Customer');
    return {
      account: c.account,
      status: c.status,
      min_amount: c.minAmount === null ? null : Money.parse(c.minAmount, m.currency).toString(),
      max_amount: c.maxAmount === null ? null : Money.parse(c.maxAmount, m.currency).toString(),
      currency: m.currency,
      updated_at: c.updatedAt.toISOString(),
    };
  }

  /** The whole list checked first: one bad row refuses the import (with every bad row's number). */
  async importCustomers(client: AuthenticatedClient, rows: readonly unknown[]) {
    const m = await this.requireMerchant(client);
    if (rows.length > MAX_IMPORT_ROWS)
      throw HisobError.validation([{ field: 'customers', message: `at most ${MAX_IMPORT_ROWS} rows` }]);
    const errors: FieldError[] = [];
    const valid: CustomerWrite[] = [];
    const seen = new Set<string>();
    rows.forEach((raw, i) => {
      if (errors.length >= 20) return;
      const field = `customers[${i}]`;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        errors.push({ field, message: `${field} must be an object` });
        return;
      }
      const row = checkCustomer(raw as Record<string, unknown>, m.currency, `${field}.`, errors);
      if (!row) return;
      if (seen.has(row.account)) {
        errors.push({ field: `${field}.account`, message: `account ${row.account} appears twice` });
        return;
      }
      seen.add(row.account);
      valid.push(row);
    });
    if (errors.length)
      throw HisobError.validation(errors, 'Some customers are not valid; nothing was imported');
    const r = await this.repo.importCustomers(client.id, valid);
    this.logger.log({ client_id: client.id, ...r }, 'bePaid customers imported');
    return r;
  }
}

/** One directory entry, its limits at the merchant currency's scale; null with `errors` filled when bad. */
function checkCustomer(
  raw: Record<string, unknown>,
  currency: string,
  prefix: string,
  errors: FieldError[],
): CustomerWrite | null {
  const before = errors.length;
  const { account, status } = raw;
  if (typeof account !== 'string' || !ACCOUNT_PATTERN.test(account))
    errors.push({
      field: `${prefix}account`,
      message: 'account must be 1-64 of letters, digits and . _ : @ + -',
    });
  if (!(CUSTOMER_STATUSES as readonly unknown[]).includes(status))
    errors.push({ field: `${prefix}status`, message: 'status must be active or blocked' });
  const limit = (name: 'min_amount' | 'max_amount'): Money | null => {
    const v = raw[name];
    if (v === undefined || v === null || v === '') return null;
    if (typeof v !== 'string') {
      errors.push({ field: `${prefix}${name}`, message: `${name} must be a decimal string` });
      return null;
    }
    try {
      const money = Money.parse(v, currency);
      if (money.isNegative()) throw new Error('negative');
      return money;
    } catch {
      errors.push({
        field: `${prefix}${name}`,
        message: `${name} must be a non-negative decimal string in ${currency} major units (e.g. "10.50")`,
      });
      return null;
    }
  };
  const min = limit('min_amount');
  const max = limit('max_amount');
  if (min && max && min.compare(max) > 0)
    errors.push({ field: `${prefix}min_amount`, message: 'min_amount must not be above max_amount' });
  if (errors.length > before) return null;
  return {
    account: account as string,
    status: status as 'active' | 'blocked',
    minAmount: min?.toString() ?? null,
    maxAmount: max?.toString() ?? null,
  };
}
