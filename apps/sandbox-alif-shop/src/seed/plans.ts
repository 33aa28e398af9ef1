/**
 * Instalment plans. A plan's whole life is scripted when it is created — when each instalment is
 * paid, whether one is paid late (and a late fee charged), whether the customer prepays part of
 * the rest with an instalment (the open instalments are then re-spread: same count, new amounts),
 * whether a fashion purchase is partly refunded (the principal shrinks and the open instalments
 * are re-spread), and when a partner store's application is decided. What a client sees at an
 * instant `t` is the script replayed up to `t`, so moving the clock only reveals steps, and the
 * data does not depend on how the clock was moved.
 */
import { addMonths, atLocal } from './calendar.js';
import { basisPoints, formatHuman, splitEvenly } from './money.js';

export type Origin = 'fashion' | 'partner_store';
export type StepType = 'purchase' | 'repayment' | 'refund' | 'fee' | 'rejection';
export type PlanStatus = 'current' | 'overdue' | 'pending_approval' | 'rejected' | 'closed';
export type InstalmentStatus = 'upcoming' | 'due' | 'paid' | 'overdue';

/** A step of a plan's script; every step but a rejection is also a history item. */
export interface Step {
  at: number;
  type: StepType;
  /** Paisa, positive. */
  amount: number;
  /** The instalment (1-based) a repayment pays or a late fee is charged for. */
  seq?: number;
  /** History item id ('' for a rejection). */
  id: string;
  description: string;
  merchant?: string;
  /** The plan's principal and instalment amounts once this step has happened. */
  principal: number;
  amounts: readonly number[];
  /** True when this step changed the amounts of instalments still open. */
  recalculated: boolean;
}

export interface Plan {
  id: string;
  userIndex: number;
  origin: Origin;
  /** Hand-written demo plan (its figures are documented) rather than a generated one. */
  curated: boolean;
  /** Fashion: the purchase; partner store: the application. Epoch seconds. */
  createdAt: number;
  tenor: number;
  /** The fashion brand, or the partner store. */
  merchant: string;
  deviceModel?: string;
  orderId?: string;
  /** The store's markup in paisa over the whole tenor (0 for fashion plans). */
  markup: number;
  /** Due dates (Karachi epoch days), one per instalment. */
  dueDays: readonly number[];
  /** Partner-store plans: when the application is decided, and how. */
  decisionAt?: number;
  approved?: boolean;
  /** The principal asked for, before any step. */
  initialPrincipal: number;
  steps: readonly Step[];
}

/** How one instalment gets paid. */
export interface PaymentBehaviour {
  /** Days from the due date (negative: early; positive: late) and the local second of that day. */
  dayOffset: number;
  second: number;
  /** Paisa prepaid on top of the instalment; the open instalments after it are re-spread. */
  prepay?: number;
}

/** Days late after which a late fee is charged, at 00:05 local time. */
export const LATE_FEE_AFTER_DAYS = 3;
const LATE_FEE_BP = 200;
const LATE_FEE_MIN = 10_000;
/** Partner-store plans carry a one-off processing fee on approval. */
const PROCESSING_FEE_BP = 75;

export interface FashionSpec {
  id: string;
  userIndex: number;
  curated: boolean;
  merchant: string;
  principal: number;
  tenor: number;
  createdAt: number;
  createdDay: number;
  /** Explicit due dates; default: the purchase day plus 1..tenor months. */
  dueDays?: number[];
  refund?: { at: number; amount: number };
  payments: PaymentBehaviour[];
  itemId: (n: number) => string;
}

export function buildFashionPlan(s: FashionSpec): Plan {
  const dueDays = s.dueDays ?? monthly(s.createdDay, s.tenor);
  const steps: Step[] = [];
  let principal = s.principal;
  let amounts = splitEvenly(principal, s.tenor);
  steps.push({
    at: s.createdAt,
    type: 'purchase',
    amount: principal,
    id: s.itemId(0),
    description: `Purchase at ${s.merchant}, ${s.tenor} monthly instalments at 0% markup`,
    merchant: s.merchant,
    principal,
    amounts,
    recalculated: false,
  });
  if (s.refund) {
    principal -= s.refund.amount;
    amounts = splitEvenly(principal, s.tenor);
    steps.push({
      at: s.refund.at,
      type: 'refund',
      amount: s.refund.amount,
      id: s.itemId(1),
      description: `Refund from ${s.merchant} for a returned item; instalments recalculated`,
      merchant: s.merchant,
      principal,
      amounts,
      recalculated: true,
    });
  }
  payInstalments(steps, s, dueDays, principal, amounts);
  return {
    id: s.id,
    userIndex: s.userIndex,
    origin: 'fashion',
    curated: s.curated,
    createdAt: s.createdAt,
    tenor: s.tenor,
    merchant: s.merchant,
    markup: 0,
    dueDays,
    initialPrincipal: s.principal,
    steps: checkOrder(s.id, steps),
  };
}

export interface PartnerSpec {
  id: string;
  orderId: string;
  userIndex: number;
  curated: boolean;
  store: string;
  monthlyMarkupBp: number;
  deviceModel: string;
  principal: number;
  tenor: number;
  appliedAt: number;
  decisionAt: number;
  decisionDay: number;
  approved: boolean;
  /** One per instalment when approved. */
  payments: PaymentBehaviour[];
  itemId: (n: number) => string;
}

export function buildPartnerPlan(s: PartnerSpec): Plan {
  const markup = basisPoints(s.principal, s.monthlyMarkupBp * s.tenor);
  const steps: Step[] = [];
  const base = {
    id: s.id,
    userIndex: s.userIndex,
    origin: 'partner_store' as const,
    curated: s.curated,
    createdAt: s.appliedAt,
    tenor: s.tenor,
    merchant: s.store,
    deviceModel: s.deviceModel,
    orderId: s.orderId,
    decisionAt: s.decisionAt,
    approved: s.approved,
    initialPrincipal: s.principal,
  };
  if (!s.approved) {
    steps.push({
      at: s.decisionAt,
      type: 'rejection',
      amount: 0,
      id: '',
      description: `Application ${s.orderId} rejected`,
      principal: s.principal,
      amounts: [],
      recalculated: false,
    });
    return { ...base, markup, dueDays: [], steps };
  }
  const dueDays = monthly(s.decisionDay, s.tenor);
  const amounts = splitEvenly(s.principal + markup, s.tenor);
  steps.push({
    at: s.decisionAt,
    type: 'purchase',
    amount: s.principal,
    id: s.itemId(0),
    description: `${s.deviceModel} from ${s.store}, order ${s.orderId}, ${s.tenor} monthly instalments on the store's terms`,
    merchant: s.store,
    principal: s.principal,
    amounts,
    recalculated: false,
  });
  steps.push({
    at: s.decisionAt + 1,
    type: 'fee',
    amount: basisPoints(s.principal, PROCESSING_FEE_BP),
    id: s.itemId(1),
    description: `Processing fee, order ${s.orderId}`,
    principal: s.principal,
    amounts,
    recalculated: false,
  });
  payInstalments(steps, s, dueDays, s.principal, amounts);
  return { ...base, markup, dueDays, steps: checkOrder(s.id, steps) };
}

function monthly(fromDay: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => addMonths(fromDay, i + 1));
}

function payInstalments(
  steps: Step[],
  s: { payments: PaymentBehaviour[]; tenor: number; itemId: (n: number) => string },
  dueDays: readonly number[],
  principal: number,
  start: readonly number[],
): void {
  let amounts = [...start];
  for (let k = 0; k < s.tenor; k++) {
    const p = s.payments[k]!;
    const seq = k + 1;
    if (p.dayOffset >= LATE_FEE_AFTER_DAYS) {
      steps.push({
        at: atLocal(dueDays[k]! + LATE_FEE_AFTER_DAYS, 5 * 60),
        type: 'fee',
        amount: Math.max(LATE_FEE_MIN, basisPoints(amounts[k]!, LATE_FEE_BP)),
        seq,
        id: s.itemId(100 + seq),
        description: `Late payment fee, instalment ${seq} of ${s.tenor}`,
        principal,
        amounts,
        recalculated: false,
      });
    }
    const prepay = p.prepay ?? 0;
    const next = [...amounts];
    next[k] = amounts[k]! + prepay;
    let recalculated = false;
    if (prepay > 0) {
      const open = amounts.slice(k + 1);
      const rest = open.reduce((a, b) => a + b, 0) - prepay;
      if (open.length === 0 || rest < open.length)
        throw new RangeError(`prepayment ${prepay} leaves nothing to re-spread on instalment ${seq}`);
      next.splice(k + 1, open.length, ...splitEvenly(rest, open.length));
      recalculated = true;
    }
    amounts = next;
    steps.push({
      at: atLocal(dueDays[k]! + p.dayOffset, p.second),
      type: 'repayment',
      amount: amounts[k]!,
      seq,
      id: s.itemId(10 + seq),
      description:
        prepay > 0
          ? `Instalment ${seq} of ${s.tenor} with a prepayment of Rs ${formatHuman(prepay)}; the remaining instalments were recalculated`
          : `Instalment ${seq} of ${s.tenor}`,
      principal,
      amounts,
      recalculated,
    });
  }
}

function checkOrder(id: string, steps: Step[]): Step[] {
  for (let i = 1; i < steps.length; i++)
    if (steps[i]!.at <= steps[i - 1]!.at) throw new Error(`plan ${id}: steps out of order at ${i}`);
  return steps;
}

/** A plan as it stands at an instant. */
export interface PlanState {
  plan: Plan;
  status: PlanStatus;
  principal: number;
  instalments: Array<{
    seq: number;
    dueDay: number;
    amount: number;
    status: InstalmentStatus;
    paidAt?: number;
  }>;
  /** Steps that have happened (history items among them). */
  stepsDone: number;
}

/** The plan at instant `t` (its calendar day `today`), or undefined before it exists. */
export function planAt(plan: Plan, t: number, today: number): PlanState | undefined {
  if (plan.createdAt > t) return undefined;
  let principal = plan.initialPrincipal;
  let amounts: readonly number[] = [];
  const paidAt: Array<number | undefined> = [];
  let done = 0;
  let rejected = false;
  for (const step of plan.steps) {
    if (step.at > t) break;
    done++;
    principal = step.principal;
    amounts = step.amounts;
    if (step.type === 'repayment') paidAt[step.seq! - 1] = step.at;
    if (step.type === 'rejection') rejected = true;
  }
  const instalments = amounts.map((amount, i) => {
    const dueDay = plan.dueDays[i]!;
    const paid = paidAt[i];
    const status: InstalmentStatus =
      paid !== undefined ? 'paid' : dueDay < today ? 'overdue' : dueDay === today ? 'due' : 'upcoming';
    return paid === undefined
      ? { seq: i + 1, dueDay, amount, status }
      : { seq: i + 1, dueDay, amount, status, paidAt: paid };
  });
  let status: PlanStatus;
  if (plan.origin === 'partner_store' && (plan.decisionAt === undefined || plan.decisionAt > t))
    status = 'pending_approval';
  else if (rejected) status = 'rejected';
  else if (instalments.every((i) => i.status === 'paid')) status = 'closed';
  else if (instalments.some((i) => i.status === 'overdue')) status = 'overdue';
  else status = 'current';
  return { plan, status, principal, instalments, stepsDone: done };
}
