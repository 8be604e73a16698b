/** Resolves with the signal's name at the first SIGINT or SIGTERM, then stops listening for both. */
export function waitForShutdownSignal(): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    const onInt = (): void => done('SIGINT');
    const onTerm = (): void => done('SIGTERM');
    const done = (signal: 'SIGINT' | 'SIGTERM'): void => {
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      resolve(signal);
    };
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  });
}
