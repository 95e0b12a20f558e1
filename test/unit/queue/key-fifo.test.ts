import { describe, expect, test } from '@jest/globals';
import { KeyFifo } from '../../../src/queue/key-fifo.js';

describe('KeyFifo', () => {
  test('keeps FIFO order across compactions of the popped prefix, with interleaved pushes', () => {
    const fifo = new KeyFifo<string>();
    const popped: number[] = [];
    let pushed = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 1500; i++) fifo.push({ key: `k${pushed}`, ticket: pushed++ });
      for (let i = 0; i < 1200; i++) popped.push(fifo.shift()?.ticket ?? -1);
    }
    for (let slot = fifo.shift(); slot !== undefined; slot = fifo.shift()) popped.push(slot.ticket);
    expect(popped).toEqual(Array.from({ length: pushed }, (_, i) => i));
  });
});
