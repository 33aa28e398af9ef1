/**
 * TEST ONLY: the crash hook of the crash matrix (apps/api/test/crash-matrix.e2e-spec.ts).
 * `HISOB_TEST_CRASH_AT=<point>:<n>` (refused in production by the config) makes the process
 * SIGKILL itself the n-th time it reaches `point`: no `finally`, no rollback sent, no lock
 * released — as a power cut would. Unset (always, outside tests) it does nothing.
 */
export type CrashPoint = 'page-tx' | 'page-commit' | 'account-commit';

const reached = new Map<string, number>();

export function crashPoint(setting: string, point: CrashPoint): void {
  if (!setting) return;
  const [at, n] = setting.split(':');
  if (at !== point) return;
  const count = (reached.get(point) ?? 0) + 1;
  reached.set(point, count);
  if (count === Number(n ?? 1)) process.kill(process.pid, 'SIGKILL');
}
