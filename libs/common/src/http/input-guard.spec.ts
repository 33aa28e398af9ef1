import { QueryFailedError } from 'typeorm';
import { serializeError } from '../logging.js';
import { MAX_DEPTH, checkBody, checkParams } from './input-guard.js';
import { toProblem } from './to-problem.js';

const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nest(depth - 1) });

describe('input guard', () => {
  it('refuses NUL and other control characters in query and path values, naming the field', () => {
    expect(checkParams({ end_user_id: 'a\u0000b' }, 'query')).toEqual([
      { field: 'end_user_id', message: 'end_user_id must not contain control characters' },
    ]);
    expect(checkParams({ id: 'x\u001b[2J' }, 'path')[0]?.field).toBe('id');
    expect(checkParams({ status: ['active', 'a\u007f'] }, 'query')[0]?.field).toBe('status');
    expect(checkParams({ end_user_id: 'Дилноза 👩‍💻', limit: '10' }, 'query')).toEqual([]);
  });

  it('refuses lone surrogates and over-long values', () => {
    expect(checkParams({ q: 'a\ud800b' }, 'query')[0]?.message).toMatch(/well-formed/);
    expect(checkParams({ q: 'x'.repeat(5000) }, 'query')[0]?.message).toMatch(/at most 2048/);
  });

  it(`refuses a body nested deeper than ${MAX_DEPTH} levels, and bad strings or keys anywhere in it`, () => {
    expect(checkBody(nest(MAX_DEPTH))).toEqual([]);
    expect(checkBody(nest(MAX_DEPTH + 1))[0]?.field).toBe('body');
    // 100,000 levels: checked iteratively, no stack overflow.
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkBody(deep)).toHaveLength(1);
    expect(checkBody({ name: 'ok', permissions: ['accounts', 'x\u0000'] })).toEqual([
      { field: 'permissions.1', message: 'permissions.1 must not contain control characters' },
    ]);
    expect(checkBody({ 'bad\u0000key': 1 })[0]?.message).toMatch(/field name/);
    expect(checkBody(null)).toEqual([]);
  });

  it('takes any character in body strings and keys with anyCharacter, still bounding depth and length', () => {
    const odd = { message: 'line1\nline2\t\r', 'k\u0007': 'a\u0000b\ud800', list: ['\u001f'] };
    expect(checkBody(odd).length).toBeGreaterThan(0);
    expect(checkBody(odd, { anyCharacter: true })).toEqual([]);
    expect(checkBody(nest(MAX_DEPTH + 1), { anyCharacter: true })[0]?.field).toBe('body');
    expect(checkBody({ s: 'x'.repeat(65_537) }, { anyCharacter: true })[0]?.field).toBe('s');
  });
});

describe('database errors', () => {
  const pgError = (code: string, message: string) =>
    Object.assign(new Error(message), {
      code,
      severity: 'ERROR',
      detail: 'Key (api_key_id)=(secret-value) already exists.',
    });
  const queryFailed = (code: string, message: string) =>
    new QueryFailedError('SELECT * FROM t WHERE id = $1', ['secret-parameter-value'], pgError(code, message));

  it.each(['22P02', '22007', '22008', '22021', '22003', '54000'])(
    'maps SQLSTATE %s to 400 validation_failed',
    (code) => {
      expect(toProblem(queryFailed(code, 'bad')).code).toBe('validation_failed');
      expect(toProblem(pgError(code, 'bad')).code).toBe('validation_failed');
    },
  );

  it('leaves other database errors unexpected (500)', () => {
    expect(toProblem(queryFailed('23505', 'duplicate key')).code).toBe('internal_error');
    expect(toProblem(Object.assign(new Error('x'), { code: '22P02' })).code).toBe('internal_error');
  });

  it('logs a failed query without its bound parameters or quoted values', () => {
    const logged = JSON.stringify(
      serializeError(queryFailed('22P02', 'invalid input syntax for type uuid: "secret-parameter-value"')),
    );
    expect(logged).toContain('22P02');
    expect(logged).toContain('SELECT * FROM t WHERE id = $1');
    expect(logged).not.toContain('secret-parameter-value');
    expect(logged).not.toContain('secret-value');
    expect(logged).not.toContain('"parameters"');
  });
});
