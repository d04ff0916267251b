import { connect } from 'node:net';

/** How long `npm start` waits for the default Redis address to accept a connection. */
export const REDIS_PROBE_TIMEOUT_MS = 500;

/**
 * Does anything accept a TCP connection at the host and port of `url` within
 * `timeoutMs`? "Nothing answers" (refused, unreachable, or no answer in time)
 * is what lets `npm start` run embedded when REDIS_URL is not set; anything
 * that accepts the connection is taken for Redis, whose own errors then show.
 */
export function redisAnswers(url: string, timeoutMs = REDIS_PROBE_TIMEOUT_MS): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
    const socket = connect({ host, port: u.port ? Number(u.port) : 6379 });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
