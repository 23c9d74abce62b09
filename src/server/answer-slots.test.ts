import { describe, expect, it } from 'vitest';
import { AnswerSlots } from './answer-slots.js';

const settled = async (p: Promise<void>): Promise<'resolved' | 'rejected' | 'pending'> =>
  Promise.race([
    p.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending'))),
  ]);

describe('answer slots', () => {
  it('run `size` at once, queue the next in order, and refuse past the queue with unavailable', async () => {
    const slots = new AnswerSlots(2, 1);
    const [a, b, c] = [slots.take(), slots.take(), slots.take()];
    expect(await settled(a.ready)).toBe('resolved');
    expect(await settled(b.ready)).toBe('resolved');
    expect(await settled(c.ready)).toBe('pending');
    expect(() => slots.take()).toThrow(expect.objectContaining({ code: 'unavailable' }));
    expect(slots.load).toEqual({ running: 2, waiting: 1 });
    a.release();
    a.release();
    expect(await settled(c.ready)).toBe('resolved');
    expect(slots.load).toEqual({ running: 2, waiting: 0 });
    b.release();
    c.release();
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });

  it('drop a request that ends while it waits, and give its turn to the next', async () => {
    const slots = new AnswerSlots(1, 5);
    const first = slots.take();
    const gone = slots.take();
    const next = slots.take();
    gone.release();
    await expect(gone.ready).rejects.toMatchObject({ code: 'unavailable' });
    first.release();
    expect(await settled(next.ready)).toBe('resolved');
    next.release();
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });
});
