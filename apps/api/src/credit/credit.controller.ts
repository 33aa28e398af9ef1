import { Controller, Get, Injectable, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { currencyExponent } from '#domain/currency.js';
import { HisobError } from '#common/http/problem.js';
import {
  CreditQueryRepository,
  type InstalmentRowOut,
} from '#persistence/repositories/credit-query.repository.js';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { assertPermitted, DataScope, subjectOfScope } from '../data/data-scope.js';
import { dataRead, withSubject } from '../data/read-subject.js';
import {
  CreditLineListResponse,
  CreditQueryDto,
  PlanListResponse,
  PlansQueryDto,
  ScheduleChangesQueryDto,
  ScheduleChangesResponse,
  ScheduleQueryDto,
  ScheduleResponse,
} from './credit.dto.js';

/** A decimal at its currency's scale (`"6000"` → `"6000.00"`); PostgreSQL's numeric keeps the bank's text. */
function atScale(amount: string, currency: string): string {
  const scale = currencyExponent(currency as never);
  const [i, f = ''] = amount.split('.');
  return scale === 0 ? i! : `${i}.${f.padEnd(scale, '0').slice(0, scale)}`;
}

function toInstalment(i: InstalmentRowOut) {
  return {
    id: i.id,
    plan_id: i.planId,
    due_date: i.dueDate,
    amount: atScale(i.amount, i.currency),
    currency: i.currency,
    status: i.status,
    ...(i.paidAt ? { paid_at: i.paidAt.toISOString() } : {}),
  };
}

/** The feed's cursor: the last sequence number seen, opaque to clients. */
const encodeSeq = (seq: bigint) => Buffer.from(`is1:${seq}`).toString('base64url');
function decodeSeq(cursor: string | undefined): bigint {
  if (cursor === undefined) return 0n;
  const m = /^is1:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw HisobError.validation([{ field: 'cursor', message: 'cursor is not valid' }]);
  return BigInt(m[1]!);
}

/** Reads of the credit ledger (api.md, Alif Shop): under one consent that grants `credit`. */
@Injectable()
export class CreditService {
  constructor(
    private readonly repo: CreditQueryRepository,
    private readonly scope: DataScope,
  ) {}

  async consent(client: AuthenticatedClient, consentId: string) {
    return assertPermitted(await this.scope.consent(client, consentId), 'credit');
  }

  async creditLines(client: AuthenticatedClient, q: CreditQueryDto) {
    const consent = await this.consent(client, q.consent_id);
    const lines = await this.repo.creditLines(consent.consentId);
    return withSubject(
      {
        credit_lines: lines.map((l) => ({
          account_id: l.accountId,
          limit: l.limit === null ? null : atScale(l.limit, l.currency),
          available: l.available === null ? null : atScale(l.available, l.currency),
          currency: l.currency,
          updated_at: l.updatedAt.toISOString(),
        })),
      },
      subjectOfScope(consent),
    );
  }

  async plans(client: AuthenticatedClient, q: PlansQueryDto) {
    const consent = await this.consent(client, q.consent_id);
    const plans = await this.repo.plans(consent.consentId, { origin: q.origin, status: q.status });
    return withSubject(
      {
        plans: plans.map((p) => ({
          id: p.id,
          provider_plan_id: p.providerPlanId,
          origin: p.origin,
          principal: atScale(p.principal, p.currency),
          // Never folded: "0" for fashion plans, null for the store's own terms.
          markup_pct: p.markupPct,
          tenor_months: p.tenorMonths,
          currency: p.currency,
          status: p.status,
          ...(p.nextDueDate ? { next_due_date: p.nextDueDate } : {}),
          ...(p.nextAmount ? { next_amount: atScale(p.nextAmount, p.currency) } : {}),
          ...(p.store ? { store: p.store } : {}),
          ...(p.deviceModel ? { device_model: p.deviceModel } : {}),
          created_at: p.createdAt?.toISOString() ?? null,
        })),
      },
      subjectOfScope(consent),
    );
  }

  /**
   * The schedule's change feed: instalments added, modified (recalculated, paid, fallen due) and
   * removed since the cursor, in the order they were written. Following it from no cursor to
   * `has_more: false` gives exactly Hisob's schedule.
   */
  async scheduleChanges(client: AuthenticatedClient, q: ScheduleChangesQueryDto) {
    const consent = await this.consent(client, q.consent_id);
    const after = decodeSeq(q.cursor);
    const count = q.count ?? 100;
    const { changed, removed } = await this.repo.changes(consent.consentId, after, count + 1);
    const events = [
      ...changed.map((c) => ({
        seq: BigInt(c.updatedSeq),
        kind: BigInt(c.createdSeq) > after ? 'added' : 'modified',
        row: c,
      })),
      ...removed.map((r) => ({ seq: BigInt(r.seq), kind: 'removed' as const, id: r.instalmentId })),
    ].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    const page = events.slice(0, count);
    const last = page.at(-1)?.seq ?? after;
    return withSubject(
      {
        added: page.flatMap((e) => (e.kind === 'added' && 'row' in e ? [toInstalment(e.row)] : [])),
        modified: page.flatMap((e) => (e.kind === 'modified' && 'row' in e ? [toInstalment(e.row)] : [])),
        removed: page.flatMap((e) => ('id' in e ? [e.id] : [])),
        next_cursor: encodeSeq(last),
        has_more: events.length > count,
      },
      subjectOfScope(consent),
    );
  }

  async schedule(client: AuthenticatedClient, q: ScheduleQueryDto) {
    const consent = await this.consent(client, q.consent_id);
    const rows = await this.repo.schedule(consent.consentId, { fromDate: q.from_date, toDate: q.to_date });
    return withSubject(
      {
        instalments: rows.map(toInstalment),
      },
      subjectOfScope(consent),
    );
  }
}

@ApiTags('credit')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class CreditController {
  constructor(private readonly credit: CreditService) {}

  @Get('credit-lines')
  @ApiOkResponse({ type: CreditLineListResponse })
  @AccessLogged(dataRead<CreditLineListResponse>('credit_lines', (b) => b.credit_lines.length))
  creditLines(@CurrentClient() client: AuthenticatedClient, @Query() q: CreditQueryDto) {
    return this.credit.creditLines(client, q);
  }

  @Get('instalment-plans')
  @ApiOkResponse({ type: PlanListResponse })
  @AccessLogged(dataRead<PlanListResponse>('instalment_plans', (b) => b.plans.length))
  plans(@CurrentClient() client: AuthenticatedClient, @Query() q: PlansQueryDto) {
    return this.credit.plans(client, q);
  }

  @Get('repayment-schedule/sync')
  @ApiOkResponse({ type: ScheduleChangesResponse })
  @AccessLogged(
    dataRead<ScheduleChangesResponse>(
      'repayment_schedule',
      (b) => b.added.length + b.modified.length + b.removed.length,
    ),
  )
  scheduleChanges(@CurrentClient() client: AuthenticatedClient, @Query() q: ScheduleChangesQueryDto) {
    return this.credit.scheduleChanges(client, q);
  }

  @Get('repayment-schedule')
  @ApiOkResponse({ type: ScheduleResponse })
  @AccessLogged(dataRead<ScheduleResponse>('repayment_schedule', (b) => b.instalments.length))
  schedule(@CurrentClient() client: AuthenticatedClient, @Query() q: ScheduleQueryDto) {
    return this.credit.schedule(client, q);
  }
}
