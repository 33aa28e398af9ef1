import type { Account } from '#domain/account.js';
import type { Balance } from '#domain/balance.js';
import type { Card } from '#domain/card.js';
import type { Transaction } from '#domain/transaction.js';
import type { Transfer } from '#domain/transfer.js';
import type { Instalment, InstalmentPlan } from '#domain/credit.js';
import type {
  AccountRow,
  InstalmentRow,
  PlanRow,
  BalanceRow,
  CardRow,
  TransactionRow,
  TransferRow,
} from '#persistence/repositories/sync-write.repository.js';

/** Canonical model → rows. Money leaves as its exact decimal string (`Money.toString()`). */
export const toTransactionRow = (t: Transaction): TransactionRow => ({
  providerTransactionId: t.providerTransactionId,
  status: t.status,
  bookingDate: t.date,
  valueDate: t.valueDate,
  bookedAt: t.bookedAt,
  amount: t.amount.toString(),
  currency: t.amount.currency,
  type: t.type,
  description: t.description,
  counterpartyName: t.counterparty?.name ?? null,
  counterpartyAccount: t.counterparty?.account ?? null,
  balanceAfter: t.balanceAfter?.toString() ?? null,
  category: t.category,
  providerCardId: t.providerCardId ?? null,
  entryReference: t.entryReference ?? null,
});

export const toAccountRow = (a: Account): AccountRow => ({
  providerAccountId: a.providerAccountId,
  type: a.type,
  name: a.name,
  currency: a.currency,
  iban: a.iban,
  numberMasked: a.numberMasked,
  status: a.status,
});

export const toBalanceRow = (b: Balance): BalanceRow => ({
  type: b.type,
  amount: b.amount.toString(),
  currency: b.amount.currency,
  referenceDate: b.referenceDate,
});

export const toCardRow = (c: Card): CardRow => ({ ...c });

export const toTransferRow = (t: Transfer): TransferRow => ({
  providerTransferId: t.providerTransferId,
  amount: t.amount.toString(),
  currency: t.amount.currency,
  destinationAmount: t.destinationAmount?.toString() ?? null,
  destinationCurrency: t.destinationAmount?.currency ?? null,
  fxRate: t.fxRate,
  fee: t.fee?.toString() ?? null,
  destinationCountry: t.destinationCountry,
  counterpartyName: t.counterpartyName,
  rail: t.rail,
  status: t.status,
  createdAt: t.createdAt,
  completedAt: t.completedAt,
});

export const toPlanRow = (p: InstalmentPlan): PlanRow => ({
  providerPlanId: p.providerPlanId,
  origin: p.origin,
  principal: p.principal.toString(),
  currency: p.principal.currency,
  markupPct: p.markupPct,
  tenorMonths: p.tenorMonths,
  status: p.status,
  nextDueDate: p.nextDueDate,
  nextAmount: p.nextAmount?.toString() ?? null,
  store: p.store,
  deviceModel: p.deviceModel,
  createdAt: p.createdAt,
});

export const toInstalmentRow = (i: Instalment): InstalmentRow => ({
  providerPlanId: i.providerPlanId,
  dueDate: i.dueDate,
  amount: i.amount.toString(),
  currency: i.amount.currency,
  status: i.status,
  paidAt: i.paidAt,
});
