/**
 * Resolves with the signal's name at the first SIGINT or SIGTERM, then stops listening for both, so a second signal
 * during the shutdown that follows ends the process at once. `stop` removes the listeners without resolving (the
 * process is shutting down for another reason, e.g. the ztunnel admin's /quitquitquit).
 */
export function waitForShutdownSignal(stop?: AbortSignal): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    const off = (): void => void process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    const done = (signal: 'SIGINT' | 'SIGTERM'): void => {
      off();
      stop?.removeEventListener('abort', off);
      resolve(signal);
    };
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
    stop?.addEventListener('abort', off, { once: true });
  });
}
