// Failures a user can cause or meet end in one clear line and a documented exit code.

export const EXIT = {
  ok: 0,
  /** The run finished, but some actions failed or some source events were skipped. */
  partial: 1,
  /** With --detailed-exitcode: something was written (or, in a dry run, would be); with it every failure is 1. */
  changes: 2,
  config: 3,
  auth: 4,
  /** A calendar could not be reached, found or listed: nothing was written. */
  unavailable: 5,
  /** The run would delete more than MAX_DELETE_PERCENT of the copies: it stopped before writing. */
  guard: 6,
  /** Another run of the same pair holds the lock. */
  locked: 7,
  /** Stopped by SIGINT (130) or SIGTERM (143) after finishing the actions under way; 128 + the signal. */
  interruptedBySigint: 130,
  interruptedBySigterm: 143,
} as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.config,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A write the server refused; the run records it and goes on. */
export class WriteRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'WriteRefused';
  }
}

/** A server that could not be reached, or kept answering "not now", after the retries allowed. */
export class ServerUnavailable extends UserError {
  constructor(message: string) {
    super(message, EXIT.unavailable);
    this.name = 'ServerUnavailable';
  }
}
