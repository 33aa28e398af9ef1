import { applies } from './payment-status.js';

describe('applies', () => {
  it('moves a verified or pending payment to what bePaid reports', () => {
    expect(applies('verified', 'pending')).toBe(true);
    expect(applies('verified', 'successful')).toBe(true);
    expect(applies('pending', 'failed')).toBe(true);
    expect(applies('refused', 'successful')).toBe(true);
  });

  it('never replaces a final status, and a repeat changes nothing', () => {
    expect(applies('successful', 'failed')).toBe(false);
    expect(applies('failed', 'successful')).toBe(false);
    expect(applies('successful', 'pending')).toBe(false);
    expect(applies('expired', 'successful')).toBe(false);
    expect(applies('pending', 'pending')).toBe(false);
    expect(applies('successful', 'successful')).toBe(false);
  });
});
