import t from 'tap';
import { PassThrough } from 'node:stream';
import { closeWhenIdle } from '../../../src/proxy/upgrade.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('closeWhenIdle destroys a socket the client sends nothing on', async (t) => {
  const socket = new PassThrough();
  closeWhenIdle(socket, 100);
  await sleep(60);
  t.equal(socket.destroyed, false, 'open before the bound');
  await sleep(120);
  t.equal(socket.destroyed, true, 'destroyed after it');
});

t.test('data from the client keeps it open; the bound counts from the last data', async (t) => {
  const socket = new PassThrough();
  socket.resume();
  closeWhenIdle(socket, 100);
  for (let i = 0; i < 5; i++) {
    await sleep(50);
    socket.write('x');
  }
  t.equal(socket.destroyed, false, 'open after 250 ms of traffic');
  await sleep(200);
  t.equal(socket.destroyed, true, 'destroyed once the client went quiet');
});

t.test('the returned function stops watching; 0 never closes', async (t) => {
  const a = new PassThrough();
  const stop = closeWhenIdle(a, 50);
  stop();
  const b = new PassThrough();
  closeWhenIdle(b, 0);
  await sleep(120);
  t.equal(a.destroyed, false);
  t.equal(b.destroyed, false);
  t.equal(a.listenerCount('data'), 0, 'no listener left behind');
});
