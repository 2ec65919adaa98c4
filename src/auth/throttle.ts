/**
 * Throttling of failed logins per username and per client IP: a window of failures, then a
 * lockout; below the limit each failure adds a growing delay (backoff).
 */
import type { SharedStore } from '../session/store.ts';

export interface ThrottleSettings {
  window: number;
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  lockout: number;
}

export interface Throttle {
  /** Undefined when a login may be tried, else the time the lockout ends. */
  blockedUntil(username: string, ip: string): Promise<number | undefined>;
  /** Records a failure; returns the delay (ms) to apply before answering. */
  failed(username: string, ip: string): Promise<number>;
  succeeded(username: string): Promise<void>;
}

const MAX_DELAY_MS = 2000;

export function createThrottle(store: SharedStore, settings: ThrottleSettings, now: () => number = Date.now): Throttle {
  const userKey = (username: string) => `u:${username.toLowerCase().slice(0, 256)}`;
  const ipKey = (ip: string) => `ip:${ip}`;
  return {
    async blockedUntil(username, ip) {
      const [u, i] = await Promise.all([store.lockedUntil(userKey(username)), store.lockedUntil(ipKey(ip))]);
      const until = Math.max(u ?? 0, i ?? 0);
      return until > now() ? until : undefined;
    },
    async failed(username, ip) {
      const [u, i] = await Promise.all([store.countFailure(userKey(username), settings.window), store.countFailure(ipKey(ip), settings.window)]);
      if (u >= settings.maxFailuresPerUser) await store.lock(userKey(username), now() + settings.lockout);
      if (i >= settings.maxFailuresPerIp) await store.lock(ipKey(ip), now() + settings.lockout);
      return Math.min(MAX_DELAY_MS, 100 * 2 ** Math.min(u, 5));
    },
    async succeeded(username) {
      await store.resetFailures(userKey(username));
    },
  };
}
