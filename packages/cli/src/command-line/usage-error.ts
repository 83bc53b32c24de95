/**
 * A mistake in the command line (unknown name, bad number, unusable path).
 * `main` prints its message as one line on stderr and exits with code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
