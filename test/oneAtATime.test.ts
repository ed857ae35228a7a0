// oneAtATime: background work set off by timers, writes and requests never runs twice side by side; what a call
// made during a run gets is each caller's choice (join it, ask for one more run after it, or a value at once).
import { oneAtATime } from '../src/oneAtATime';

/** Work whose runs end when the test says so; counts how many started and with what. */
function controlled() {
  const started: string[] = [];
  const finish: Array<() => void> = [];
  const work = (label: string) =>
    new Promise<string>((resolve) => {
      started.push(label);
      finish.push(() => resolve(`done ${label}`));
    });
  return { started, work, end: () => finish.shift()?.() };
}

describe('when background work is started again while it runs', () => {
  it("then 'join' hands the caller the run in progress, and a call after it ends starts a new one", async () => {
    const { started, work, end } = controlled();
    const run = oneAtATime(work, 'join');
    const first = run('a');
    const second = run('b');
    expect(run.inProgress()).toBe(first);
    end();
    expect([await first, await second]).toEqual(['done a', 'done a']);
    expect(run.inProgress()).toBeUndefined();
    const third = run('c');
    end();
    expect(await third).toBe('done c');
    expect(started).toEqual(['a', 'c']);
  });

  it("then 'again' makes one more run after the one in progress, however many calls came, with the last one's arguments", async () => {
    const { started, work, end } = controlled();
    const run = oneAtATime(work, 'again');
    const first = run('a');
    void run('b');
    void run('c');
    end();
    await first;
    await Promise.resolve();
    expect(started).toEqual(['a', 'c']);
    end();
    await run.inProgress();
    expect(run.inProgress()).toBeUndefined();
    expect(started).toEqual(['a', 'c']);
  });

  it('then a value answers the caller at once, and the run in progress goes on alone', async () => {
    const { started, work, end } = controlled();
    const run = oneAtATime(work, () => 'busy');
    const first = run('a');
    expect(await run('b')).toBe('busy');
    end();
    expect(await first).toBe('done a');
    expect(started).toEqual(['a']);
  });

  it('then a run that fails frees the next call, and the failure reaches its own callers only', async () => {
    let calls = 0;
    const run = oneAtATime(async () => {
      calls++;
      if (calls === 1) throw new Error('first fails');
      return 'second works';
    });
    await expect(run()).rejects.toThrow('first fails');
    await expect(run()).resolves.toBe('second works');
  });
});
