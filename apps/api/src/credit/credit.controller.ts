import { Controller, Get, Injectable, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { currencyExponent } from '#domain/currency.js';
import { CreditQueryRepository } from '#persistence/repositories/credit-query.repository.js';
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
  ScheduleQueryDto,
  ScheduleResponse,
} from './credit.dto.js';

/** A decimal at its currency's scale (`"6000"` → `"6000.00"`); PostgreSQL's numeric keeps the bank's text. */
function atScale(amount: string, currency: string): string {
  const scale = currencyExponent(currency as never);
  const [i, f = ''] = amount.split('.');
  return scale === 0 ? i! : `${i}.${f.padEnd(scale, '0').slice(0, scale)}`;
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

  async schedule(client: AuthenticatedClient, q: ScheduleQueryDto) {
    const consent = await this.consent(client, q.consent_id);
    const rows = await this.repo.schedule(consent.consentId, { fromDate: q.from_date, toDate: q.to_date });
    return withSubject(
      {
        instalments: rows.map((i) => ({
          plan_id: i.planId,
          due_date: i.dueDate,
          amount: atScale(i.amount, i.currency),
          currency: i.currency,
          status: i.status,
          ...(i.paidAt ? { paid_at: i.paidAt.toISOString() } : {}),
        })),
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

  @Get('repayment-schedule')
  @ApiOkResponse({ type: ScheduleResponse })
  @AccessLogged(dataRead<ScheduleResponse>('repayment_schedule', (b) => b.instalments.length))
  schedule(@CurrentClient() client: AuthenticatedClient, @Query() q: ScheduleQueryDto) {
    return this.credit.schedule(client, q);
  }
}
