import { ObpError } from './obp-errors.js';
import { DEFAULT_TO_MS, readPaging, type ParamSource } from './paging.js';

const src =
  (o: Record<string, string>): ParamSource =>
  (name) =>
    o[name];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ObpError ? `${e.status} ${e.message.slice(0, 9)}` : 'other';
  }
  return undefined;
}

describe('OBP paging parameters', () => {
  it('defaults to limit 50, offset 0, DESC, epoch to 2100-01-01', () => {
    expect(readPaging([src({})])).toEqual({
      limit: 50,
      offset: 0,
      fromMs: 0,
      toMs: DEFAULT_TO_MS,
      sortDirection: 'DESC',
    });
  });

  it('reads obp_ aliases, and the plain name wins', () => {
    expect(readPaging([src({ obp_limit: '5', obp_offset: '10' })])).toMatchObject({ limit: 5, offset: 10 });
    expect(readPaging([src({ limit: '7', obp_limit: '5' })]).limit).toBe(7);
  });

  it('prefers the first source (headers) over later ones (query)', () => {
    expect(readPaging([src({ limit: '3' }), src({ limit: '9', offset: '4' })])).toMatchObject({
      limit: 3,
      offset: 4,
    });
  });

  it('accepts sort_direction in any case', () => {
    expect(readPaging([src({ sort_direction: 'asc' })]).sortDirection).toBe('ASC');
  });

  it.each([
    [{ limit: '0' }, '400 OBP-10025'],
    [{ limit: '1.5' }, '400 OBP-10025'],
    [{ limit: '99999999999' }, '400 OBP-10025'],
    [{ offset: '-1' }, '400 OBP-10024'],
    [{ sort_direction: 'sideways' }, '400 OBP-10023'],
    [{ from_date: 'yesterday' }, '400 OBP-10026'],
    // OBP validates the sort direction before the dates, and the dates before limit and offset.
    [{ sort_direction: 'x', limit: '0' }, '400 OBP-10023'],
    [{ from_date: 'x', limit: '0' }, '400 OBP-10026'],
    [{ limit: '0', offset: '-1' }, '400 OBP-10025'],
  ])('rejects %j with %s', (params, expected) => {
    expect(codeOf(() => readPaging([src(params)]))).toBe(expected);
  });
});
